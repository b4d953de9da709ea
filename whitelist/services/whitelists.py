"""Whitelists: creation, maker-checker publication with its diff, archiving, and the banks'
follow-up of newly published entries."""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from connectors.national import facts as national_facts
from hub.errors import Conflict, Forbidden, InvalidInput, NotFound
from hub.identifiers import region_code_error, region_covers
from hub.models import Organization, User
from hub.services.events import event_record
from lending.models import Match
from lending.selectors.products import banks_serving
from lending.services.matches import Listing, matches_create_for_listings
from whitelist import audit
from whitelist.models import PublishedEntry, Whitelist, WhitelistVersion


class Messages:
    OWNER_KINDS = _("Only city platforms and regulators run whitelists.")
    OUTSIDE_REGION = _("A whitelist's region must lie inside its owner's region (%(region)s).")
    MAKER_CHECKER = _("The person who ran the last import cannot also publish it: another colleague must check it.")
    NOTHING_IMPORTED = _("Import entries before publishing.")
    ARCHIVED = _("The whitelist is archived.")
    IMPORT_RUNNING = _("An import is still running; publish when it has finished.")
    NOTHING_CHANGED = _("Nothing changed since version %(number)d.")


@transaction.atomic
def whitelist_create(
    *,
    actor: User,
    name: str,
    kind: str,
    region_code: str,
    description: str = "",
    policy_basis: str = "",
    contact_days: int | None = None,
) -> Whitelist:
    owner = actor.organization
    if owner is None or not (owner.is_platform or owner.is_regulator):
        raise Forbidden(Messages.OWNER_KINDS)
    error = region_code_error(region_code)
    if error:
        raise InvalidInput(error, fields={"region_code": [error]})
    if not region_covers([owner.region_code], region_code):
        message = Messages.OUTSIDE_REGION % {"region": owner.region_code}
        raise InvalidInput(message, fields={"region_code": [message]})
    whitelist = Whitelist.objects.create(
        owner=owner,
        name=name,
        kind=kind,
        region_code=region_code,
        description=description,
        policy_basis=policy_basis,
        contact_days=contact_days or settings.WHITELIST_CONTACT_DAYS,
    )
    audit.whitelist_changed(whitelist=whitelist, actor=actor, action="created")
    return whitelist


@dataclass(frozen=True)
class Diff:
    added: int
    removed: int
    changed: int


# Whether a draft entry differs from the published one with the same USCC.
_DIFFERS = """(draft.name <> old.name OR draft.reason <> old.reason
    OR COALESCE(draft.recommended_amount, -1) <> COALESCE(old.recommended_amount, -1)
    OR COALESCE(draft.valid_until, '1900-01-01') <> COALESCE(old.valid_until, '1900-01-01'))"""

_DIFF_SQL = f"""
    SELECT
        (SELECT COUNT(*) FROM whitelist_whitelistentry draft WHERE draft.whitelist_id = %(whitelist)s
            AND NOT EXISTS (SELECT 1 FROM whitelist_publishedentry old
                            WHERE old.version_id = %(version)s AND old.uscc = draft.uscc)),
        (SELECT COUNT(*) FROM whitelist_publishedentry old WHERE old.version_id = %(version)s
            AND NOT EXISTS (SELECT 1 FROM whitelist_whitelistentry draft
                            WHERE draft.whitelist_id = %(whitelist)s AND draft.uscc = old.uscc)),
        (SELECT COUNT(*) FROM whitelist_whitelistentry draft JOIN whitelist_publishedentry old
            ON old.version_id = %(version)s AND old.uscc = draft.uscc
         WHERE draft.whitelist_id = %(whitelist)s AND {_DIFFERS})
"""


def draft_diff(whitelist: Whitelist) -> Diff:
    """What publishing now would change against the last published version."""
    if whitelist.current_version_id is None:
        return Diff(added=whitelist.entries.count(), removed=0, changed=0)
    with connection.cursor() as cursor:
        cursor.execute(_DIFF_SQL, {"whitelist": whitelist.pk, "version": whitelist.current_version_id})
        added, removed, changed = cursor.fetchone()
    return Diff(added=added, removed=removed, changed=changed)


def diff_entries(whitelist: Whitelist, *, limit: int = 200) -> dict[str, list]:
    """The first ``limit`` added, removed and changed entries, for the publication page."""
    drafts = whitelist.entries.all()
    if whitelist.current_version_id is None:
        return {"added": list(drafts.order_by("uscc")[:limit]), "removed": [], "changed": []}
    previous = PublishedEntry.objects.filter(version_id=whitelist.current_version_id)
    with connection.cursor() as cursor:
        cursor.execute(
            f"""SELECT draft.id, old.id FROM whitelist_whitelistentry draft JOIN whitelist_publishedentry old
                ON old.version_id = %s AND old.uscc = draft.uscc
                WHERE draft.whitelist_id = %s AND {_DIFFERS} ORDER BY draft.uscc LIMIT %s""",
            [whitelist.current_version_id, whitelist.pk, limit],
        )
        pairs = cursor.fetchall()
    after = drafts.in_bulk([draft_id for draft_id, _old in pairs])
    before = previous.in_bulk([old_id for _draft, old_id in pairs])
    return {
        "added": list(drafts.exclude(uscc__in=previous.values("uscc")).order_by("uscc")[:limit]),
        "removed": list(previous.exclude(uscc__in=drafts.values("uscc")).order_by("uscc")[:limit]),
        "changed": [{"before": before[old_id], "after": after[draft_id]} for draft_id, old_id in pairs],
    }


@transaction.atomic
def whitelist_publish(*, actor: User, whitelist_id: int) -> WhitelistVersion:
    """A colleague of the importer publishes the draft as a new frozen version (maker-checker);
    the newly listed entries go to the banks serving the region for follow-up.

    Raises NotFound, Forbidden (the importer themself), Conflict (archived, nothing
    imported, an import running)."""
    whitelist = Whitelist.objects.select_for_update().filter(pk=whitelist_id, owner_id=actor.organization_id).first()
    if whitelist is None:
        raise NotFound(_("Whitelist not found."))
    if whitelist.status == Whitelist.Status.ARCHIVED:
        raise Conflict(Messages.ARCHIVED)
    if whitelist.last_import_by_id is None:
        raise Conflict(Messages.NOTHING_IMPORTED)
    if whitelist.imports.filter(status__in=["queued", "running"]).exists():
        raise Conflict(Messages.IMPORT_RUNNING)
    if whitelist.last_import_by_id == actor.pk:
        raise Forbidden(Messages.MAKER_CHECKER, code="maker_checker")
    diff = draft_diff(whitelist)
    if whitelist.current_version_id and not (diff.added or diff.removed or diff.changed):
        raise Conflict(Messages.NOTHING_CHANGED % {"number": whitelist.current_version.number}, code="nothing_changed")
    previous_version_id = whitelist.current_version_id
    number = (whitelist.versions.order_by("-number").values_list("number", flat=True).first() or 0) + 1
    version = WhitelistVersion.objects.create(
        whitelist=whitelist,
        number=number,
        published_at=timezone.now(),
        published_by=actor,
        added=diff.added,
        removed=diff.removed,
        changed=diff.changed,
    )
    with connection.cursor() as cursor:
        cursor.execute(
            """
            INSERT INTO whitelist_publishedentry (version_id, uscc, name, reason, recommended_amount, valid_until)
            SELECT %s, uscc, name, reason, recommended_amount, valid_until
            FROM whitelist_whitelistentry WHERE whitelist_id = %s
            """,
            [version.pk, whitelist.pk],
        )
        version.entries_count = cursor.rowcount
    version.save(update_fields=["entries_count"])
    whitelist.current_version = version
    whitelist.status = Whitelist.Status.PUBLISHED
    whitelist.save(update_fields=["current_version", "status"])
    audit.whitelist_changed(
        whitelist=whitelist,
        actor=actor,
        action="published",
        data={"version": number, "added": diff.added, "removed": diff.removed, "changed": diff.changed},
    )
    event_record(
        type="whitelist.published",
        organization_ids=[bank.pk for bank in banks_serving(whitelist.region_code)],
        object_type="whitelist",
        object_id=whitelist.pk,
        data={
            "whitelist": whitelist.pk,
            "kind": whitelist.kind,
            "region_code": whitelist.region_code,
            "version": number,
            "entries": version.entries_count,
            "added": diff.added,
            "removed": diff.removed,
            "published_at": version.published_at.isoformat(),
        },
    )
    national_facts.whitelist_published(version, version.entries.order_by("id").iterator(chunk_size=2000))
    from whitelist.tasks import push_new_entries

    push_new_entries.delay_on_commit(version.pk, previous_version_id, actor.pk)
    return version


@transaction.atomic
def whitelist_archive(*, actor: User, whitelist_id: int) -> Whitelist:
    whitelist = Whitelist.objects.select_for_update().filter(pk=whitelist_id, owner_id=actor.organization_id).first()
    if whitelist is None:
        raise NotFound(_("Whitelist not found."))
    if whitelist.status == Whitelist.Status.ARCHIVED:
        raise Conflict(Messages.ARCHIVED)
    whitelist.status = Whitelist.Status.ARCHIVED
    whitelist.save(update_fields=["status"])
    audit.whitelist_changed(whitelist=whitelist, actor=actor, action="archived")
    return whitelist


def new_entries_push(*, version_id: int, previous_version_id: int | None, actor_id: int, batch_size: int = 500) -> int:
    """Every entry new in this version becomes a match (source whitelist) for each bank
    serving the whitelist's region, with the whitelist's contact deadline. Safe to run
    twice: an entry already pushed to a bank is skipped. Returns the matches created."""
    version = WhitelistVersion.objects.select_related("whitelist").get(pk=version_id)
    whitelist = version.whitelist
    actor = User.objects.get(pk=actor_id)
    banks = list(banks_serving(whitelist.region_code))
    entries = PublishedEntry.objects.filter(version=version).order_by("pk")
    if previous_version_id:
        entries = entries.exclude(uscc__in=PublishedEntry.objects.filter(version_id=previous_version_id).values("uscc"))
    created = 0
    batch: list[PublishedEntry] = []
    for entry in entries.iterator(chunk_size=batch_size):
        batch.append(entry)
        if len(batch) >= batch_size:
            created += _push_batch(batch, banks, whitelist, actor)
            batch = []
    if batch:
        created += _push_batch(batch, banks, whitelist, actor)
    return created


def _push_batch(entries: list[PublishedEntry], banks: list[Organization], whitelist: Whitelist, actor: User) -> int:
    with transaction.atomic():
        # Two deliveries of the push (acks are late) take turns per batch, so the second sees
        # what the first pushed and skips it.
        WhitelistVersion.objects.select_for_update().filter(pk=entries[0].version_id).first()
        enterprises = {
            organization.code: organization
            for organization in Organization.objects.filter(
                kind=Organization.Kind.ENTERPRISE, code__in=[entry.uscc for entry in entries]
            )
        }
        pushed = set(
            Match.objects.filter(
                source=Match.Source.WHITELIST, whitelist_entry_id__in=[entry.pk for entry in entries]
            ).values_list("whitelist_entry_id", "bank_id")
        )
        listings = [
            Listing(
                bank=bank,
                uscc=entry.uscc,
                name=entry.name,
                enterprise=enterprises.get(entry.uscc),
                whitelist_entry_id=entry.pk,
                intended_amount=entry.recommended_amount,
            )
            for entry in entries
            for bank in banks
            if (entry.pk, bank.pk) not in pushed
        ]
        matches_create_for_listings(
            listings=listings, category=whitelist.kind, contact_days=whitelist.contact_days, actor=actor
        )
        return len(listings)
