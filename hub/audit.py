"""The audit log: one function per event type, all appending to keyed, hash-chained logs.

Each organization has its own chain (events about it: its consent, reads of its data, its
people); operator actions without a subject organization go to the ``hub`` chain. An append
locks the chain's head row, so concurrent writers of one chain queue up instead of forking
it, while different organizations never wait on each other.

Each event's hash is an HMAC under a key of ``HUB_AUDIT_KEYS``, which lives outside the
database: someone who can write the audit table (a superuser who lifted the append-only
guard) can change events and recompute plain hashes, but not these. What a key cannot show —
events cut from the end of a chain, or a whole chain removed — the signed checkpoints of every
chain head kept outside the database show (``hub/audit_checkpoints.py``).

Call these inside the transaction of the change they record (STYLE.md rule 4): if the
change rolls back, so does its event.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from dataclasses import dataclass
from datetime import UTC

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import transaction
from django.utils import timezone

from hub import crypto
from hub.bulk import rows_update
from hub.models import AuditChainHead, AuditEvent, Organization, User

HUB_CHAIN = "hub"
GENESIS_HASH = "0" * 64

# How an event's hash was made (``AuditEvent.hash_scheme``). Events stored before the chain
# was keyed keep plain SHA-256; new events are keyed, with HMAC-SM3 on a hub running SM4.
LEGACY_SCHEME = "sha256"
HMAC_SHA256 = "hmac-sha256"
HMAC_SM3 = "hmac-sm3"
KEYED_SCHEMES = (HMAC_SHA256, HMAC_SM3)


class UnknownAuditKey(Exception):
    """The event names a key id that is not in HUB_AUDIT_KEYS (or a scheme the hub does not know)."""


def chain_for(organization_id: int | None) -> str:
    return f"org:{organization_id}" if organization_id else HUB_CHAIN


def event_hash(event: AuditEvent, keys: dict[str, bytes] | None = None) -> str:
    """The event's hash over its canonical JSON, which includes the previous hash: an HMAC
    under the event's audit key that also binds the scheme and key id, or, for an event of
    :data:`LEGACY_SCHEME`, the plain SHA-256 it was stored with. Raises
    :class:`UnknownAuditKey` for a key id that is not configured."""
    canonical = {
        "chain": event.chain,
        "sequence": event.sequence,
        "at": event.at.astimezone(UTC).isoformat(timespec="microseconds"),
        "action": event.action,
        "actor_user_id": event.actor_user_id,
        "actor_username": event.actor_username,
        "actor_organization_id": event.actor_organization_id,
        "organization_id": event.organization_id,
        "object_type": event.object_type,
        "object_id": event.object_id,
        "data": event.data,
        "prev_hash": event.prev_hash,
    }
    if event.hash_scheme == LEGACY_SCHEME:
        return hashlib.sha256(_encoded(canonical)).hexdigest()
    if event.hash_scheme not in KEYED_SCHEMES:
        raise UnknownAuditKey(f"hash scheme {event.hash_scheme!r} is not one the hub knows")
    key = (keys if keys is not None else dict(settings.HUB_AUDIT_KEYS)).get(event.key_id)
    if key is None:
        raise UnknownAuditKey(f"hashed with audit key {event.key_id!r}, which is not in HUB_AUDIT_KEYS")
    canonical.update(hash_scheme=event.hash_scheme, key_id=event.key_id)
    return crypto.keyed_hash(key, _encoded(canonical), sm3=event.hash_scheme == HMAC_SM3)


def _encoded(canonical: dict) -> bytes:
    return json.dumps(canonical, sort_keys=True, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


@dataclass(frozen=True)
class NewEvent:
    """An event to append: what :func:`append_event` takes, for :func:`append_events`."""

    action: str
    actor: User | None
    organization_id: int | None
    object_type: str = ""
    object_id: object = ""
    data: dict | None = None


def append_event(
    *,
    action: str,
    actor: User | None,
    organization_id: int | None,
    object_type: str = "",
    object_id: object = "",
    data: dict | None = None,
) -> AuditEvent:
    """Append one event to its organization's chain. The event-type functions below (and
    each app's own audit module) are the callers; nothing else writes the log."""
    return append_events([NewEvent(action, actor, organization_id, object_type, object_id, data)])[0]


def append_events(new_events: list[NewEvent]) -> list[AuditEvent]:
    """Append events, in order within each chain, as :func:`append_event` would one by one.
    However many chains they go to, the heads are locked, the events stored and the heads
    moved a few bounded statements at a time (a batch of the retention purge writes a receipt
    event to each of dozens of enterprises' chains). Chains are locked in name order, so two
    writers of several chains cannot deadlock each other."""
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("Audit events are written inside the transaction of the change they record.")
    positions: dict[str, list[int]] = {}
    for index, new in enumerate(new_events):
        positions.setdefault(chain_for(new.organization_id), []).append(index)
    events: dict[int, AuditEvent] = {}
    key_id, key = settings.HUB_AUDIT_KEYS[0]
    scheme = HMAC_SM3 if settings.HUB_CIPHER == crypto.SM4_GCM else HMAC_SHA256
    heads = _lock_chain_heads(sorted(positions))
    moved = []
    for chain in sorted(positions):
        head = heads[chain]
        sequence, last_hash = head.sequence, head.last_hash
        for index in positions[chain]:
            sequence += 1
            event = _event(new_events[index], chain=chain, sequence=sequence, prev_hash=last_hash)
            event.hash_scheme, event.key_id = scheme, key_id
            event.hash = event_hash(event, {key_id: key})
            events[index] = event
            last_hash = event.hash
        head.sequence, head.last_hash = sequence, last_hash
        moved.append(head)
    _insert_events([events[index] for chain in sorted(positions) for index in positions[chain]])
    rows_update(moved, ["sequence", "last_hash"])
    return [events[index] for index in range(len(new_events))]


# Chains one statement locks: SQLite takes at most 999 parameters.
HEADS_PER_STATEMENT = 300


def _event(new: NewEvent, *, chain: str, sequence: int, prev_hash: str) -> AuditEvent:
    actor = new.actor
    event = AuditEvent(
        chain=chain,
        sequence=sequence,
        at=timezone.now(),
        action=new.action,
        actor_user_id=actor.pk if actor else None,
        actor_username=actor.get_username() if actor else "",
        actor_organization_id=actor.organization_id if actor else None,
        organization_id=new.organization_id,
        object_type=new.object_type,
        object_id=str(new.object_id),
        # Round-trip through JSON so the hashed data is exactly what the JSON column returns.
        data=json.loads(json.dumps(new.data or {}, cls=DjangoJSONEncoder)),
        prev_hash=prev_hash,
    )
    return event


def _lock_chain_heads(chains: list[str]) -> dict[str, AuditChainHead]:
    """Lock the chains' head rows (given in name order), creating those of chains' first
    events, a statement per :data:`HEADS_PER_STATEMENT` chains: the upsert takes each row's
    lock whether it inserts or meets the existing row, in the order given, so a concurrent
    writer of the same chain waits here and then reads the head it left."""
    connection = transaction.get_connection()
    table = AuditChainHead._meta.db_table
    returning = connection.features.can_return_columns_from_insert
    heads = {}
    with connection.cursor() as cursor:
        for start in range(0, len(chains), HEADS_PER_STATEMENT):
            batch = chains[start : start + HEADS_PER_STATEMENT]
            upsert = (
                f"INSERT INTO {table} (chain, sequence, last_hash, legacy_sequence) VALUES "
                + ", ".join(["(%s, 0, %s, 0)"] * len(batch))
                + " ON CONFLICT (chain) DO UPDATE SET chain = excluded.chain"
            )
            params = [value for chain in batch for value in (chain, GENESIS_HASH)]
            if returning:
                cursor.execute(upsert + " RETURNING id, chain, sequence, last_hash", params)
            else:  # SQLite before 3.35: its first write already holds the database's write lock
                cursor.execute(upsert, params)
                cursor.execute(
                    f"SELECT id, chain, sequence, last_hash FROM {table} WHERE chain IN ({', '.join(['%s'] * len(batch))})",
                    batch,
                )
            for head_id, chain, sequence, last_hash in cursor.fetchall():
                heads[chain] = AuditChainHead(id=head_id, chain=chain, sequence=sequence, last_hash=last_hash)
    return heads


def _insert_events(events: list[AuditEvent]) -> None:
    """Store new events, of any chains. Plain statements rather than ``save()``: every credit
    profile read appends an event, inside the read's response time."""
    connection = transaction.get_connection()
    fields = [field for field in AuditEvent._meta.concrete_fields if not field.primary_key]
    columns = ", ".join(connection.ops.quote_name(field.column) for field in fields)
    row = "(" + ", ".join(["%s"] * len(fields)) + ")"
    returning = connection.features.can_return_columns_from_insert
    table = AuditEvent._meta.db_table
    with connection.cursor() as cursor:
        # A bounded statement: SQLite takes at most 999 parameters.
        batch_size = min(500, (connection.features.max_query_params or 6000) // len(fields))
        for start in range(0, len(events), batch_size):
            batch = events[start : start + batch_size]
            cursor.execute(
                f"INSERT INTO {table} ({columns}) VALUES {', '.join([row] * len(batch))}"
                + (" RETURNING id, chain, sequence" if returning else ""),
                [
                    field.get_db_prep_save(getattr(event, field.attname), connection)
                    for event in batch
                    for field in fields
                ],
            )
            if not returning:  # the (chain, sequence) pair is unique
                ranges: dict[str, list[int]] = {}
                for event in batch:
                    ranges.setdefault(event.chain, []).append(event.sequence)
                cursor.execute(
                    f"SELECT id, chain, sequence FROM {table} WHERE "
                    + " OR ".join(["(chain = %s AND sequence BETWEEN %s AND %s)"] * len(ranges)),
                    [value for chain, numbers in ranges.items() for value in (chain, min(numbers), max(numbers))],
                )
            ids = {(chain, sequence): event_id for event_id, chain, sequence in cursor.fetchall()}  # in no order
            for event in batch:
                event.pk = ids[(event.chain, event.sequence)]
                event._state.adding = False


# --- verification ---------------------------------------------------------------------------------


class Broken:
    """Why a chain does not verify (what ``verify_audit`` prints)."""

    MISSING = "event missing"
    UNLINKED = "does not link to the previous event"
    CONTENT = "content does not match its hash"
    UNSEALED = (
        "a plain SHA-256 hash where the chain is keyed: unkeyed events are accepted only as far as"
        " an audit checkpoint sealed them (after the upgrade that keyed the chains, manage.py"
        " audit_checkpoint seals the events stored before)"
    )
    END = "events missing at the end of the chain"
    TRUNCATED = "the chain ends at sequence {end}, checkpoint {checkpoint} has it at {sequence}: events were removed"
    REWRITTEN = "hash differs from checkpoint {checkpoint}: the chain was rewritten at or before this event"


@dataclass(frozen=True)
class BrokenLink:
    chain: str
    sequence: int
    event_id: int | None
    reason: str


@dataclass(frozen=True)
class Pin:
    """What a signed checkpoint says of one chain: its head's sequence and hash, and how many
    of its first events may be unkeyed."""

    sequence: int
    hash: str
    legacy_until: int
    checkpoint: str


def verify_chains(batch_size: int = 2000, *, pins: dict[str, list[Pin]] | None = None) -> tuple[int, BrokenLink | None]:
    """Walk every chain in order; return (events checked, the first broken link or None).

    A link is broken when an event's stored hash is not the keyed hash of its content (or a
    plain SHA-256 beyond what a checkpoint sealed), when it does not point at the previous
    event's hash, when a sequence number is missing, when the chain head disagrees with the
    last event (events removed from the end), or when a chain disagrees with what the given
    checkpoint ``pins`` (oldest first) say of it: another hash at a pinned sequence, or fewer
    events than pinned (events or whole chains removed).
    """
    pins = pins or {}
    keys = dict(settings.HUB_AUDIT_KEYS)
    heads = {chain: (sequence, last_hash) for chain, sequence, last_hash in _heads()}
    checked = 0
    for chain in sorted(heads.keys() | pins.keys()):
        chain_pins = {pin.sequence: pin for pin in pins.get(chain, [])}
        legacy_until = pins[chain][-1].legacy_until if pins.get(chain) else 0
        previous_hash, expected_sequence = GENESIS_HASH, 1
        events = AuditEvent.objects.filter(chain=chain).order_by("sequence")
        for event in events.iterator(chunk_size=batch_size):
            checked += 1
            reason = _broken(event, expected_sequence, previous_hash, legacy_until, keys)
            if reason == Broken.MISSING:
                return checked, BrokenLink(chain, expected_sequence, None, reason)
            pin = chain_pins.get(event.sequence)
            if reason is None and pin is not None and pin.hash != event.hash:
                reason = Broken.REWRITTEN.format(checkpoint=pin.checkpoint)
            if reason is not None:
                return checked, BrokenLink(chain, event.sequence, event.pk, reason)
            previous_hash, expected_sequence = event.hash, expected_sequence + 1
        end = expected_sequence - 1
        longest = max(chain_pins.values(), key=lambda pin: pin.sequence, default=None)
        if longest is not None and longest.sequence > end:
            reason = Broken.TRUNCATED.format(end=end, checkpoint=longest.checkpoint, sequence=longest.sequence)
            return checked, BrokenLink(chain, end + 1, None, reason)
        if heads.get(chain, (0, GENESIS_HASH)) != (end, previous_hash):
            return checked, BrokenLink(chain, expected_sequence, None, Broken.END)
    return checked, None


def _heads():
    return AuditChainHead.objects.values_list("chain", "sequence", "last_hash").iterator()


def _broken(event: AuditEvent, expected_sequence: int, previous_hash: str, legacy_until: int, keys) -> str | None:
    if event.sequence != expected_sequence:
        return Broken.MISSING
    if event.prev_hash != previous_hash:
        return Broken.UNLINKED
    if event.hash_scheme == LEGACY_SCHEME and event.sequence > legacy_until:
        return Broken.UNSEALED
    try:
        expected_hash = event_hash(event, keys)
    except UnknownAuditKey as error:
        return str(error)
    return None if hmac.compare_digest(expected_hash, event.hash) else Broken.CONTENT


# --- one function per event type ------------------------------------------------------------------


def enterprise_registered(*, enterprise: Organization, admin: User) -> AuditEvent:
    return append_event(
        action="enterprise.registered",
        actor=admin,
        organization_id=enterprise.pk,
        object_type="organization",
        object_id=enterprise.pk,
        data={"uscc": enterprise.code, "region_code": enterprise.region_code, "admin": admin.get_username()},
    )


def organization_created(*, organization: Organization, admin: User, actor: User) -> AuditEvent:
    return append_event(
        action="organization.created",
        actor=actor,
        organization_id=organization.pk,
        object_type="organization",
        object_id=organization.pk,
        data={"kind": organization.kind, "code": organization.code, "admin": admin.get_username()},
    )


def member_added(*, member: User, actor: User) -> AuditEvent:
    return append_event(
        action="member.added",
        actor=actor,
        organization_id=member.organization_id,
        object_type="user",
        object_id=member.pk,
        data={"username": member.get_username(), "role": member.role},
    )


def api_token_issued(*, user: User, token_prefix: str) -> AuditEvent:
    return append_event(
        action="api_token.issued",
        actor=user,
        organization_id=user.organization_id,
        object_type="user",
        object_id=user.pk,
        data={"prefix": token_prefix},
    )


def api_token_revoked(*, user: User, token_prefix: str) -> AuditEvent:
    return append_event(
        action="api_token.revoked",
        actor=user,
        organization_id=user.organization_id,
        object_type="user",
        object_id=user.pk,
        data={"prefix": token_prefix},
    )


def account_locked(*, user: User, failures: int, locked_until, address: str | None) -> AuditEvent:
    """The login guard locked the account after ``failures`` failed logins; no actor (anyone
    may have typed them), the address of the last one."""
    return append_event(
        action="account.locked",
        actor=None,
        organization_id=user.organization_id,
        object_type="user",
        object_id=user.pk,
        data={
            "username": user.get_username(),
            "failures": failures,
            "locked_until": locked_until.isoformat(),
            "address": address or "",
        },
    )


def account_unlocked(*, user: User, actor: User) -> AuditEvent:
    return append_event(
        action="account.unlocked",
        actor=actor,
        organization_id=user.organization_id,
        object_type="user",
        object_id=user.pk,
        data={"username": user.get_username()},
    )


def encryption_keys_rotated(*, model_label: str, field: str, rows: int, active_kid: str) -> AuditEvent:
    return append_event(
        action="encryption.rotated",
        actor=None,
        organization_id=None,
        object_type="model_field",
        object_id=f"{model_label}.{field}",
        data={"rows": rows, "active_kid": active_kid},
    )


def _authorization_data(authorization) -> dict:
    return {
        "bank": authorization.bank.code,
        "scopes": list(authorization.scopes),
        "purpose": authorization.purpose,
        "expires_at": authorization.expires_at.isoformat(),
    }


def _authorization_event(action: str, authorization, actor: User | None, **extra) -> AuditEvent:
    return append_event(
        action=action,
        actor=actor,
        organization_id=authorization.enterprise_id,
        object_type="authorization",
        object_id=authorization.pk,
        data={**_authorization_data(authorization), **extra},
    )


def authorization_granted(*, authorization, actor: User) -> AuditEvent:
    return _authorization_event("authorization.granted", authorization, actor)


def authorization_revoked(*, authorization, actor: User) -> AuditEvent:
    return _authorization_event("authorization.revoked", authorization, actor)


def authorization_signed(*, authorization, actor: User) -> AuditEvent:
    return _authorization_event("authorization.signed", authorization, actor)


def authorization_activated(*, authorization, actor: User) -> AuditEvent:
    """The last signature needed: the authorization is active and has its receipt."""
    return _authorization_event(
        "authorization.activated", authorization, actor, status_list=authorization.status_list_id
    )


def authorization_expired(*, authorization) -> AuditEvent:
    return _authorization_event("authorization.expired", authorization, None)


def _webhook_endpoint_event(action: str, endpoint, actor: User, **extra) -> AuditEvent:
    # The URL and what it subscribes to, never a secret.
    return append_event(
        action=action,
        actor=actor,
        organization_id=endpoint.organization_id,
        object_type="webhook_endpoint",
        object_id=endpoint.pk,
        data={"url": endpoint.url, "event_types": list(endpoint.event_types), "status": endpoint.status, **extra},
    )


def webhook_endpoint_created(*, endpoint, actor: User) -> AuditEvent:
    return _webhook_endpoint_event("webhook_endpoint.created", endpoint, actor)


def webhook_endpoint_changed(*, endpoint, actor: User, changed: list[str]) -> AuditEvent:
    return _webhook_endpoint_event("webhook_endpoint.changed", endpoint, actor, changed=changed)


def webhook_endpoint_rotated(*, endpoint, actor: User) -> AuditEvent:
    return _webhook_endpoint_event(
        "webhook_endpoint.rotated", endpoint, actor, previous_secret_until=endpoint.previous_secret_until.isoformat()
    )


def webhook_endpoint_paused(*, endpoint, actor: User) -> AuditEvent:
    return _webhook_endpoint_event("webhook_endpoint.paused", endpoint, actor)


def webhook_endpoint_resumed(*, endpoint, actor: User, was: str) -> AuditEvent:
    return _webhook_endpoint_event("webhook_endpoint.resumed", endpoint, actor, was=was)


def webhook_endpoint_deleted(*, endpoint, actor: User) -> AuditEvent:
    return _webhook_endpoint_event("webhook_endpoint.deleted", endpoint, actor)


# Reads of credit data (recorded by connectors/audit.py), the enterprise's own credit reports,
# and the retention purges that delete what was read, with their receipts: what the
# enterprise's access log shows.
CREDIT_DATA_ACTIONS = ("credit_pull.started", "credit_profile.read", "credit_report.issued", "credit_records.deleted")
