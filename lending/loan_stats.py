"""Loan statistics for regulators: the loan book by region, bank, category or month.

Flow figures count the loans disbursed in ``[from, to]``: loans and their amount, first-loan
enterprises (首贷户, each counted once, under its earliest loan declared a first loan),
pure-credit share (of the amount), the amount-weighted average rate, renewals without
repayment (无还本续贷). Stock figures come from the banks' monthly reports: the outstanding
balance and the overdue rate (the balance of loans reported overdue over the balance). Grouped
by month, each month shows its own reports; otherwise a row shows the latest month in the
period that has reports in the reader's area, named in ``balance_month``.

Whole months are read from the counters (lending/loan_counters.py), the loans of partial
months at either end from the loans themselves, as the lending statistics do. Scoping is
theirs (lending/stats.py): a regulator sees its region and the regions below it.
"""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

from django.db.models import Count, F, Max, Q, Sum, Value
from django.db.models.functions import Coalesce, TruncMonth

from hub.models import Organization, User
from lending.loan_counters import COUNTERS, FLOW, STOCK, month_start
from lending.models import Loan, LoanCounters
from lending.stats import Scope, _next_month, _region_key_expression, parse_request, scope_for

TOTAL = "total"


def _key_expression(group_by: str, scope: Scope, month_field: str):
    if group_by == "region":
        return _region_key_expression(scope.region_key_length)
    if group_by == "bank":
        return F("bank_id")
    if group_by == "category":
        return F("category")
    return F(month_field) if month_field == "month" else TruncMonth(month_field)


def _scoped(queryset, scope: Scope):
    return queryset.filter(region_code__startswith=scope.prefix) if scope.prefix else queryset


def _month_key(value) -> date:
    return value.date().replace(day=1) if hasattr(value, "date") else value.replace(day=1)


def _counter_rows(group_by: str, scope: Scope, names, months_filter: Q) -> dict:
    queryset = _scoped(LoanCounters.objects.filter(months_filter), scope)
    rows = (
        queryset.annotate(key=_key_expression(group_by, scope, "month"))
        .values("key")
        .annotate(**{name: Sum(name) for name in names})
        .order_by()
    )
    return {row.pop("key"): row for row in rows}


def _raw_flow(group_by: str, scope: Scope, start: date, end: date) -> dict:
    """Flow figures of the loans disbursed from ``start`` to before ``end``."""
    zero = Value(Decimal("0"))
    queryset = _scoped(Loan.objects.filter(disbursed_on__gte=start, disbursed_on__lt=end), scope)
    rows = (
        queryset.annotate(key=_key_expression(group_by, scope, "disbursed_on"))
        .values("key")
        .annotate(
            loans=Count("id"),
            loan_amount=Coalesce(Sum("amount"), zero),
            pure_credit_amount=Coalesce(Sum("amount", filter=Q(pure_credit=True)), zero),
            renewals=Count("id", filter=Q(renewal=True)),
            first_loan_enterprises=Count("id", filter=Q(counts_as_first_loan_enterprise=True)),
        )
        .order_by()
    )
    result = {row.pop("key"): row for row in rows}
    # Σ rate × amount exactly, in Decimal (SQLite would multiply in floating point).
    weighted = queryset.annotate(key=_key_expression(group_by, scope, "disbursed_on")).values_list(
        "key", "rate", "amount"
    )
    for key in result:
        result[key]["rate_amount"] = Decimal("0")
    for key, rate, amount in weighted.iterator():
        result[key]["rate_amount"] += rate * amount
    if group_by == "month":
        result = {_month_key(key): values for key, values in result.items()}
    return result


def _merge(into: dict, rows: dict) -> None:
    for key, values in rows.items():
        totals = into.setdefault(key, dict.fromkeys(COUNTERS, 0))
        for name, value in values.items():
            totals[name] += value or 0


def _ratio(numerator, denominator) -> str | None:
    return f"{Decimal(numerator) / Decimal(denominator):.4f}" if denominator else None


def _present_row(key, values: dict, balance_month: date | None) -> dict:
    return {
        "key": key,
        "loans": values["loans"],
        "loan_amount": f"{Decimal(values['loan_amount']):.2f}",
        "first_loan_enterprises": values["first_loan_enterprises"],
        "pure_credit_amount": f"{Decimal(values['pure_credit_amount']):.2f}",
        "pure_credit_share": _ratio(values["pure_credit_amount"], values["loan_amount"]),
        "average_rate": _ratio(values["rate_amount"], values["loan_amount"]),
        "renewals": values["renewals"],
        "balance_month": balance_month.strftime("%Y-%m") if balance_month else None,
        "reported_loans": values["reported_loans"],
        "balance": f"{Decimal(values['balance']):.2f}",
        "overdue_balance": f"{Decimal(values['overdue_balance']):.2f}",
        "overdue_rate": _ratio(values["overdue_balance"], values["balance"]),
    }


def _totals(group_by: str, scope: Scope, date_from: date, date_to: date) -> tuple[dict, date | None]:
    end_exclusive = date_to + timedelta(days=1)
    first_full = date_from if date_from.day == 1 else _next_month(date_from)
    after_last_full = end_exclusive if end_exclusive.day == 1 else month_start(end_exclusive)
    totals: dict = {}
    if first_full < after_last_full:
        _merge(totals, _counter_rows(group_by, scope, FLOW, Q(month__gte=first_full, month__lt=after_last_full)))
        edges = [(date_from, first_full), (after_last_full, end_exclusive)]
    else:
        edges = [(date_from, end_exclusive)]
    for start, end in edges:
        if start < end:
            _merge(totals, _raw_flow(group_by, scope, start, end))
    # Stock: a report of a month counts when the month overlaps the period.
    months = Q(month__gte=month_start(date_from), month__lte=month_start(date_to))
    balance_month = None
    if group_by != "month":
        balance_month = _scoped(LoanCounters.objects.filter(months, reported_loans__gt=0), scope).aggregate(
            latest=Max("month")
        )["latest"]
        months = Q(month=balance_month)
    if group_by == "month" or balance_month is not None:
        _merge(totals, _counter_rows(group_by, scope, STOCK, months & Q(reported_loans__gt=0)))
    return totals, balance_month


def loan_statistics(
    *, user: User, group_by: str, date_from: date | None = None, date_to: date | None = None
) -> tuple[list[dict], dict]:
    """The rows by ``group_by`` and the row of their total (``key`` "total"), within the
    reader's region. Raises Forbidden (not a regulator or the operator) or InvalidInput
    naming the parameter."""
    scope = scope_for(user)
    group_by, date_from, date_to = parse_request(group_by, date_from, date_to)
    totals, balance_month = _totals(group_by, scope, date_from, date_to)
    bank_codes = {}
    if group_by == "bank":
        bank_codes = dict(Organization.objects.filter(pk__in=list(totals)).values_list("pk", "code"))
    rows, whole = [], dict.fromkeys(COUNTERS, 0)
    for key, values in totals.items():
        _merge({TOTAL: whole}, {TOTAL: values})
        if group_by == "bank":
            shown = bank_codes.get(key, str(key))
        elif group_by == "month":
            shown = key.strftime("%Y-%m")
        else:
            shown = key
        rows.append(_present_row(shown, values, key if group_by == "month" else balance_month))
    rows.sort(key=lambda row: row["key"])
    return rows, _present_row(TOTAL, whole, None if group_by == "month" else balance_month)


def loan_rows(*, user: User, group_by: str, date_from: date | None = None, date_to: date | None = None) -> list[dict]:
    """The rows of :func:`loan_statistics` alone (the API and its exports)."""
    return loan_statistics(user=user, group_by=group_by, date_from=date_from, date_to=date_to)[0]
