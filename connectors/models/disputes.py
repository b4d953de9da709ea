from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from hub.fields import EncryptedTextField


class Dispute(models.Model):
    """An enterprise's objection (异议) to one of its credit records, and the row that carries
    it to the platform that served the record (the outbox: ``submitted`` until the platform
    answered 202, then ``forwarded``), and on to its answer.

    The category, source id and reason are encrypted like the record's own; ``source_key`` is
    the record's blind index, so the record is found (and flagged 异议中 in every profile)
    without decrypting anything. A platform without the ``disputes`` capability never sees the
    dispute: it waits in the operator's queue (``route`` operator) and the operator decides it.
    """

    class Status(models.TextChoices):
        SUBMITTED = "submitted", _("Submitted")
        FORWARDED = "forwarded", _("Forwarded to the platform")
        INVESTIGATING = "investigating", _("Under investigation")
        UPHELD = "upheld", _("Upheld")
        REJECTED = "rejected", _("Rejected")

    class Route(models.TextChoices):
        PLATFORM = "platform", _("The platform that served the record")
        OPERATOR = "operator", _("The hub operator")

    class Correction(models.TextChoices):
        NONE = "", _("None")
        PENDING = "pending", _("At the next pull")
        CORRECTED = "corrected", _("Corrected")
        WITHDRAWN = "withdrawn", _("Withdrawn")

    OPEN = (Status.SUBMITTED, Status.FORWARDED, Status.INVESTIGATING)
    RESOLVED = (Status.UPHELD, Status.REJECTED)

    # What the platform knows the dispute by (CDP/1 ``dispute_id``, at most 64 characters).
    reference = models.CharField(max_length=64, unique=True)
    enterprise = models.ForeignKey("hub.Organization", on_delete=models.CASCADE, related_name="disputes")
    connector = models.ForeignKey("connectors.Connector", on_delete=models.PROTECT, related_name="disputes")
    # The record goes when it is withdrawn (or purged); the dispute stays as history.
    record = models.ForeignKey(
        "connectors.CreditRecord", on_delete=models.SET_NULL, null=True, blank=True, related_name="disputes"
    )
    category = EncryptedTextField()
    source_id = EncryptedTextField()
    source_key = models.CharField(max_length=64)
    # The record's fingerprint when the dispute was filed: an upheld dispute's record that
    # comes back changed was corrected; one that comes back unchanged is withdrawn.
    record_fingerprint = models.CharField(max_length=64)
    reason = EncryptedTextField()
    filed_by = models.ForeignKey("hub.User", on_delete=models.PROTECT, related_name="+")
    filed_at = models.DateTimeField()
    due_on = models.DateField()
    route = models.CharField(max_length=10, choices=Route.choices)
    status = models.CharField(max_length=14, choices=Status.choices, default=Status.SUBMITTED)
    resolution = models.TextField(blank=True)
    resolved_at = models.DateTimeField(null=True, blank=True)
    resolved_by = models.ForeignKey("hub.User", on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    correction = models.CharField(max_length=10, choices=Correction.choices, default=Correction.NONE, blank=True)
    corrected_at = models.DateTimeField(null=True, blank=True)
    forwarded_at = models.DateTimeField(null=True, blank=True)
    polled_at = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveIntegerField(default=0)
    last_error = models.CharField(max_length=300, blank=True)
    reminded_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["connector", "source_key"],
                condition=models.Q(status__in=["submitted", "forwarded", "investigating"]),
                name="dispute_one_open_per_record",
            ),
        ]
        indexes = [
            models.Index(fields=["enterprise", "-id"], name="dispute_enterprise_recent"),
            models.Index(fields=["status", "route"], name="dispute_status_route"),
        ]

    def __str__(self) -> str:
        return f"dispute {self.reference} {self.status}"

    @property
    def is_open(self) -> bool:
        return self.status in self.OPEN


class DisputeEvidence(models.Model):
    """A file the enterprise attached to its dispute: kept encrypted (base64 of its bytes),
    typed by its content; the platform is sent its name and SHA-256."""

    dispute = models.ForeignKey(Dispute, on_delete=models.CASCADE, related_name="evidence")
    name = models.CharField(max_length=200)
    media_type = models.CharField(max_length=32)
    size = models.PositiveIntegerField()
    sha256 = models.CharField(max_length=64)
    content = EncryptedTextField()
