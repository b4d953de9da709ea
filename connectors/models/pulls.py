from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from hub.models.jobs import LeasedJob


class PullStatus(models.TextChoices):
    QUEUED = "queued", _("Queued")
    RUNNING = "running", _("Running")
    SUCCEEDED = "succeeded", _("Succeeded")
    PARTIAL = "partial", _("Partial")
    FAILED = "failed", _("Failed")
    # The authorization was revoked or expired, or the enterprise suspended, during the pull:
    # nothing was asked or stored after that, whatever had been stored before stays.
    REVOKED = "revoked", _("Consent ended")


FINISHED = (PullStatus.SUCCEEDED, PullStatus.PARTIAL, PullStatus.FAILED, PullStatus.REVOKED)


class CreditPull(LeasedJob):
    """A bank's request to fetch an enterprise's credit records from every connector that
    covers it: one row for the job, one :class:`PullSource` per connector. An enterprise's
    own pull (for its credit report, purpose ``self``) names no bank and no authorization:
    its people asked, for every category, and only its verification must hold.

    A run holds a lease (``lease_until``) so that a re-delivered task does not run the pull
    twice at once; a run whose worker died simply lets the lease lapse, and the next delivery
    resumes from what the sources recorded."""

    bank = models.ForeignKey(
        "hub.Organization", on_delete=models.PROTECT, null=True, blank=True, related_name="credit_pulls"
    )
    enterprise = models.ForeignKey("hub.Organization", on_delete=models.PROTECT, related_name="+")
    authorization = models.ForeignKey(
        "hub.Authorization", on_delete=models.PROTECT, null=True, blank=True, related_name="credit_pulls"
    )
    categories = models.JSONField()
    # category → the earliest day asked for and stored (the retention policy's look-back,
    # fixed when the pull starts); a category not named is not bounded.
    since = models.JSONField(default=dict)
    status = models.CharField(max_length=10, choices=PullStatus.choices, default=PullStatus.QUEUED)
    requested_by = models.ForeignKey("hub.User", on_delete=models.PROTECT, related_name="+")
    error = models.CharField(max_length=300, blank=True)

    class Meta:
        indexes = [models.Index(fields=["bank", "-id"], name="credit_pull_bank_recent")]
        constraints = [
            # A bank's pull rests on an authorization; the enterprise's own has neither.
            models.CheckConstraint(
                condition=models.Q(bank__isnull=False, authorization__isnull=False)
                | models.Q(bank__isnull=True, authorization__isnull=True),
                name="credit_pull_bank_or_own",
            ),
        ]

    def __str__(self) -> str:
        return f"pull #{self.pk} {self.status}"

    @property
    def is_own(self) -> bool:
        """The enterprise's own pull (purpose ``self``), not a bank's."""
        return self.authorization_id is None


class PullSource(models.Model):
    """One connector's part of a pull, with its own definite end state."""

    pull = models.ForeignKey(CreditPull, on_delete=models.CASCADE, related_name="sources")
    connector = models.ForeignKey("connectors.Connector", on_delete=models.PROTECT, related_name="+")
    categories = models.JSONField()
    status = models.CharField(max_length=10, choices=PullStatus.choices, default=PullStatus.QUEUED)
    records = models.PositiveIntegerField(default=0)
    skipped = models.PositiveIntegerField(default=0)
    error = models.CharField(max_length=300, blank=True)
    # The next page to ask for: a resumed run continues here instead of from the start.
    cursor = models.TextField(blank=True)
    pages = models.PositiveIntegerField(default=0)
    attempts = models.PositiveIntegerField(default=0)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["pull", "connector"], name="pull_source_unique")]
