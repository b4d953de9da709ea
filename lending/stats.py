"""Statistics for regulators (API.md "Statistics") and matching statistics for 通报.

Lending statistics read the monthly counters (one small table per grouping) for whole
months inside ``[from, to]`` and the daily counters for the days of the partial months at
either end, so a query reads thousands of counter rows however many applications there are
(only a district-level reader's bank and category groupings, finer than the counters' cities,
read the applications). A regulator sees
its own region and the regions below it; an application counts under its enterprise's
region. ``raw_lending_rows`` answers the same question from the applications alone (the
benchmark's baseline, and the tests' cross-check).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal

from django.db.models import Case, CharField, Count, DurationField, ExpressionWrapper, F, Q, Sum, Value, When
from django.db.models.functions import Coalesce, Concat, Substr, TruncMonth
from django.db.models.lookups import Exact
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from hub.errors import Forbidden, InvalidInput
from hub.identifiers import child_level_length, region_prefix
from hub.models import Organization, User
from lending.models import (
    Application,
    LendingByBank,
    LendingByBankDay,
    LendingByCategory,
    LendingByCategoryDay,
    LendingByRegion,
    LendingByRegionDay,
    Match,
)
from lending.stats_maintenance import COUNTERS

GROUPINGS = ("region", "bank", "category", "month")
UNCLAIMED = "unclaimed"


class Messages:
    REGULATOR_ONLY = _("Only regulators (and the hub operator) read statistics.")
    GROUP_BY = _("group_by must be one of region, bank, category, month.")
    RANGE = _("from must not be after to.")
    OUT_OF_RANGE = _("Give a date from %(earliest)s to %(latest)s.")


@dataclass(frozen=True)
class Scope:
    """Which applications a reader may count, and at what region level rows are keyed."""

    prefix: str  # "" for the whole country (hub operator)
    region_key_length: int


def scope_for(user: User) -> Scope:
    if user.is_operator:
        return Scope(prefix="", region_key_length=2)
    organization = user.organization
    if organization is None or not organization.is_regulator:
        raise Forbidden(Messages.REGULATOR_ONLY)
    return Scope(
        prefix=region_prefix(organization.region_code), region_key_length=child_level_length(organization.region_code)
    )


# Statistics cover the hub's lifetime; the bounds keep date arithmetic (the next day, local
# midnight in UTC) away from the ends of the calendar.
EARLIEST, LATEST = date(1990, 1, 1), date(2100, 12, 31)


def parse_request(group_by: str, date_from: date | None, date_to: date | None) -> tuple[str, date, date]:
    if group_by not in GROUPINGS:
        raise InvalidInput(Messages.GROUP_BY, fields={"group_by": [Messages.GROUP_BY]})
    for name, day in (("from", date_from), ("to", date_to)):
        if day is not None and not EARLIEST <= day <= LATEST:
            message = Messages.OUT_OF_RANGE % {"earliest": EARLIEST.isoformat(), "latest": LATEST.isoformat()}
            raise InvalidInput(message, fields={name: [message]})
    date_to = date_to or timezone.localdate()
    date_from = date_from or date(date_to.year - 1, date_to.month, 1)
    if date_from > date_to:
        raise InvalidInput(Messages.RANGE, fields={"from": [Messages.RANGE]})
    return group_by, date_from, date_to


def _region_key_expression(length: int):
    if length >= 6:
        return F("region_code")
    # County-level cities directly under a province (419001 济源) have "90" in the middle
    # and are their own city (see stats_maintenance.city_of).
    return Case(
        When(Exact(Substr("region_code", 3, 2), Value("90")), then=F("region_code")),
        default=Concat(Substr("region_code", 1, length), Value("0" * (6 - length))),
        output_field=CharField(),
    )


def _month_start(day: date) -> date:
    return date(day.year, day.month, 1)


def _next_month(day: date) -> date:
    return date(day.year + day.month // 12, day.month % 12 + 1, 1)


def _local_midnight(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min))


def _raw_key_expression(group_by: str, scope: Scope):
    if group_by == "region":
        return _region_key_expression(scope.region_key_length)
    if group_by == "bank":
        return Coalesce("bank_id", Value(0))  # unclaimed demands: 0, as in the counters
    if group_by == "category":
        return F("category")
    return TruncMonth("submitted_at")


# grouping → (counter table, the key expression over it, the field a regulator's area filters)
def _counter_source(group_by: str, scope: Scope, *, daily: bool):
    by_region, by_bank, by_category = (
        (LendingByRegionDay, LendingByBankDay, LendingByCategoryDay)
        if daily
        else (LendingByRegion, LendingByBank, LendingByCategory)
    )
    if group_by == "region":
        return by_region, _region_key_expression(scope.region_key_length), "region_code"
    if group_by == "month":
        return by_region, TruncMonth("day") if daily else F("month"), "region_code"
    if group_by == "bank":
        return by_bank, F("bank_id"), "city_code"
    return by_category, F("category"), "city_code"


def _counters_cover(group_by: str, scope: Scope) -> bool:
    """The bank and category counters are kept per city: a district-level reader's area
    is finer than that, so those groupings come from the applications themselves."""
    return group_by in ("region", "month") or len(scope.prefix) <= 4


def _counter_rows(group_by: str, scope: Scope, periods: list[tuple[date, date]], *, daily: bool) -> dict:
    """The counters summed by the grouping's key, in SQL, over the periods (each from its
    first month or day to before its last): the monthly tables, or the daily ones."""
    model, key, area_field = _counter_source(group_by, scope, daily=daily)
    period = "day" if daily else "month"
    within = Q()
    for start, end in periods:
        within |= Q(**{f"{period}__gte": start, f"{period}__lt": end})
    queryset = model.objects.filter(within)
    if scope.prefix:
        queryset = queryset.filter(**{f"{area_field}__startswith": scope.prefix})
    rows = queryset.annotate(key=key).values("key").annotate(**{name: Sum(name) for name in COUNTERS}).order_by()
    return {row.pop("key"): row for row in rows}


def _raw_aggregation():
    accept_duration = ExpressionWrapper(F("accepted_at") - F("submitted_at"), output_field=DurationField())
    approved = Q(approved_amount__isnull=False)
    return {
        "applications": Count("id"),
        "accepted": Count("id", filter=Q(accepted_at__isnull=False)),
        "approved": Count("id", filter=approved),
        "rejected": Count("id", filter=Q(status=Application.Status.REJECTED)),
        "signed": Count("id", filter=Q(signed_at__isnull=False)),
        "disbursed": Count("id", filter=Q(disbursed_at__isnull=False)),
        "disbursed_amount": Coalesce(Sum("disbursed_amount"), Value(Decimal("0"))),
        "accept_duration": Sum(accept_duration),
        "first_loans": Count("id", filter=approved & Q(first_loan=True)),
        "pure_credit_loans": Count("id", filter=approved & Q(pure_credit=True)),
    }


def _raw_rows(group_by: str, scope: Scope, start: datetime, end: datetime) -> dict:
    queryset = Application.objects.filter(submitted_at__gte=start, submitted_at__lt=end)
    if scope.prefix:
        queryset = queryset.filter(region_code__startswith=scope.prefix)
    rows = (
        queryset.annotate(key=_raw_key_expression(group_by, scope))
        .values("key")
        .annotate(**_raw_aggregation())
        .order_by()
    )
    result = {}
    for row in rows:
        key = row.pop("key")
        if group_by == "month":
            key = timezone.localtime(key).date().replace(day=1) if isinstance(key, datetime) else key
        duration = row.pop("accept_duration")
        row["accept_seconds"] = int(duration.total_seconds()) if duration else 0
        result[key] = row
    return result


def _merge(into: dict, rows: dict) -> None:
    for key, values in rows.items():
        totals = into.setdefault(key, dict.fromkeys(COUNTERS, 0))
        for name in COUNTERS:
            totals[name] += values[name] or 0


def _present(group_by: str, totals: dict) -> list[dict]:
    bank_codes = {}
    if group_by == "bank":
        bank_codes = dict(Organization.objects.filter(pk__in=[key for key in totals if key]).values_list("pk", "code"))
    rows = []
    for key, values in totals.items():
        if group_by == "bank":
            key = bank_codes.get(key, UNCLAIMED) if key else UNCLAIMED
        elif group_by == "month":
            key = key.strftime("%Y-%m")
        decided = values["approved"] + values["rejected"]
        rows.append(
            {
                "key": key,
                "applications": values["applications"],
                "accepted": values["accepted"],
                "approved": values["approved"],
                "rejected": values["rejected"],
                "signed": values["signed"],
                "disbursed": values["disbursed"],
                "disbursed_amount": f"{Decimal(values['disbursed_amount']):.2f}",
                "approval_rate": f"{Decimal(values['approved']) / decided:.4f}" if decided else None,
                "avg_days_to_accept": (
                    f"{Decimal(values['accept_seconds']) / values['accepted'] / 86400:.2f}"
                    if values["accepted"]
                    else None
                ),
                "first_loans": values["first_loans"],
                "pure_credit_loans": values["pure_credit_loans"],
            }
        )
    return sorted(rows, key=lambda row: row["key"])


def lending_rows(
    *, user: User, group_by: str, date_from: date | None = None, date_to: date | None = None
) -> list[dict]:
    """Lending statistics for applications submitted from ``date_from`` to ``date_to``
    (inclusive, Asia/Shanghai), within the reader's region."""
    scope = scope_for(user)
    group_by, date_from, date_to = parse_request(group_by, date_from, date_to)
    first_full = date_from if date_from.day == 1 else _next_month(date_from)
    end_exclusive = date_to + timedelta(days=1)
    after_last_full = end_exclusive if end_exclusive.day == 1 else _month_start(end_exclusive)
    totals: dict = {}
    if not _counters_cover(group_by, scope):
        _merge(totals, _raw_rows(group_by, scope, _local_midnight(date_from), _local_midnight(end_exclusive)))
        return _present(group_by, totals)
    if first_full < after_last_full:
        _merge(totals, _counter_rows(group_by, scope, [(first_full, after_last_full)], daily=False))
        days = [
            (start, end) for start, end in ((date_from, first_full), (after_last_full, end_exclusive)) if start < end
        ]
    else:  # no whole month: every day from the daily counters
        days = [(date_from, end_exclusive)]
    if days:
        _merge(totals, _counter_rows(group_by, scope, days, daily=True))
    return _present(group_by, totals)


def raw_lending_rows(*, user: User, group_by: str, date_from: date, date_to: date) -> list[dict]:
    """The same answer straight from the applications: one GROUP BY over the raw table."""
    scope = scope_for(user)
    group_by, date_from, date_to = parse_request(group_by, date_from, date_to)
    rows = _raw_rows(group_by, scope, _local_midnight(date_from), _local_midnight(date_to + timedelta(days=1)))
    totals: dict = {}
    _merge(totals, rows)
    return _present(group_by, totals)


# --- matching statistics (通报) ---------------------------------------------------------------


def matching_rows(
    *, user: User, group_by: str, date_from: date | None = None, date_to: date | None = None
) -> list[dict]:
    """Pairings made in the window, by region, bank, category or month: intents, contacted,
    signed, disbursed, amounts, conversion (signed / intents) and overdue follow-ups (not
    contacted by their deadline)."""
    scope = scope_for(user)
    group_by, date_from, date_to = parse_request(group_by, date_from, date_to)
    queryset = Match.objects.filter(
        created_at__gte=_local_midnight(date_from), created_at__lt=_local_midnight(date_to + timedelta(days=1))
    )
    if scope.prefix:
        queryset = queryset.filter(region_code__startswith=scope.prefix)
    key = {
        "region": _region_key_expression(scope.region_key_length),
        "bank": F("bank_id"),
        "category": F("category"),
        "month": TruncMonth("created_at"),
    }[group_by]
    now = timezone.now()
    rows = (
        queryset.annotate(key=key)
        .values("key")
        .annotate(
            intents=Count("id"),
            contacted=Count("id", filter=Q(contacted_at__isnull=False)),
            signed=Count("id", filter=Q(signed_at__isnull=False)),
            disbursed=Count("id", filter=Q(disbursed_at__isnull=False)),
            failed=Count("id", filter=Q(status=Match.Status.FAILED)),
            signed_amount=Coalesce(Sum("signed_amount"), Value(Decimal("0"))),
            disbursed_amount=Coalesce(Sum("disbursed_amount"), Value(Decimal("0"))),
            overdue_followups=Count(
                "id", filter=Q(contacted_at__isnull=True, status=Match.Status.INTENT, contact_due_at__lt=now)
            ),
        )
        .order_by()
    )
    bank_codes = {}
    rows = list(rows)
    if group_by == "bank":
        bank_codes = dict(Organization.objects.filter(pk__in=[row["key"] for row in rows]).values_list("pk", "code"))
    result = []
    for row in rows:
        key = row.pop("key")
        if group_by == "bank":
            key = bank_codes.get(key, str(key))
        elif group_by == "month":
            key = timezone.localtime(key).strftime("%Y-%m") if isinstance(key, datetime) else key.strftime("%Y-%m")
        result.append(
            {
                "key": key,
                **{
                    name: row[name]
                    for name in ("intents", "contacted", "signed", "disbursed", "failed", "overdue_followups")
                },
                "signed_amount": f"{row['signed_amount']:.2f}",
                "disbursed_amount": f"{row['disbursed_amount']:.2f}",
                "conversion_rate": f"{Decimal(row['signed']) / row['intents']:.4f}" if row["intents"] else None,
            }
        )
    return sorted(result, key=lambda row: row["key"])


def overdue_applications_count(*, user: User) -> int:
    """Applications still waiting to be accepted past their acceptance deadline."""
    scope = scope_for(user)
    queryset = Application.objects.filter(status=Application.Status.SUBMITTED, accept_due_at__lt=timezone.now())
    if scope.prefix:
        queryset = queryset.filter(region_code__startswith=scope.prefix)
    return queryset.count()
