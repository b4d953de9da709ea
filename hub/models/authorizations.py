from __future__ import annotations

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class Authorization(models.Model):
    """An enterprise's consent (授权) for one bank to read some credit categories, for one
    purpose, until a time. The only door through which a bank sees credit data.

    ``status`` is what was recorded; :attr:`is_in_force` is what counts at read time, so an
    authorization past its ``expires_at`` stops working at once even before the scheduled
    task records the expiry.
    """

    class Purpose(models.TextChoices):
        LOAN_REVIEW = "loan_review", _("Loan review")  # 贷前审查
        PRE_CREDIT = "pre_credit", _("Pre-credit assessment")  # 预授信
        POST_LOAN = "post_loan", _("Post-loan management")  # 贷后管理

    class Status(models.TextChoices):
        ACTIVE = "active", _("Active")
        REVOKED = "revoked", _("Revoked")
        EXPIRED = "expired", _("Expired")

    enterprise = models.ForeignKey("hub.Organization", on_delete=models.PROTECT, related_name="authorizations_granted")
    bank = models.ForeignKey("hub.Organization", on_delete=models.PROTECT, related_name="authorizations_received")
    scopes = models.JSONField(_("scopes"))
    purpose = models.CharField(_("purpose"), max_length=16, choices=Purpose.choices)
    status = models.CharField(_("status"), max_length=8, choices=Status.choices, default=Status.ACTIVE)
    granted_at = models.DateTimeField(_("granted at"), default=timezone.now)
    expires_at = models.DateTimeField(_("expires at"))
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True)
    # The loan application this consent is tied to, if any (validated by the lending app).
    application_id = models.BigIntegerField(null=True, blank=True)
    granted_by = models.ForeignKey("hub.User", on_delete=models.PROTECT, related_name="+")
    receipt = models.TextField(_("receipt"), editable=False)

    class Meta:
        indexes = [
            models.Index(fields=["bank", "enterprise", "status"], name="authorization_bank_enterprise"),
            models.Index(fields=["status", "expires_at"], name="authorization_status_expiry"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(purpose__in=["loan_review", "pre_credit", "post_loan"]),
                name="authorization_purpose_known",
            ),
        ]

    def __str__(self) -> str:
        return f"#{self.pk} {self.enterprise_id}→{self.bank_id} {self.status}"

    @property
    def is_in_force(self) -> bool:
        return self.status == self.Status.ACTIVE and self.expires_at > timezone.now()

    @property
    def status_now(self) -> Status:
        """The status at this instant: an active one past its expiry is expired already,
        before the scheduled task records it."""
        if self.status == self.Status.ACTIVE and not self.is_in_force:
            return self.Status.EXPIRED
        return self.Status(self.status)
