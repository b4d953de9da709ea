"""The credit profile: records grouped by category with their freshness, and a summary
computed from them — only over the categories the reader may see.

No data is not a clean record: each indicator of the summary names its ``basis`` — stored
``records``; ``none_reported``, when a platform serving the category answered in full with
nothing; or ``not_fetched``, when no platform ever answered for it, and then its value is
null rather than a reassuring 0 or "no"."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal, InvalidOperation

from django.db import connection
from django.utils import timezone

from connectors.models import Connector, CreditPull, CreditRecord, Dispute, PullSource
from connectors.models.pulls import PullStatus
from connectors.record_keys import category_keys
from hub.categories import ALL_CATEGORIES

RECORDS, NONE_REPORTED, NOT_FETCHED = "records", "none_reported", "not_fetched"


@dataclass(frozen=True)
class ProfileRecord:
    category: str
    source_id: str
    occurred_on: date | None
    data: dict
    fetched_at: datetime
    connector_id: int
    connector_name: str
    id: int = 0


# Profile reads are the hub's hottest path (issue 3's benchmark holds them to half the rate of
# a bare primary-key lookup): one plain statement, without the ORM compiling the same query
# and converting every column through its field machinery on each read. Table and column
# names come from the models, and the record data decrypts through its own field. The
# category is found by its blind index (connectors/record_keys.py), so it needs no decrypting;
# the source id does, and the order by it is taken after.
_PROFILE_RECORDS_SQL = """
    SELECT record.id, record.category_key, record.source_id, record.occurred_on, record.data, record.fetched_at,
           record.connector_id, connector.name
    FROM {records} record JOIN {connectors} connector ON connector.id = record.connector_id
    WHERE record.enterprise_id = %s AND record.category_key IN ({categories})
"""


def profile_records(*, enterprise_id: int, categories: list[str]) -> dict[str, list[ProfileRecord]]:
    """An enterprise's records of ``categories``, by category, each newest first (undated
    ones last), then by source id."""
    grouped: dict[str, list[ProfileRecord]] = defaultdict(list)
    if not categories:
        return grouped
    data_field = CreditRecord._meta.get_field("data")
    source_id_field = CreditRecord._meta.get_field("source_id")
    by_key = category_keys(enterprise_id, categories)
    sql = _PROFILE_RECORDS_SQL.format(
        records=CreditRecord._meta.db_table,
        connectors=Connector._meta.db_table,
        categories=", ".join(["%s"] * len(by_key)),
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [enterprise_id, *by_key])
        rows = cursor.fetchall()
    for record_id, key, source_id, occurred_on, data, fetched_at, connector_id, connector_name in rows:
        category = by_key[key]
        grouped[category].append(
            ProfileRecord(
                category=category,
                source_id=source_id_field.from_db_value(source_id, None, connection),
                occurred_on=occurred_on,
                data=data_field.from_db_value(data, None, connection),
                # In the hub's time zone, as serializers give every other time (SQLite's are naive UTC).
                fetched_at=timezone.localtime(fetched_at if fetched_at.tzinfo else fetched_at.replace(tzinfo=UTC)),
                connector_id=connector_id,
                connector_name=connector_name,
                id=record_id,
            )
        )
    for records in grouped.values():
        records.sort(key=lambda record: record.source_id)
        records.sort(key=lambda record: record.occurred_on or date.min, reverse=True)
    return dict(grouped)


def categories_answered(*, enterprise_id: int) -> set[str]:
    """The categories some platform answered for in full for this enterprise: a pull source
    that succeeded (a partial one skipped records, which could have been of any category)."""
    answered: set[str] = set()
    sources = PullSource.objects.filter(
        pull__in=CreditPull.objects.filter(enterprise_id=enterprise_id), status=PullStatus.SUCCEEDED
    )
    for categories in sources.values_list("categories", flat=True).distinct():
        answered.update(categories)
    return answered


def category_bases(
    *, enterprise_id: int, categories: list[str], grouped: dict[str, list[ProfileRecord]]
) -> dict[str, str]:
    """Each category's basis: records stored, none reported by a platform that answered in
    full, or nothing fetched."""
    missing = [category for category in categories if not grouped.get(category)]
    answered = categories_answered(enterprise_id=enterprise_id) if missing else set()
    return {
        category: RECORDS if grouped.get(category) else NONE_REPORTED if category in answered else NOT_FETCHED
        for category in categories
    }


def build_profile(*, enterprise_id: int, uscc: str, categories: list[str], today: date | None = None) -> dict:
    today = today or timezone.localdate()
    ordered = [category for category in ALL_CATEGORIES if category in categories]
    grouped = profile_records(enterprise_id=enterprise_id, categories=ordered)
    bases = category_bases(enterprise_id=enterprise_id, categories=ordered, grouped=grouped)
    # Records under an open dispute (异议中) are flagged in every reader's profile.
    disputed = set(
        Dispute.objects.filter(enterprise_id=enterprise_id, status__in=Dispute.OPEN, record__isnull=False).values_list(
            "record_id", flat=True
        )
    )
    return {
        "enterprise": uscc,
        "generated_at": timezone.localtime(),
        "summary": summarize(grouped, categories=ordered, today=today, bases=bases),
        "categories": {
            category: {
                "fetched_at": max((record.fetched_at for record in grouped.get(category, [])), default=None),
                "records": [
                    {
                        "source_id": record.source_id,
                        "occurred_on": record.occurred_on,
                        "data": record.data,
                        "connector": record.connector_name,
                        "connector_id": record.connector_id,
                        "disputed": record.id in disputed,
                    }
                    for record in grouped.get(category, [])
                ],
            }
            for category in ordered
        },
    }


# --- summary -------------------------------------------------------------------------------------


def _amount(value) -> Decimal:
    try:
        return Decimal(str(value))
    except (InvalidOperation, ValueError):
        return Decimal("0")


def period_end(period: str) -> date | None:
    """``2025-Q1`` → 2025-03-31; ``2025-03`` → 2025-03-31."""
    try:
        year, part = period.split("-")
        month = int(part[1]) * 3 if part.startswith("Q") else int(part)
        first_of_next = date(int(year) + month // 12, month % 12 + 1, 1)
    except (ValueError, AttributeError, IndexError):
        return None
    return first_of_next - timedelta(days=1)


def _latest(records: list[ProfileRecord], key: str) -> ProfileRecord | None:
    dated = [record for record in records if isinstance(record.data.get(key), str)]
    return max(dated, key=lambda record: record.data[key], default=None)


# Indicator → the categories it is computed from.
INDICATOR_CATEGORIES = {
    "tax_paid_last_12_months": ("tax",),
    "latest_tax_grade": ("tax",),
    "latest_insured_headcount": ("social_insurance",),
    "latest_depositor_headcount": ("housing_fund",),
    "has_arrears": ("tax", "social_insurance", "housing_fund"),
    "penalties_last_3_years": ("penalty",),
    "unrepaired_penalties": ("penalty",),
    "dishonest_listed_now": ("dishonest",),
    "valid_licenses": ("license",),
    "honors": ("honor",),
    "latest_rating": ("rating",),
}


def indicator_basis(indicator: str, bases: dict[str, str]) -> str:
    """Records when any of its categories has some; none reported when at least one was
    answered empty and none has records; otherwise not fetched."""
    of_indicator = [bases[category] for category in INDICATOR_CATEGORIES[indicator] if category in bases]
    if RECORDS in of_indicator:
        return RECORDS
    return NONE_REPORTED if NONE_REPORTED in of_indicator else NOT_FETCHED


def summarize(
    grouped: dict[str, list[ProfileRecord]],
    *,
    categories: list[str],
    today: date,
    bases: dict[str, str] | None = None,
) -> dict:
    """Indicators of the categories among ``categories`` (those the reader may see; the
    others are absent, so "not allowed to know" stays distinct too), and their ``basis``.
    Without ``bases``, a category without records counts as not fetched."""
    if bases is None:
        bases = {category: RECORDS if grouped.get(category) else NOT_FETCHED for category in categories}
    summary = _indicators(grouped, categories=categories, today=today)
    basis = {indicator: indicator_basis(indicator, bases) for indicator in summary}
    for indicator, indicator_base in basis.items():
        if indicator_base == NOT_FETCHED:
            summary[indicator] = None
    summary["basis"] = basis
    return summary


def _indicators(grouped: dict[str, list[ProfileRecord]], *, categories: list[str], today: date) -> dict:
    visible = set(categories)
    summary: dict = {}
    year_ago, three_years_ago = today - timedelta(days=365), today - timedelta(days=3 * 365)

    if "tax" in visible:
        tax = grouped.get("tax", [])
        recent = [r for r in tax if (end := period_end(r.data.get("period", ""))) and year_ago < end <= today]
        latest = _latest(tax, "period")
        summary["tax_paid_last_12_months"] = (
            f"{sum((_amount(r.data.get('tax_paid')) for r in recent), Decimal('0')):.2f}"
        )
        summary["latest_tax_grade"] = latest.data.get("grade") if latest else None
    for category, field, key in (
        ("social_insurance", "insured_headcount", "latest_insured_headcount"),
        ("housing_fund", "depositor_headcount", "latest_depositor_headcount"),
    ):
        if category in visible:
            latest = _latest(grouped.get(category, []), "period")
            summary[key] = latest.data.get(field) if latest else None
    arrears_categories = [c for c in ("tax", "social_insurance", "housing_fund") if c in visible]
    if arrears_categories:
        summary["has_arrears"] = any(
            _amount(record.data.get("arrears")) > 0 for c in arrears_categories for record in grouped.get(c, [])
        )
    if "penalty" in visible:
        penalties = [
            r for r in grouped.get("penalty", []) if r.data.get("decided_on", "") >= three_years_ago.isoformat()
        ]
        by_severity = {severity: 0 for severity in ("minor", "ordinary", "serious")}
        for record in penalties:
            if record.data.get("severity") in by_severity:
                by_severity[record.data["severity"]] += 1
        summary["penalties_last_3_years"] = by_severity
        summary["unrepaired_penalties"] = sum(1 for r in penalties if not r.data.get("repaired"))
    if "dishonest" in visible:
        summary["dishonest_listed_now"] = any(r.data.get("removed_on") is None for r in grouped.get("dishonest", []))
    if "license" in visible:
        summary["valid_licenses"] = sum(
            1
            for r in grouped.get("license", [])
            if r.data.get("valid_from", "") <= today.isoformat()
            and (r.data.get("valid_until") is None or r.data["valid_until"] >= today.isoformat())
        )
    if "honor" in visible:
        summary["honors"] = len(grouped.get("honor", []))
    if "rating" in visible:
        latest = _latest(grouped.get("rating", []), "evaluated_on")
        summary["latest_rating"] = (
            {key: latest.data.get(key) for key in ("grade", "score", "evaluated_on")} if latest else None
        )
    return summary
