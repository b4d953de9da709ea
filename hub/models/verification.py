"""Who an enterprise is, and who may speak for it.

A registration does not own its USCC: anyone can register any code, so nothing an
unverified registration says counts. Verification (by one of the methods in
``hub/verification/``) makes a registration the code's *holder*; the database allows one
holder per USCC. Only the holder's signers — its legal representative (法定代表人) and the
agents (经办人) they appointed — can consent to credit data being shared.
"""

from __future__ import annotations

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from hub.fields import EncryptedTextField


class Verification(models.Model):
    """The verification state of one enterprise registration (one row per registration)."""

    class Status(models.TextChoices):
        UNVERIFIED = "unverified", _("Unverified")
        VERIFIED = "verified", _("Verified")
        REJECTED = "rejected", _("Rejected")
        SUSPENDED = "suspended", _("Suspended")

    class Level(models.TextChoices):
        # Assurance of the identity proof, named as eIDAS names its levels.
        SUBSTANTIAL = "substantial", _("Substantial")
        HIGH = "high", _("High")

    #: The states in which a registration holds its USCC (at most one per code).
    HOLDING = (Status.VERIFIED, Status.SUSPENDED)

    enterprise = models.OneToOneField(
        "hub.Organization", on_delete=models.CASCADE, primary_key=True, related_name="verification"
    )
    # The registration's USCC, copied (a code never changes) so the database itself can
    # refuse a second holder with a partial unique index.
    uscc = models.CharField(_("unified social credit code"), max_length=18)
    status = models.CharField(_("status"), max_length=12, choices=Status.choices, default=Status.UNVERIFIED)
    method = models.CharField(_("method"), max_length=32, blank=True)
    level = models.CharField(_("level"), max_length=12, choices=Level.choices, blank=True)
    verified_at = models.DateTimeField(_("verified at"), null=True, blank=True)
    decided_by = models.ForeignKey(
        "hub.User", on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("decided by")
    )
    reason = models.CharField(_("reason"), max_length=500, blank=True)
    # A closed registration lost its USCC to another that verified first; it stays readable
    # to its own people, with the reason, and can do nothing else.
    closed = models.BooleanField(_("closed"), default=False)
    # {"tax": 2, …}: categories whose authorizations need two signers (双人签署).
    signers_required = models.JSONField(_("signers required"), default=dict, blank=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["uscc"],
                condition=models.Q(status__in=["verified", "suspended"]),
                name="verification_one_holder",
            ),
            models.CheckConstraint(
                condition=models.Q(status__in=["unverified", "verified", "rejected", "suspended"]),
                name="verification_status_known",
            ),
        ]
        indexes = [models.Index(fields=["uscc", "status"], name="verification_uscc_status")]
        verbose_name = _("verification")
        verbose_name_plural = _("verifications")

    def __str__(self) -> str:
        return f"{self.uscc} {self.status}"

    @property
    def is_verified(self) -> bool:
        return self.status == self.Status.VERIFIED

    def signers_needed(self, categories) -> int:
        """How many signers an authorization for ``categories`` needs: the most any of them asks."""
        return max([1, *(int(self.signers_required.get(category, 1)) for category in categories)])


class Signer(models.Model):
    """A person who may sign for an enterprise: its legal representative, or an agent (经办人)
    appointed by the legal representative (or by an e-licence agent claim, or an approved
    letter of authorization, 授权委托书), for some categories until a time.

    ``person`` is a pseudonym of the human being (keyed hash of the ID number, or of the
    identity provider's subject), so receipts can name the same person across registrations
    without carrying personal data.
    """

    class Role(models.TextChoices):
        LEGAL_REPRESENTATIVE = "legal_representative", _("Legal representative")
        AGENT = "agent", _("Agent")

    enterprise = models.ForeignKey("hub.Organization", on_delete=models.CASCADE, related_name="signers")
    user = models.ForeignKey("hub.User", on_delete=models.CASCADE, related_name="signer_roles")
    role = models.CharField(_("role"), max_length=24, choices=Role.choices)
    # Categories an agent may sign for; empty for the legal representative (every category).
    scopes = models.JSONField(_("scopes"), default=list, blank=True)
    expires_at = models.DateTimeField(_("expires at"), null=True, blank=True)
    person = models.CharField(_("person"), max_length=64)
    # How the role was given: a verification method or "appointment".
    source = models.CharField(_("source"), max_length=32)
    appointed_by = models.ForeignKey("hub.User", on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    ended_at = models.DateTimeField(_("ended at"), null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["enterprise"],
                condition=models.Q(role="legal_representative", ended_at__isnull=True),
                name="signer_one_legal_representative",
            ),
            models.UniqueConstraint(
                fields=["enterprise", "user"],
                condition=models.Q(ended_at__isnull=True),
                name="signer_one_role_per_user",
            ),
        ]
        indexes = [models.Index(fields=["user", "ended_at"], name="signer_user_current")]
        verbose_name = _("signer")
        verbose_name_plural = _("signers")

    def __str__(self) -> str:
        return f"{self.user_id} {self.role} of {self.enterprise_id}"

    @property
    def is_current(self) -> bool:
        return self.ended_at is None and (self.expires_at is None or self.expires_at > timezone.now())

    def covers(self, categories) -> bool:
        return self.role == self.Role.LEGAL_REPRESENTATIVE or set(categories) <= set(self.scopes)


class VerificationAttempt(models.Model):
    """A question about a USCC that reached an identity source: counted for the attempt
    limit (so the hub cannot be used to test ID numbers), whichever registration asked."""

    uscc = models.CharField(max_length=18)
    enterprise = models.ForeignKey("hub.Organization", on_delete=models.CASCADE, related_name="+")
    user = models.ForeignKey("hub.User", on_delete=models.SET_NULL, null=True, related_name="+")
    method = models.CharField(max_length=32)
    # "pending" while the question is out; then match, mismatch or unknown_subject.
    result = models.CharField(max_length=20, default="pending")
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        indexes = [models.Index(fields=["uscc", "at"], name="verification_attempt_recent")]


class DocumentReview(models.Model):
    """The ``document_review`` method: the business licence (and, for an agent, the letter
    of authorization signed by the legal representative), kept encrypted, awaiting a
    reviewer who is not the uploader."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Pending review")
        APPROVED = "approved", _("Approved")
        REJECTED = "rejected", _("Rejected")

    enterprise = models.ForeignKey("hub.Organization", on_delete=models.CASCADE, related_name="document_reviews")
    uploaded_by = models.ForeignKey("hub.User", on_delete=models.PROTECT, related_name="+")
    uploaded_at = models.DateTimeField(default=timezone.now)
    # Base64 of the file's bytes, encrypted as one envelope; the media type was sniffed.
    licence = EncryptedTextField()
    licence_type = models.CharField(max_length=32)
    letter = EncryptedTextField(blank=True)
    letter_type = models.CharField(max_length=32, blank=True)
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.PENDING)
    decided_by = models.ForeignKey("hub.User", on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    decided_at = models.DateTimeField(null=True, blank=True)
    reason = models.CharField(max_length=500, blank=True)

    class Meta:
        indexes = [models.Index(fields=["status", "uploaded_at"], name="document_review_queue")]
        constraints = [
            models.UniqueConstraint(
                fields=["enterprise"], condition=models.Q(status="pending"), name="document_review_one_pending"
            ),
        ]

    @property
    def for_agent(self) -> bool:
        return bool(self.letter_type)


class StatusList(models.Model):
    """An IETF Token Status List of receipts (one bit each: 1 = revoked). The bits are not
    stored: they are read from the authorizations that hold an index in this list, so a
    revocation shows the moment it commits."""

    size = models.PositiveIntegerField(default=131072)
    next_index = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(default=timezone.now)
