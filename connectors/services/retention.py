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
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from django.db import connection, transaction
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from connectors import audit
from connectors.models import (
    CategoryLookback,
    CreditPull,
    CreditRecord,
    CreditRecordHold,
    RecordDeletion,
    RetentionPolicy,
)
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
# ``cutoff``; ``decided_at(id)``: when one was. The lending app knows applications and fills
# this in its ready() (hub < connectors < lending).
_application_decisions: list[tuple[Callable, Callable]] = []


def register_application_decisions(*, decided_before: Callable, decided_at: Callable) -> None:
    _application_decisions[:] = [(decided_before, decided_at)]


def _due_authorizations(policy: RetentionPolicy, now: datetime):
    cutoff = now - timedelta(days=policy.keep_days)
    ended = Q(status=Authorization.Status.REVOKED, revoked_at__lte=cutoff) | Q(expires_at__lte=cutoff)
    for decided_before, _decided_at in _application_decisions:
        ended |= Q(application_id__in=decided_before(cutoff))
    holding = CreditRecordHold.objects.filter(authorization=OuterRef("pk"))
    # A purge that stopped before its receipt is finished whatever the policy says now.
    unfinished = RecordDeletion.objects.filter(authorization=OuterRef("pk"), status=RecordDeletion.Status.OPEN)
    return (
        Authorization.objects.filter(purpose=policy.purpose)
        .filter((ended & Exists(holding)) | Exists(unfinished))
        .select_related("enterprise", "bank")
        .order_by("pk")
    )


def _retention_start(authorization: Authorization) -> tuple[datetime, str]:
    """When the authorization's retention began, and why: its end or its application's decision."""
    starts = []
    if authorization.status == Authorization.Status.REVOKED and authorization.revoked_at:
        starts.append((authorization.revoked_at, "authorization_revoked"))
    starts.append((authorization.expires_at, "authorization_expired"))
    if authorization.application_id:
        for _decided_before, decided_at in _application_decisions:
            decided = decided_at(authorization.application_id)
            if decided:
                starts.append((decided, "application_decided"))
    return min(starts, key=lambda start: start[0])


# --- the purge ------------------------------------------------------------------------------------------


def retention_purge(*, batch_size: int = PURGE_BATCH, now: datetime | None = None) -> dict:
    """Release every due authorization's holds and delete the records nobody holds any more,
    ``batch_size`` at a time, each batch in its own transaction, while the hub serves; each
    authorization's purge ends in a signed deletion receipt (audited, in the enterprise's
    access log). Safe to run twice, and alongside another run (an authorization being purged
    by one is skipped by the other). Returns counts."""
    now = now or timezone.now()
    totals = {"authorizations": 0, "released": 0, "deleted": 0, "receipts": 0}
    for policy in RetentionPolicy.objects.order_by("purpose"):
        for authorization in _due_authorizations(policy, now).iterator(chunk_size=200):
            outcome = _purge_authorization(authorization, keep_days=policy.keep_days, batch_size=batch_size)
            if outcome is None:
                continue
            totals["authorizations"] += 1
            totals["released"] += outcome.released
            totals["deleted"] += outcome.deleted
            totals["receipts"] += outcome.issued
    return totals


@dataclass
class _PurgeOutcome:
    released: int = 0
    deleted: int = 0
    issued: int = 0


def _open_deletion(authorization: Authorization, keep_days: int) -> RecordDeletion:
    existing = RecordDeletion.objects.filter(authorization=authorization, status=RecordDeletion.Status.OPEN).first()
    if existing:
        return existing  # a purge that stopped half-way is continued, counts and digest kept
    started_at, reason = _retention_start(authorization)
    deletion, _created = RecordDeletion.objects.get_or_create(
        authorization=authorization,
        status=RecordDeletion.Status.OPEN,
        defaults={
            "enterprise_id": authorization.enterprise_id,
            "bank_id": authorization.bank_id,
            "reason": reason,
            "retention_started_at": started_at,
            "keep_days": keep_days,
        },
    )
    return deletion


def _purge_authorization(authorization: Authorization, *, keep_days: int, batch_size: int) -> _PurgeOutcome | None:
    deletion = _open_deletion(authorization, keep_days)
    outcome, after_record = _PurgeOutcome(), 0
    while True:
        with transaction.atomic():
            # The open deletion's row is this authorization's purge lock: a second run skips it.
            if not _lock_open(deletion.pk):
                return None
            released, deleted, last_record = _purge_batch(deletion, after_record=after_record, batch_size=batch_size)
        outcome.released += released
        outcome.deleted += deleted
        if last_record is None:
            break
        after_record = last_record
    with transaction.atomic():
        if not _lock_open(deletion.pk):
            return None
        if CreditRecordHold.objects.filter(authorization_id=authorization.pk).exists():
            # Some records were being written by a pull just now (their rows were locked);
            # the next run releases them and issues the receipt for the whole purge.
            return outcome
        deletion.refresh_from_db()
        _issue_receipt(deletion, authorization)
        outcome.issued = 1
    return outcome


def _lock_open(deletion_id: int) -> bool:
    return (
        RecordDeletion.objects.select_for_update(skip_locked=True)
        .filter(pk=deletion_id, status=RecordDeletion.Status.OPEN)
        .values_list("pk", flat=True)
        .first()
        is not None
    )


def _purge_batch(deletion: RecordDeletion, *, after_record: int, batch_size: int) -> tuple[int, int, int | None]:
    """One batch: the next ``batch_size`` holds of the authorization in record order. Rows a
    pull is writing are locked by it and skipped (not waited for): their holds stay for the
    next run. Returns (released, deleted, the last record id looked at or None when done)."""
    authorization_id = deletion.authorization_id
    record_ids = list(
        CreditRecordHold.objects.filter(authorization_id=authorization_id, record_id__gt=after_record)
        .order_by("record_id")
        .values_list("record_id", flat=True)[:batch_size]
    )
    if not record_ids:
        return 0, 0, None
    rows = list(
        CreditRecord.objects.filter(pk__in=record_ids)
        .order_by("pk")
        .select_for_update(skip_locked=True)
        .values_list("pk", "source_key", "category")
    )
    locked = [pk for pk, _key, _category in rows]
    if locked:
        CreditRecordHold.objects.filter(authorization_id=authorization_id, record_id__in=locked).delete()
        deleted = _delete_unheld(locked)
    else:
        deleted = 0
    released = dict(deletion.released)
    digest = bytes.fromhex(deletion.records_digest)
    for _pk, key, category in rows:
        released[category] = released.get(category, 0) + 1
        digest = hashlib.sha256(digest + key.encode()).digest()
    RecordDeletion.objects.filter(pk=deletion.pk).update(
        released=released, records_digest=digest.hex(), deleted=deletion.deleted + deleted
    )
    deletion.released, deletion.records_digest, deletion.deleted = released, digest.hex(), deletion.deleted + deleted
    last = record_ids[-1] if len(record_ids) == batch_size else None
    return len(rows), deleted, last


def _delete_unheld(record_ids: list[int]) -> int:
    """Delete those of ``record_ids`` that no authorization holds any more: one statement,
    the same shape as a bare ``DELETE … WHERE id = ANY(…)`` with the holders' check added."""
    records, holds = CreditRecord._meta.db_table, CreditRecordHold._meta.db_table
    if connection.vendor == "postgresql":
        ids_clause, params = "= ANY(%s)", [record_ids]
    else:
        ids_clause, params = f"IN ({', '.join(['%s'] * len(record_ids))})", record_ids
    with connection.cursor() as cursor:
        cursor.execute(
            f"DELETE FROM {records} WHERE id {ids_clause} "
            f"AND NOT EXISTS (SELECT 1 FROM {holds} hold WHERE hold.record_id = {records}.id)",
            params,
        )
        return cursor.rowcount


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


def _issue_receipt(deletion: RecordDeletion, authorization: Authorization) -> None:
    issued_at = timezone.now()
    receipt = sign_jws(deletion_receipt_claims(deletion, authorization, issued_at), typ=DELETION_RECEIPT_TYPE)
    RecordDeletion.objects.filter(pk=deletion.pk).update(
        status=RecordDeletion.Status.ISSUED, issued_at=issued_at, receipt=receipt
    )
    deletion.status, deletion.issued_at, deletion.receipt = RecordDeletion.Status.ISSUED, issued_at, receipt
    audit.credit_records_deleted(deletion=deletion, authorization=authorization)
