"""Reads of loans and their monthly reports: a bank sees its own, nobody else any (regulators
read the loan statistics, lending/loan_stats.py)."""

from __future__ import annotations

from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from hub.errors import Forbidden, NotFound
from hub.models import User
from lending.models import Loan, LoanReport, LoanStatus


class Messages:
    BANK_ONLY = _("Only banks read their loans; regulators read the loan statistics.")
    NOT_FOUND = _("Loan not found.")


def loan_list(*, user: User, filters: dict | None = None) -> QuerySet[Loan]:
    """The bank's loans, newest first; ``filters``: ``status``. Raises Forbidden for anyone
    but a bank's people."""
    organization = user.organization
    if organization is None or not organization.is_bank:
        raise Forbidden(Messages.BANK_ONLY)
    queryset = Loan.objects.filter(bank=organization).select_related("enterprise")
    status = (filters or {}).get("status")
    if status in LoanStatus.values:
        queryset = queryset.filter(status=status)
    return queryset.order_by("-id")


def loan_get(*, user: User, loan_id: int) -> Loan:
    """One of the bank's loans; another bank's is not found, as an unknown one."""
    loan = loan_list(user=user).filter(pk=loan_id).first()
    if loan is None:
        raise NotFound(Messages.NOT_FOUND)
    return loan


def loan_reports(loan: Loan) -> QuerySet[LoanReport]:
    return loan.reports.order_by("month")


def loan_renewed_from(loan: Loan) -> list[int]:
    """The loans this one renews without repayment (their reports name it)."""
    return sorted(set(LoanReport.objects.filter(renewal_loan=loan).values_list("loan_id", flat=True)))
