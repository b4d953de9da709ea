"""Retention and fair use per purpose: the caps a pull meets when it starts, the operator's
changes to them, and the scheduled purge that ends in signed deletion receipts (删除回执).

Records are shared: one row per connector and source id, held by every authorization under
which a pull received it (connectors/models/retention.py). An authorization is *due* once
its purpose's ``keep_days`` have passed since it ended (revoked, or past its expiry) or since
the application it was granted for was decided, whichever came first. The purge releases a
due authorization's holds in batches, each its own short transaction, and deletes the rows
no other authorization holds; it then signs one receipt for the enterprise naming what the
authorization no longer holds. Records other authorizations hold — of the same bank or of
another — stay, and are counted as such in the receipt.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Callable
from datetime import date, datetime, timedelta
from itertools import groupby, islice

from django.db import connection, transaction
from django.db.models import Count, Exists, OuterRef, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from connectors import audit, record_keys
from connectors.models import (
    CategoryLookback,
    CreditPull,
    CreditRecord,
    CreditRecordHold,
    RecordDeletion,
    RetentionPolicy,
)
from hub.bulk import rows_update
from hub.categories import ALL_CATEGORIES
from hub.errors import Forbidden, InvalidInput, NotFound, TooManyAttempts
from hub.models import Authorization, User
from hub.receipts import ISSUER, sign_jws

logger = logging.getLogger(__name__)

PURGE_BATCH = 1000
DELETION_RECEIPT_TYPE = "deletion-receipt+jwt"


class Messages:
    PULL_CAP = _(
        "The retention policy for %(purpose)s allows %(cap)d pulls a day under one authorization "
        "(pull_cap); the next is allowed in %(minutes)d minutes."
    )
    UNKNOWN_PURPOSE = _("Unknown purpose.")
    CATEGORY_UNKNOWN = _("Unknown credit category: %(category)s.")
    OPERATOR_ONLY = _("Only the hub operator sets retention policies.")


# --- the policy ------------------------------------------------------------------------------------


def months_before(day: date, months: int) -> date:
    """``day`` moved back ``months`` calendar months (the 31st becomes the month's last day)."""
    month_index = day.year * 12 + day.month - 1 - months
    year, month = divmod(month_index, 12)
    month += 1
    following = date(year + month // 12, month % 12 + 1, 1)
    return min(day.replace(year=year, month=month, day=1) + timedelta(days=day.day - 1), following - timedelta(days=1))


def lookback_bounds(policy: RetentionPolicy | None, categories: list[str], *, today: date) -> dict[str, str]:
    """category → the earliest day (ISO) the policy lets a pull ask for; unbounded ones absent."""
    if policy is None:
        return {}
    per_category = {lookback.category: lookback.months for lookback in policy.lookbacks.all()}
    bounds = {}
    for category in categories:
        months = per_category.get(category, policy.lookback_months)
        if months is not None:
            bounds[category] = months_before(today, months).isoformat()
    return bounds


def pull_frequency_check(*, authorization: Authorization, policy: RetentionPolicy | None) -> None:
    """Refuse a pull beyond the policy's pulls a day for this authorization: 429 ``pull_cap``
    with the seconds until the oldest pull of the last 24 hours leaves the window. Call with
    the authorization row locked, so two concurrent starts cannot both take the last one."""
    if policy is None or policy.pulls_per_day is None:
        return
    now = timezone.now()
    recent = list(
        CreditPull.objects.filter(authorization=authorization, created_at__gt=now - timedelta(days=1))
        .order_by("created_at")
        .values_list("created_at", flat=True)
    )
    if len(recent) < policy.pulls_per_day:
        return
    frees_at = recent[len(recent) - policy.pulls_per_day] + timedelta(days=1)
    seconds = max(1, int((frees_at - now).total_seconds()) + 1)
    purpose = dict(Authorization.Purpose.choices).get(authorization.purpose, authorization.purpose)
    raise TooManyAttempts(
        Messages.PULL_CAP % {"purpose": purpose, "cap": policy.pulls_per_day, "minutes": -(-seconds // 60)},
        code="pull_cap",
        retry_after=seconds,
    )


def _policy_state(policy: RetentionPolicy) -> dict:
    return {
        "pulls_per_day": policy.pulls_per_day,
        "lookback_months": policy.lookback_months,
        "keep_days": policy.keep_days,
        "lookbacks": {lookback.category: lookback.months for lookback in policy.lookbacks.all()},
    }


@transaction.atomic
def retention_policy_update(
    *,
    actor: User,
    purpose: str,
    pulls_per_day: int | None,
    lookback_months: int | None,
    keep_days: int,
    lookbacks: dict[str, int],
) -> RetentionPolicy:
    """The hub operator sets a purpose's caps and retention (None: no cap, no bound; the
    ``lookbacks`` given replace the categories' own bounds); audited with before and after.
    Applies to pulls started and purges run from now on. Raises Forbidden for anyone but the
    operator, NotFound for an unknown purpose, InvalidInput for an unknown category."""
    if not actor.is_operator:
        raise Forbidden(Messages.OPERATOR_ONLY)
    if purpose not in Authorization.Purpose.values:
        raise NotFound(Messages.UNKNOWN_PURPOSE)
    for category in lookbacks:
        if category not in ALL_CATEGORIES:
            message = Messages.CATEGORY_UNKNOWN % {"category": category}
            raise InvalidInput(message, fields={"lookbacks": [message]})
    policy, _created = RetentionPolicy.objects.select_for_update().get_or_create(
        purpose=purpose, defaults={"keep_days": keep_days}
    )
    before = _policy_state(policy)
    policy.pulls_per_day, policy.lookback_months, policy.keep_days = pulls_per_day, lookback_months, keep_days
    policy.save()
    policy.lookbacks.exclude(category__in=lookbacks).delete()
    for category, months in lookbacks.items():
        CategoryLookback.objects.update_or_create(policy=policy, category=category, defaults={"months": months})
    policy = RetentionPolicy.objects.prefetch_related("lookbacks").get(pk=policy.pk)
    audit.retention_policy_changed(policy=policy, actor=actor, before=before, after=_policy_state(policy))
    return policy


# --- which authorizations are due ----------------------------------------------------------------------

# ``decided_before(cutoff)``: a queryset of the ids of applications decided at or before
# ``cutoff``; ``decided_at(ids)``: {id: when it was decided} for those of ``ids`` decided. The
# lending app knows applications and fills this in its ready() (hub < connectors < lending).
_application_decisions: list[tuple[Callable, Callable]] = []


def register_application_decisions(*, decided_before: Callable, decided_at: Callable) -> None:
    _application_decisions[:] = [(decided_before, decided_at)]


def _due_authorization_ids(policies: list[RetentionPolicy], now: datetime) -> list[int]:
    """The authorizations past their purpose's retention that still hold records, and those
    whose purge stopped before its receipt (finished whatever the policy says now), in pk
    order: one scan of the authorizations for every policy."""
    due = Q(pk__in=[])
    for policy in policies:
        cutoff = now - timedelta(days=policy.keep_days)
        ended = Q(status=Authorization.Status.REVOKED, revoked_at__lte=cutoff) | Q(expires_at__lte=cutoff)
        for decided_before, _decided_at in _application_decisions:
            ended |= Q(application_id__in=decided_before(cutoff))
        due |= Q(purpose=policy.purpose) & ended
    holding = CreditRecordHold.objects.filter(authorization=OuterRef("pk"))
    unfinished = RecordDeletion.objects.filter(authorization=OuterRef("pk"), status=RecordDeletion.Status.OPEN)
    with transaction.atomic():
        if connection.vendor == "postgresql":
            # The scan's estimate is high enough for PostgreSQL to compile it first, which
            # takes longer than the scan (0.4 s of 0.7 s among 100,000 authorizations).
            with connection.cursor() as cursor:
                cursor.execute("SET LOCAL jit = off")
        return list(
            Authorization.objects.filter((due & Exists(holding)) | Exists(unfinished))
            .order_by("pk")
            .values_list("pk", flat=True)
        )


def _authorizations(ids: list[int]):
    for start in range(0, len(ids), AUTHORIZATIONS_PER_LOOK):
        yield from (
            Authorization.objects.filter(pk__in=ids[start : start + AUTHORIZATIONS_PER_LOOK])
            .select_related("enterprise", "bank")
            .order_by("pk")
        )


def _retention_starts(authorizations: list[Authorization]) -> dict[int, tuple[datetime, str]]:
    """authorization id → when its retention began, and why: its end or its application's
    decision (the applications' decisions read in one query)."""
    decisions: dict[int, datetime] = {}
    application_ids = [authorization.application_id for authorization in authorizations if authorization.application_id]
    if application_ids:
        for _decided_before, decided_at in _application_decisions:
            decisions.update(decided_at(application_ids))
    starts = {}
    for authorization in authorizations:
        candidates = []
        if authorization.status == Authorization.Status.REVOKED and authorization.revoked_at:
            candidates.append((authorization.revoked_at, "authorization_revoked"))
        candidates.append((authorization.expires_at, "authorization_expired"))
        if authorization.application_id in decisions:
            candidates.append((decisions[authorization.application_id], "application_decided"))
        starts[authorization.pk] = min(candidates, key=lambda start: start[0])
    return starts


# --- the purge ------------------------------------------------------------------------------------------

# Due authorizations whose holds are counted (to fill batches) at a time.
AUTHORIZATIONS_PER_LOOK = 500


def retention_purge(*, batch_size: int = PURGE_BATCH, now: datetime | None = None) -> dict:
    """Release every due authorization's holds and delete the records nobody holds any more,
    ``batch_size`` holds at a time, each batch in its own transaction, while the hub serves.

    A batch takes the holds of as many due authorizations as fit (an authorization holding
    more than a batch spans several): the holds and the rows are released and deleted by a
    few set-based statements, whatever the number of authorizations. Each authorization's
    purge ends in a signed deletion receipt, issued (and audited, in the enterprise's access
    log) in the transaction after its last batch, once it is seen to hold nothing more; the
    receipts of a batch are signed and audited together. Safe to run twice, and alongside
    another run (an authorization being purged by one is skipped by the other). Returns counts."""
    now = now or timezone.now()
    totals = {"authorizations": 0, "released": 0, "deleted": 0, "receipts": 0}
    policies = list(RetentionPolicy.objects.order_by("purpose"))
    keep_days = {policy.purpose: policy.keep_days for policy in policies}
    _Purge(keep_days=keep_days, batch_size=batch_size, totals=totals).run(
        _authorizations(_due_authorization_ids(policies, now))
    )
    return totals


class _Purge:
    """The purge of the due authorizations, in pk order, batch after batch."""

    def __init__(self, *, keep_days: dict[str, int], batch_size: int, totals: dict):
        self.keep_days, self.batch_size, self.totals = keep_days, batch_size, totals
        self.waiting: list[tuple[Authorization, int]] = []  # (authorization, holds counted), in pk order
        self.walking: list[Authorization] = []  # this batch's, the first one maybe part-way
        self.after: tuple[int, int] = (0, 0)  # (authorization, record) of the last hold released
        self.walked: list[Authorization] = []  # walked to the end: their receipts come next batch
        self.opened: set[int] = set()  # authorizations known to have their open deletion

    def run(self, due) -> None:
        due = iter(due)
        exhausted = False
        while True:
            if not exhausted and len(self.waiting) < AUTHORIZATIONS_PER_LOOK // 2:
                chunk = list(islice(due, AUTHORIZATIONS_PER_LOOK))
                exhausted = len(chunk) < AUTHORIZATIONS_PER_LOOK
                self.waiting.extend(_with_hold_counts(chunk))
            if not self.walking:
                self._take_next()
            if not self.walking and not self.walked:
                return
            self._batch()

    def _take_next(self) -> None:
        """The next authorizations whose holds fill a batch (at least one)."""
        taken, total = 0, 0
        while taken < len(self.waiting) and (taken == 0 or total + self.waiting[taken][1] <= self.batch_size):
            total += self.waiting[taken][1]
            taken += 1
        self.walking = [authorization for authorization, _count in self.waiting[:taken]]
        del self.waiting[:taken]
        self.after = (0, 0)

    def _batch(self) -> None:
        walking, walked = self.walking, self.walked
        with transaction.atomic():
            self._open_deletions([a for a in walking if a.pk not in self.opened])
            # The open deletion's row is its authorization's purge lock: a second run skips it.
            deletions = {
                deletion.authorization_id: deletion
                for deletion in RecordDeletion.objects.select_for_update(skip_locked=True).filter(
                    authorization_id__in=[a.pk for a in walking + walked], status=RecordDeletion.Status.OPEN
                )
            }
            walking = [a for a in walking if a.pk in deletions]
            walked = [a for a in walked if a.pk in deletions]
            released, deleted, last = _release(
                deletions, [a.pk for a in walking], after=self.after, batch_size=self.batch_size
            )
            if last is None:  # every hold of this batch's authorizations was looked at
                newly_walked, self.walking = walking, []
            else:
                newly_walked = [a for a in walking if a.pk < last[0]]
                self.walking, self.after = [a for a in walking if a.pk >= last[0]], last
            issued = self._finish(walked, deletions)
            touched = [deletions[a.pk] for a in walking + walked]
            rows_update(touched, ["released", "records_digest", "deleted", "status", "issued_at", "receipt"])
            if issued:
                audit.credit_records_deleted(deletions=issued)
        self.walked = newly_walked
        self.totals["authorizations"] += len(newly_walked)
        self.totals["released"] += released
        self.totals["deleted"] += deleted
        self.totals["receipts"] += len(issued)

    def _open_deletions(self, authorizations: list[Authorization]) -> None:
        """Open a deletion for each authorization that has none open (a purge that stopped
        half-way keeps its own, counts and digest)."""
        if not authorizations:
            return
        starts = _retention_starts(authorizations)
        RecordDeletion.objects.bulk_create(
            [
                RecordDeletion(
                    authorization_id=authorization.pk,
                    enterprise_id=authorization.enterprise_id,
                    bank_id=authorization.bank_id,
                    reason=starts[authorization.pk][1],
                    retention_started_at=starts[authorization.pk][0],
                    # A purge that stopped half-way may be of a purpose since left without policy.
                    keep_days=self.keep_days.get(authorization.purpose, 0),
                )
                for authorization in authorizations
            ],
            ignore_conflicts=True,  # the open one of a purge that stopped half-way stays
        )
        self.opened.update(authorization.pk for authorization in authorizations)

    def _finish(self, walked: list[Authorization], deletions: dict) -> list[tuple]:
        """Issue the receipts of the authorizations walked to the end in the batch before,
        those that hold nothing more; one whose records a pull was writing (their rows were
        locked and skipped) still holds them, and the next run releases them and issues the
        receipt for the whole purge."""
        if not walked:
            return []
        holding = set(
            CreditRecordHold.objects.filter(authorization_id__in=[a.pk for a in walked])
            .values_list("authorization_id", flat=True)
            .distinct()
        )
        issued_at = timezone.now()
        issued = []
        for authorization in walked:
            if authorization.pk in holding:
                continue
            deletion = deletions[authorization.pk]
            deletion.receipt = _issue_receipt(deletion, authorization, issued_at)
            deletion.status, deletion.issued_at = RecordDeletion.Status.ISSUED, issued_at
            issued.append((deletion, authorization))
        return issued


def _with_hold_counts(authorizations: list[Authorization]) -> list[tuple[Authorization, int]]:
    counts = dict(
        CreditRecordHold.objects.filter(authorization_id__in=[a.pk for a in authorizations])
        .values("authorization_id")
        .annotate(holds=Count("record_id"))
        .values_list("authorization_id", "holds")
    )
    return [(authorization, counts.get(authorization.pk, 0)) for authorization in authorizations]


def _release(
    deletions: dict[int, RecordDeletion], authorization_ids: list[int], *, after: tuple[int, int], batch_size: int
) -> tuple[int, int, tuple[int, int] | None]:
    """One batch: the next ``batch_size`` holds of the authorizations, in (authorization,
    record) order after ``after``. Rows a pull is writing are locked by it and skipped (not
    waited for): their holds stay for the next run. Each deletion gains the categories, the
    digest links and the rows deleted of what its authorization released; a row two of the
    batch's authorizations held is deleted by the later one, as one purge after the other
    would. Returns (released, deleted, the last hold looked at, or None when every one was)."""
    if not authorization_ids:
        return 0, 0, None
    records, holds_table = CreditRecord._meta.db_table, CreditRecordHold._meta.db_table
    with connection.cursor() as cursor:
        # Plain statements on arrays of ids: the ORM's IN (%s, …) of a thousand parameters
        # costs more to build and parse than the database's work on them.
        among, params = _among(authorization_ids)
        cursor.execute(
            f"SELECT id, authorization_id, record_id FROM {holds_table} WHERE authorization_id {among} "
            "AND (authorization_id, record_id) > (%s, %s) ORDER BY authorization_id, record_id LIMIT %s",
            [*params, *after, batch_size + 1],
        )
        holds = cursor.fetchall()
        last = tuple(holds[batch_size - 1][1:]) if len(holds) > batch_size else None
        holds = holds[:batch_size]
        if not holds:
            return 0, 0, last
        among, params = _among(sorted({record_id for _pk, _authorization_id, record_id in holds}))
        skip_locked = (
            connection.ops.for_update_sql(skip_locked=True)
            if connection.features.has_select_for_update_skip_locked
            else ""
        )
        cursor.execute(
            f"SELECT id, source_key, category_key, enterprise_id FROM {records} WHERE id {among} {skip_locked}",
            params,
        )
        rows = {pk: (source_key, category_key, enterprise_id) for pk, source_key, category_key, enterprise_id in cursor}
        holds = [hold for hold in holds if hold[2] in rows]
        if not holds:
            return 0, 0, last
        among, params = _among([pk for pk, _authorization_id, _record_id in holds])
        cursor.execute(f"DELETE FROM {holds_table} WHERE id {among}", params)
    categories = _categories(rows)
    deleted = _delete_unheld(sorted(rows))
    last_holder = {record_id: authorization_id for _pk, authorization_id, record_id in holds}
    for authorization_id, group in groupby(holds, key=lambda hold: hold[1]):
        deletion = deletions[authorization_id]
        released = dict(deletion.released)
        digest = bytes.fromhex(deletion.records_digest)
        for _pk, _authorization_id, record_id in group:
            category = categories[record_id]
            released[category] = released.get(category, 0) + 1
            digest = hashlib.sha256(digest + rows[record_id][0].encode()).digest()
            if record_id in deleted and last_holder[record_id] == authorization_id:
                deletion.deleted += 1
        deletion.released, deletion.records_digest = released, digest.hex()
    return len(holds), len(deleted), last


def _categories(rows: dict[int, tuple[str, str, int]]) -> dict[int, str]:
    """record id → category, told by the category's blind index (bound to the enterprise)
    rather than by decrypting a column per row; a row whose index names no category the hub
    knows is decrypted."""
    keys: dict[int, dict[str, str]] = {}
    categories, unknown = {}, []
    for record_id, (_source_key, key, enterprise_id) in rows.items():
        if enterprise_id not in keys:
            keys[enterprise_id] = record_keys.category_keys(enterprise_id, ALL_CATEGORIES)
        category = keys[enterprise_id].get(key)
        if category is None:
            unknown.append(record_id)
        else:
            categories[record_id] = category
    if unknown:
        categories.update(CreditRecord.objects.filter(pk__in=unknown).values_list("pk", "category"))
    return categories


def _among(ids: list[int]) -> tuple[str, list]:
    """``= ANY(%s)`` of one array parameter on PostgreSQL, ``IN (%s, …)`` elsewhere."""
    if connection.vendor == "postgresql":
        return "= ANY(%s)", [list(ids)]
    return f"IN ({', '.join(['%s'] * len(ids))})", list(ids)


def _delete_unheld(record_ids: list[int]) -> set[int]:
    """Delete those of ``record_ids`` (rows this transaction locked) that no authorization
    holds any more; returns their ids. The same shape as a bare ``DELETE … WHERE id = ANY(…)``
    with the holders' check added."""
    records, holds = CreditRecord._meta.db_table, CreditRecordHold._meta.db_table
    ids_clause, params = _among(record_ids)
    unheld = f"AND NOT EXISTS (SELECT 1 FROM {holds} hold WHERE hold.record_id = {records}.id)"
    with connection.cursor() as cursor:
        if connection.features.can_return_columns_from_insert:  # DELETE … RETURNING alike
            cursor.execute(f"DELETE FROM {records} WHERE id {ids_clause} {unheld} RETURNING id", params)
            return {record_id for (record_id,) in cursor.fetchall()}
        # SQLite before 3.35: its first write holds the database's write lock, so what the
        # SELECT finds is what the DELETE removes.
        cursor.execute(f"SELECT id FROM {records} WHERE id {ids_clause} {unheld}", params)
        deleted = {record_id for (record_id,) in cursor.fetchall()}
        cursor.execute(f"DELETE FROM {records} WHERE id {ids_clause} {unheld}", params)
        return deleted


def deletion_receipt_claims(deletion: RecordDeletion, authorization: Authorization, issued_at: datetime) -> dict:
    released = {category: deletion.released[category] for category in ALL_CATEGORIES if category in deletion.released}
    total = sum(released.values())
    return {
        "iss": ISSUER,
        "jti": f"deletion-{deletion.pk}",
        "sub": authorization.enterprise.code,
        "aud": authorization.bank.code,
        "iat": int(issued_at.timestamp()),
        "authorization": authorization.pk,
        "purpose": authorization.purpose,
        "application": authorization.application_id,
        "retention": {
            "reason": deletion.reason,
            "started_at": deletion.retention_started_at.isoformat(),
            "keep_days": deletion.keep_days,
        },
        "records": {
            "released": total,
            "deleted": deletion.deleted,
            "held_by_other_authorizations": total - deletion.deleted,
            "by_category": released,
        },
        # d_0 is empty, d_i = SHA-256(d_{i-1} || source_key_i) over the released records in
        # ascending id: it commits the hub to exactly which rows were released.
        "records_digest": {"alg": "sha256-chain", "value": deletion.records_digest},
    }


def _issue_receipt(deletion: RecordDeletion, authorization: Authorization, issued_at: datetime) -> str:
    """The signed deletion receipt of a finished purge (stored and audited by the caller)."""
    return sign_jws(deletion_receipt_claims(deletion, authorization, issued_at), typ=DELETION_RECEIPT_TYPE)
