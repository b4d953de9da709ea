from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from hub.messages import render_message
from lending.models.products import Guarantee

OPEN_DEMAND = "open_demand"


class Application(models.Model):
    """An enterprise's loan application (在线申请) to a product, or an open financing demand
    (no product) that banks serving its region may claim. One explicit state machine
    (lending/services/applications.py) moves it from submission to disbursement.

    ``region_code``, ``category`` and ``bank`` are kept on the row as they were when the
    application was made, so statistics group by them without joins."""

    class Status(models.TextChoices):
        SUBMITTED = "submitted", _("Submitted")
        ACCEPTED = "accepted", _("Accepted")  # 受理
        APPROVED = "approved", _("Approved")
        REJECTED = "rejected", _("Rejected")
        SIGNED = "signed", _("Signed")  # 签约
        DISBURSED = "disbursed", _("Disbursed")  # 放款
        WITHDRAWN = "withdrawn", _("Withdrawn")

    #: Submitted and not yet at an end (disbursed, rejected, withdrawn).
    IN_PROGRESS = (Status.SUBMITTED, Status.ACCEPTED, Status.APPROVED, Status.SIGNED)

    class RejectReason(models.TextChoices):
        CREDIT_RECORD = "credit_record", _("Credit record does not meet requirements")
        INSUFFICIENT_REPAYMENT = "insufficient_repayment", _("Insufficient repayment capacity")
        OUTSIDE_POLICY = "outside_policy", _("Outside the product's policy")
        INCOMPLETE_MATERIALS = "incomplete_materials", _("Materials incomplete")
        DUPLICATE = "duplicate", _("Duplicate application")
        UNREACHABLE = "unreachable", _("Enterprise could not be reached")
        OTHER = "other", _("Other")

    enterprise = models.ForeignKey("hub.Organization", on_delete=models.PROTECT, related_name="loan_applications")
    product = models.ForeignKey(
        "lending.LoanProduct", on_delete=models.PROTECT, null=True, blank=True, related_name="applications"
    )
    bank = models.ForeignKey("hub.Organization", on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    amount = models.DecimalField(_("amount"), max_digits=14, decimal_places=2)
    term_months = models.PositiveSmallIntegerField(_("term (months)"))
    purpose = models.CharField(_("purpose"), max_length=200)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.SUBMITTED)
    region_code = models.CharField(max_length=6)
    category = models.CharField(max_length=32)
    whitelisted = models.BooleanField(default=False)
    submitted_at = models.DateTimeField()
    accept_due_at = models.DateTimeField()
    accepted_at = models.DateTimeField(null=True, blank=True)
    decided_at = models.DateTimeField(null=True, blank=True)
    signed_at = models.DateTimeField(null=True, blank=True)
    disbursed_at = models.DateTimeField(null=True, blank=True)
    # Approval terms.
    approved_amount = models.DecimalField(max_digits=14, decimal_places=2, null=True, blank=True)
    rate = models.DecimalField(max_digits=7, decimal_places=4, null=True, blank=True)
    approved_term_months = models.PositiveSmallIntegerField(null=True, blank=True)
    guarantee = models.CharField(max_length=12, choices=Guarantee.choices, blank=True)
    first_loan = models.BooleanField(default=False)  # 首贷
    pure_credit = models.BooleanField(default=False)  # 纯信用
    renewal = models.BooleanField(default=False)  # 无还本续贷
    # Rejection.
    reason_code = models.CharField(max_length=32, choices=RejectReason.choices, blank=True)
    reason = models.CharField(max_length=500, blank=True)
    # Signing and disbursement.
    contract_no = models.CharField(max_length=64, blank=True)
    signed_amount = models.DecimalField(max_digits=14, decimal_places=2, null=True, blank=True)
    signed_on = models.DateField(null=True, blank=True)
    disbursed_amount = models.DecimalField(max_digits=14, decimal_places=2, null=True, blank=True)
    disbursed_on = models.DateField(null=True, blank=True)

    class Meta:
        indexes = [
            models.Index(fields=["enterprise", "-id"], name="application_enterprise_recent"),
            models.Index(fields=["bank", "status", "accept_due_at"], name="application_bank_queue"),
            models.Index(fields=["status", "region_code"], name="application_open_demands"),
            models.Index(fields=["submitted_at"], name="application_submitted_at"),
        ]
        constraints = [models.CheckConstraint(condition=models.Q(amount__gt=0), name="application_amount_positive")]

    def __str__(self) -> str:
        return f"application #{self.pk} {self.status}"

    @property
    def is_open_demand(self) -> bool:
        return self.product_id is None


class ApplicationTransition(models.Model):
    """One step of an application's timeline."""

    application = models.ForeignKey(Application, on_delete=models.CASCADE, related_name="transitions")
    from_status = models.CharField(max_length=10, blank=True)
    to_status = models.CharField(max_length=10)
    at = models.DateTimeField()
    actor = models.ForeignKey("hub.User", on_delete=models.PROTECT, related_name="+")
    # Free text as typed (a rejection's reason), or the hub's own note as a stored message
    # (hub.messages), rendered in the reader's language.
    note = models.CharField(max_length=500, blank=True)
    note_message = models.JSONField(null=True, blank=True)

    class Meta:
        ordering = ["at", "id"]

    @property
    def rendered_note(self) -> str:
        return render_message(self.note_message) if self.note_message else self.note
