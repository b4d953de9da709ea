"""Keeping :class:`LendingMonthlyAggregate` up to date, incrementally.

Every change to an application calls :func:`aggregates_apply` with the application as it
was and as it is now, in the same transaction: the difference of the two contributions
is added to the aggregate rows. ``manage.py rebuild_lending_stats`` recomputes the table
from scratch (and tests compare the two).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.db import IntegrityError, connection, transaction
from django.db.models import F
from django.utils import timezone

from lending.models import Application, LendingMonthlyAggregate

COUNTERS = (
    "applications",
    "accepted",
    "approved",
    "rejected",
    "signed",
    "disbursed",
    "disbursed_amount",
    "accept_seconds",
    "first_loans",
    "pure_credit_loans",
)


@dataclass(frozen=True)
class Contribution:
    key: tuple[date, str, int, str]
    values: dict


def month_of(moment) -> date:
    local = timezone.localtime(moment)
    return date(local.year, local.month, 1)


def contribution(application: Application) -> Contribution:
    """What one application adds to its aggregate row, given its current state."""
    approved = application.approved_amount is not None
    accept_seconds = (
        int((application.accepted_at - application.submitted_at).total_seconds()) if application.accepted_at else 0
    )
    return Contribution(
        key=(
            month_of(application.submitted_at),
            application.region_code,
            application.bank_id or 0,
            application.category,
        ),
        values={
            "applications": 1,
            "accepted": int(application.accepted_at is not None),
            "approved": int(approved),
            "rejected": int(application.status == Application.Status.REJECTED),
            "signed": int(application.signed_at is not None),
            "disbursed": int(application.disbursed_at is not None),
            "disbursed_amount": application.disbursed_amount or Decimal("0"),
            "accept_seconds": accept_seconds,
            "first_loans": int(approved and application.first_loan),
            "pure_credit_loans": int(approved and application.pure_credit),
        },
    )


def _add(key: tuple, deltas: dict) -> None:
    deltas = {name: value for name, value in deltas.items() if value}
    if not deltas:
        return
    month, region_code, bank_id, category = key
    rows = LendingMonthlyAggregate.objects.filter(
        month=month, region_code=region_code, bank_id=bank_id, category=category
    )
    if rows.update(**{name: F(name) + value for name, value in deltas.items()}):
        return
    try:
        with transaction.atomic():
            LendingMonthlyAggregate.objects.create(
                month=month, region_code=region_code, bank_id=bank_id, category=category, **deltas
            )
    except IntegrityError:  # a concurrent first writer created the row: add to it
        rows.update(**{name: F(name) + value for name, value in deltas.items()})


def aggregates_apply(before: Application | None, after: Application) -> None:
    """Add the change from ``before`` (None for a new application) to ``after``."""
    new = contribution(after)
    if before is None:
        _add(new.key, new.values)
        return
    old = contribution(before)
    if old.key == new.key:
        _add(new.key, {name: new.values[name] - old.values[name] for name in COUNTERS})
    else:
        _add(old.key, {name: -value for name, value in old.values.items()})
        _add(new.key, new.values)


def aggregates_rebuild() -> int:
    """Recompute every aggregate row from the applications; returns the number of rows."""
    with transaction.atomic():
        LendingMonthlyAggregate.objects.all().delete()
        batch: dict[tuple, dict] = {}
        for application in Application.objects.all().iterator(chunk_size=5000):
            item = contribution(application)
            totals = batch.setdefault(item.key, dict.fromkeys(COUNTERS, 0))
            for name, value in item.values.items():
                totals[name] += value
        LendingMonthlyAggregate.objects.bulk_create(
            [
                LendingMonthlyAggregate(month=key[0], region_code=key[1], bank_id=key[2], category=key[3], **totals)
                for key, totals in batch.items()
            ],
            batch_size=5000,
        )
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE lending_lendingmonthlyaggregate")
    return len(batch)
