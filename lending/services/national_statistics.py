"""The month's lending figures reported to the national platform (docs/national-uplink.md):
one monthly_statistics fact per district, from the monthly aggregates
(lending.models.stats.LendingByRegion), recorded once after the month ended."""

from __future__ import annotations

from datetime import date, timedelta

from django.db import transaction
from django.utils import timezone

from connectors.national import facts as national_facts
from lending.models import LendingByRegion


def _previous_month(today: date) -> date:
    return (today.replace(day=1) - timedelta(days=1)).replace(day=1)


@transaction.atomic
def national_monthly_statistics_record(*, month: date | None = None) -> int:
    """Record ``month``'s figures (by default last month's) per district; a district's month
    already recorded is not recorded again. Returns how many facts were offered."""
    if not national_facts.uplink_enabled():
        return 0
    month = (month or _previous_month(timezone.localdate())).replace(day=1)
    now = timezone.now()
    facts = [
        (
            national_facts.MONTHLY_STATISTICS,
            national_facts.monthly_statistics(month=month, region_code=row.region_code, counters=row),
            now,
            f"monthly-statistics:{month:%Y-%m}:{row.region_code}",
        )
        for row in LendingByRegion.objects.filter(month=month).order_by("region_code")
    ]
    return national_facts.facts_record(facts)
