"""Keeping the loan book's counters (lending.models.LoanCounters) up to date, incrementally.

A new loan adds its flow figures under the month it was disbursed; a new or corrected monthly
report moves its stock figures (the difference of the report as it was and as it is) under
its month; both in the transaction of the change. An enterprise counts as a first-loan
enterprise (首贷户) once, under its earliest loan a bank declared a first loan
(:func:`first_loan_enterprise_mark`). ``manage.py rebuild_lending_stats`` recomputes all of
it from the loans and reports (:func:`loan_counters_rebuild`; tests compare the two).
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date
from decimal import Decimal

from django.apps import apps as installed_apps
from django.db import IntegrityError, transaction
from django.db.models import F

from hub.models import Organization
from lending.models import Loan, LoanCounters, LoanReport, LoanStatus

FLOW = ("loans", "loan_amount", "pure_credit_amount", "rate_amount", "renewals", "first_loan_enterprises")
STOCK = ("reported_loans", "balance", "overdue_balance")
COUNTERS = FLOW + STOCK
KEY = ("month", "region_code", "bank_id", "category")


def month_start(day: date) -> date:
    return date(day.year, day.month, 1)


def _key(loan, month: date) -> tuple:
    return (month, loan.region_code, loan.bank_id, loan.category)


def loan_contribution(loan) -> dict:
    """What one loan adds to the flow figures of its disbursement month."""
    return {
        "loans": 1,
        "loan_amount": loan.amount,
        "pure_credit_amount": loan.amount if loan.pure_credit else Decimal("0"),
        "rate_amount": loan.rate * loan.amount,
        "renewals": int(loan.renewal),
        "first_loan_enterprises": int(loan.counts_as_first_loan_enterprise),
    }


def report_contribution(report) -> dict:
    """What one monthly report adds to the stock figures of its month."""
    return {
        "reported_loans": 1,
        "balance": report.balance,
        "overdue_balance": report.balance if report.status == LoanStatus.OVERDUE else Decimal("0"),
    }


class CounterDeltas:
    """Changes to the counters gathered in memory and written once per key (a batch of
    thousands of reports touches a few dozen rows)."""

    def __init__(self):
        self.by_key: dict[tuple, dict] = defaultdict(lambda: dict.fromkeys(COUNTERS, 0))

    def add(self, key: tuple, values: dict, sign: int = 1) -> None:
        row = self.by_key[key]
        for name, value in values.items():
            row[name] += sign * value

    def loan(self, loan: Loan) -> None:
        self.add(_key(loan, month_start(loan.disbursed_on)), loan_contribution(loan))

    def report(self, loan: Loan, before: LoanReport | None, after: LoanReport) -> None:
        if before is not None:
            self.add(_key(loan, before.month), report_contribution(before), -1)
        self.add(_key(loan, after.month), report_contribution(after))

    def write(self) -> None:
        for key in sorted(self.by_key):  # a fixed order: two writers cannot deadlock
            _add(key, self.by_key[key])
        self.by_key.clear()


def _add(key: tuple, deltas: dict) -> None:
    deltas = {name: value for name, value in deltas.items() if value}
    if not deltas:
        return
    identity = dict(zip(KEY, key, strict=True))
    rows = LoanCounters.objects.filter(**identity)
    if rows.update(**{name: F(name) + value for name, value in deltas.items()}):
        return
    try:
        with transaction.atomic():
            LoanCounters.objects.create(**identity, **deltas)
    except IntegrityError:  # a concurrent first writer created the row: add to it
        rows.update(**{name: F(name) + value for name, value in deltas.items()})


def first_loan_enterprise_mark(enterprise_id: int, deltas: CounterDeltas) -> None:
    """Mark the enterprise's earliest loan declared first (by disbursement day, then id) as
    the one it counts under as a 首贷户, moving the count if another loan held it. The
    enterprise's row is locked, so two disbursements to one enterprise take turns."""
    Organization.objects.select_for_update().filter(pk=enterprise_id).first()
    loans = Loan.objects.filter(enterprise_id=enterprise_id, first_loan=True)
    earliest = loans.order_by("disbursed_on", "id").first()
    for loan in loans.filter(counts_as_first_loan_enterprise=True).exclude(pk=getattr(earliest, "pk", None)):
        deltas.add(_key(loan, month_start(loan.disbursed_on)), {"first_loan_enterprises": 1}, -1)
        Loan.objects.filter(pk=loan.pk).update(counts_as_first_loan_enterprise=False)
    if earliest is not None and not earliest.counts_as_first_loan_enterprise:
        deltas.add(_key(earliest, month_start(earliest.disbursed_on)), {"first_loan_enterprises": 1})
        Loan.objects.filter(pk=earliest.pk).update(counts_as_first_loan_enterprise=True)
        earliest.counts_as_first_loan_enterprise = True


def loan_counters_rebuild(apps=installed_apps) -> int:
    """Recompute the first-loan marks and every counter from the loans and their reports;
    returns the counter rows written. ``apps`` lets a migration run it on its historical
    models."""
    Loan = apps.get_model("lending", "Loan")  # noqa: N806 (a model class)
    LoanReport = apps.get_model("lending", "LoanReport")  # noqa: N806
    LoanCounters = apps.get_model("lending", "LoanCounters")  # noqa: N806
    with transaction.atomic():
        counted, seen = [], set()
        for loan_id, enterprise_id in (
            Loan.objects.filter(first_loan=True)
            .order_by("enterprise_id", "disbursed_on", "id")
            .values_list("id", "enterprise_id")
        ):
            if enterprise_id not in seen:
                seen.add(enterprise_id)
                counted.append(loan_id)
        Loan.objects.exclude(pk__in=counted).filter(counts_as_first_loan_enterprise=True).update(
            counts_as_first_loan_enterprise=False
        )
        Loan.objects.filter(pk__in=counted).update(counts_as_first_loan_enterprise=True)
        deltas = CounterDeltas()
        loans = {}
        for loan in Loan.objects.all().iterator(chunk_size=5000):
            loans[loan.pk] = loan
            deltas.loan(loan)
        for report in LoanReport.objects.all().iterator(chunk_size=5000):
            deltas.add(_key(loans[report.loan_id], report.month), report_contribution(report))
        LoanCounters.objects.all().delete()
        rows = [
            LoanCounters(**dict(zip(KEY, key, strict=True)), **values)
            for key, values in sorted(deltas.by_key.items())
            if any(values.values())
        ]
        LoanCounters.objects.bulk_create(rows, batch_size=5000)
    return len(rows)
