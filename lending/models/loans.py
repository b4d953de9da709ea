from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from lending.models.products import Guarantee


class LoanStatus(models.TextChoices):
    ACTIVE = "active", pgettext_lazy("loan status", "Active")
    SETTLED = "settled", pgettext_lazy("loan status", "Settled")  # 结清
    OVERDUE = "overdue", pgettext_lazy("loan status", "Overdue")  # 逾期
    RENEWED = "renewed", pgettext_lazy("loan status", "Renewed")  # 无还本续贷: carried on by a new loan


class Loan(models.Model):
    """A loan a bank disbursed (放款) on an application, created by the disbursement in its
    transaction with the approval's terms. What the bank declared at approval is kept as it
    was: first loan (首贷: the enterprise's first loan from any bank), pure credit (纯信用),
    renewal without repaying principal first (无还本续贷).

    ``region_code`` and ``category`` are the application's, so statistics group without
    joins. ``counts_as_first_loan_enterprise`` marks the one loan under which an enterprise
    counts as a first-loan enterprise (首贷户): its earliest loan declared first, so that it is
    counted once however many banks declared a first loan (lending/loan_counters.py keeps it)."""

    application = models.OneToOneField("lending.Application", on_delete=models.PROTECT, related_name="loan")
    bank = models.ForeignKey("hub.Organization", on_delete=models.PROTECT, related_name="loans_made")
    enterprise = models.ForeignKey("hub.Organization", on_delete=models.PROTECT, related_name="loans")
    region_code = models.CharField(max_length=6)
    category = models.CharField(max_length=32)
    contract_no = models.CharField(max_length=64, blank=True)
    amount = models.DecimalField(_("amount"), max_digits=14, decimal_places=2)
    rate = models.DecimalField(_("rate"), max_digits=7, decimal_places=4)
    term_months = models.PositiveSmallIntegerField(_("term (months)"))
    guarantee = models.CharField(_("guarantee"), max_length=12, choices=Guarantee.choices)
    pure_credit = models.BooleanField(default=False)  # 纯信用
    first_loan = models.BooleanField(default=False)  # 首贷, as the bank declares it
    renewal = models.BooleanField(default=False)  # 无还本续贷
    disbursed_on = models.DateField()
    matures_on = models.DateField()
    status = models.CharField(max_length=8, choices=LoanStatus.choices, default=LoanStatus.ACTIVE)
    counts_as_first_loan_enterprise = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        indexes = [
            models.Index(fields=["bank", "-id"], name="loan_bank_recent"),
            models.Index(fields=["enterprise", "disbursed_on"], name="loan_enterprise_disbursed"),
            models.Index(fields=["disbursed_on"], name="loan_disbursed_on"),
        ]
        constraints = [models.CheckConstraint(condition=models.Q(amount__gt=0), name="loan_amount_positive")]

    def __str__(self) -> str:
        return f"loan #{self.pk}"


class LoanReport(models.Model):
    """A bank's figures of one loan for one month (贷后月报): the balance at the month's end,
    what was repaid in it, days overdue, the loan's status. One per loan and month: the
    same figures again change nothing, different ones correct the month (audited)."""

    loan = models.ForeignKey(Loan, on_delete=models.PROTECT, related_name="reports")
    month = models.DateField()  # the first day of the month reported
    balance = models.DecimalField(max_digits=14, decimal_places=2)
    principal_repaid = models.DecimalField(max_digits=14, decimal_places=2)
    interest_repaid = models.DecimalField(max_digits=14, decimal_places=2)
    overdue_days = models.PositiveIntegerField(default=0)
    status = models.CharField(max_length=8, choices=LoanStatus.choices)
    # A renewal without repayment: the new loan that carries this one on.
    renewal_loan = models.ForeignKey(
        Loan, on_delete=models.PROTECT, null=True, blank=True, related_name="renews_reports"
    )
    reported_at = models.DateTimeField()
    corrected_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["loan", "month"]
        constraints = [
            models.UniqueConstraint(fields=["loan", "month"], name="loan_report_one_per_month"),
            models.CheckConstraint(condition=models.Q(balance__gte=0), name="loan_report_balance_not_negative"),
        ]


class LoanCounters(models.Model):
    """Running totals of the loan book per month, district, bank and category, kept in the
    transaction of every loan and report (lending/loan_counters.py) and rebuilt by
    ``manage.py rebuild_lending_stats``. Flow figures (loans …renewals) count loans by the
    month they were disbursed; stock figures (reported_loans, balance, overdue_balance) sum
    the reports of the month."""

    month = models.DateField()
    region_code = models.CharField(max_length=6)
    bank_id = models.BigIntegerField()
    category = models.CharField(max_length=32)
    loans = models.IntegerField(default=0)
    loan_amount = models.DecimalField(max_digits=18, decimal_places=2, default=0)
    pure_credit_amount = models.DecimalField(max_digits=18, decimal_places=2, default=0)
    rate_amount = models.DecimalField(max_digits=24, decimal_places=6, default=0)  # Σ rate × amount
    renewals = models.IntegerField(default=0)
    first_loan_enterprises = models.IntegerField(default=0)
    reported_loans = models.IntegerField(default=0)
    balance = models.DecimalField(max_digits=18, decimal_places=2, default=0)
    overdue_balance = models.DecimalField(max_digits=18, decimal_places=2, default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["month", "region_code", "bank_id", "category"], name="loan_counters_key")
        ]
