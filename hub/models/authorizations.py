from __future__ import annotations

from datetime import timedelta

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from hub.models.verification import Signer

#: The purpose of an enterprise's pull of its own records (自查, for its own credit report).
#: No authorization carries it: the enterprise needs no consent to read itself, so it is no
#: choice of :class:`Authorization.Purpose`; platforms see it in the query's authorization.
SELF_PURPOSE = "self"


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
        # Waiting for a second signer (双人签署); no receipt yet, reads nothing.
        PENDING_SIGNATURES = "pending_signatures", _("Awaiting signatures")
        ACTIVE = "active", _("Active")
        REVOKED = "revoked", _("Revoked")
        EXPIRED = "expired", _("Expired")

    enterprise = models.ForeignKey("hub.Organization", on_delete=models.PROTECT, related_name="authorizations_granted")
    bank = models.ForeignKey("hub.Organization", on_delete=models.PROTECT, related_name="authorizations_received")
    scopes = models.JSONField(_("scopes"))
    purpose = models.CharField(_("purpose"), max_length=16, choices=Purpose.choices)
    status = models.CharField(_("status"), max_length=20, choices=Status.choices, default=Status.ACTIVE)
    granted_at = models.DateTimeField(_("granted at"), default=timezone.now)
    expires_at = models.DateTimeField(_("expires at"))
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True)
    # The loan application this consent is tied to, if any (validated by the lending app).
    application_id = models.BigIntegerField(null=True, blank=True)
    granted_by = models.ForeignKey("hub.User", on_delete=models.PROTECT, related_name="+")
    receipt = models.TextField(_("receipt"), editable=False)
    # The receipt's entry in a signed status list (IETF Token Status List): given when the
    # receipt is issued, its bit reads 1 once the authorization is revoked.
    status_list = models.ForeignKey("hub.StatusList", on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    status_index = models.PositiveIntegerField(null=True, blank=True)

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
            models.UniqueConstraint(
                fields=["status_list", "status_index"],
                condition=models.Q(status_list__isnull=False),
                name="authorization_status_entry_unique",
            ),
        ]

    def __str__(self) -> str:
        return f"#{self.pk} {self.enterprise_id}→{self.bank_id} {self.status}"

    #: How long an authorization may wait for its second signer before it expires unsigned.
    SIGNING_WINDOW = timedelta(days=7)

    @property
    def is_in_force(self) -> bool:
        return self.status == self.Status.ACTIVE and self.expires_at > timezone.now()

    @property
    def status_now(self) -> Status:
        """The status at this instant: an active one past its expiry is expired already,
        before the scheduled task records it."""
        if self.status == self.Status.ACTIVE and not self.is_in_force:
            return self.Status.EXPIRED
        if self.status == self.Status.PENDING_SIGNATURES and self.signing_deadline <= timezone.now():
            return self.Status.EXPIRED
        return self.Status(self.status)

    @property
    def signing_deadline(self):
        return min(self.granted_at + self.SIGNING_WINDOW, self.expires_at)


class AuthorizationSignature(models.Model):
    """One signer's signature on an authorization: the grantor's first, a second signer's
    where the enterprise requires two for one of its categories."""

    authorization = models.ForeignKey(Authorization, on_delete=models.CASCADE, related_name="signatures")
    user = models.ForeignKey("hub.User", on_delete=models.PROTECT, related_name="+")
    role = models.CharField(max_length=24, choices=Signer.Role.choices)
    person = models.CharField(max_length=64)
    signed_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["authorization", "user"], name="signature_once_per_user"),
            models.UniqueConstraint(fields=["authorization", "person"], name="signature_once_per_person"),
        ]
        ordering = ["signed_at", "pk"]
