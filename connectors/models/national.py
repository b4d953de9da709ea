"""The link with the national platform (全国中小企业融资综合信用服务平台), docs/national-uplink.md.

Up: every fact the hub reports is a row of :class:`UplinkFact`, written in the transaction of
the change it reports (an outbox); :class:`UplinkBatch` is one delivery of some of them, a
leased job. Down: :class:`NationalDemand` is a financing demand posted nationally and placed
in the hub. :class:`NationalLink` holds the link's state (paused, back-off, the downlink's
cursor); :class:`UplinkReconciliation` is one day's comparison of both sides' counts.
"""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from hub.models.jobs import LeasedJob


class NationalLink(models.Model):
    """The one row (pk 1) of the link's state; ``NationalLink.get()`` makes it when missing."""

    paused = models.BooleanField(default=False)
    paused_at = models.DateTimeField(null=True, blank=True)
    # Consecutive failed deliveries; the next one waits until retry_at (backoff with jitter).
    failures = models.PositiveIntegerField(default=0)
    retry_at = models.DateTimeField(null=True, blank=True)
    last_error = models.CharField(max_length=300, blank=True)
    last_error_at = models.DateTimeField(null=True, blank=True)
    last_acknowledged_at = models.DateTimeField(null=True, blank=True)
    # The downlink: the national platform's cursor of its demands for this province.
    demands_cursor = models.CharField(max_length=500, blank=True)
    demands_pulled_at = models.DateTimeField(null=True, blank=True)
    demands_error = models.CharField(max_length=300, blank=True)

    @classmethod
    def get(cls, *, lock: bool = False) -> NationalLink:
        cls.objects.get_or_create(pk=1)
        queryset = cls.objects.select_for_update() if lock else cls.objects
        return queryset.get(pk=1)


class UplinkBatch(LeasedJob):
    """One delivery of facts, in sequence order. One is sent (running) at a time, and one
    more may be formed ahead of it (queued), sent only after it, so facts leave in order; a
    run whose worker died leaves it running, and the reaper queues it again: it is sent again
    whole (the national side dedupes by key)."""

    class Status(models.TextChoices):
        QUEUED = "queued", _("Queued")
        RUNNING = "running", _("Sending")
        ACKNOWLEDGED = "acknowledged", _("Acknowledged")
        FAILED = "failed", _("Failed")

    OPEN = (Status.QUEUED, Status.RUNNING)

    # A constant: the partial unique constraints on it allow one running and one queued batch.
    lane = models.CharField(max_length=8, default="national", editable=False)
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.QUEUED)
    first_sequence = models.BigIntegerField()
    last_sequence = models.BigIntegerField()
    size = models.PositiveIntegerField()
    accepted = models.PositiveIntegerField(default=0)
    rejected = models.PositiveIntegerField(default=0)
    error = models.CharField(max_length=300, blank=True)

    class Meta:
        constraints = [
            # One batch sent at a time, and one formed ahead of it.
            models.UniqueConstraint(fields=["lane"], condition=Q(status="running"), name="uplink_batch_one_running"),
            models.UniqueConstraint(fields=["lane"], condition=Q(status="queued"), name="uplink_batch_one_queued"),
        ]
        indexes = [models.Index(fields=["status", "lease_until"], name="uplink_batch_status_lease")]


class UplinkFact(models.Model):
    """One fact for the national platform. ``id`` is its hub-wide sequence number.

    Pending: no batch and not parked. Sent: in a batch; acknowledged when its batch is
    (unless the national side rejected it: then it is parked with the reason, and shown to
    the operator, who may send it again)."""

    fact_type = models.CharField(max_length=40)
    schema = models.CharField(max_length=100)
    idempotency_key = models.CharField(max_length=200)
    occurred_at = models.DateTimeField()
    data = models.JSONField()
    # Neither an index nor a foreign key constraint of its own: a batch's facts are found by its
    # sequence range (the primary key), and batches are never deleted; marking a million facts
    # then writes no index entry and checks no constraint per fact beyond the row itself.
    batch = models.ForeignKey(
        UplinkBatch,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="facts",
        db_index=False,
        db_constraint=False,
    )
    parked = models.BooleanField(default=False)
    reason_code = models.CharField(max_length=64, blank=True)
    reason = models.CharField(max_length=500, blank=True)
    parked_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        # A constraint, not unique=True, which would add a second (pattern) index nobody reads.
        constraints = [models.UniqueConstraint(fields=["idempotency_key"], name="uplink_fact_key_unique")]
        indexes = [
            # The sender's next facts, in sequence order.
            models.Index(fields=["id"], condition=Q(batch__isnull=True, parked=False), name="uplink_fact_pending"),
            models.Index(fields=["-parked_at"], condition=Q(parked=True), name="uplink_fact_parked"),
            models.Index(fields=["occurred_at", "fact_type"], name="uplink_fact_day"),
        ]


class NationalDemand(models.Model):
    """A financing demand posted on the national platform for an enterprise of the province.
    Placed: an open demand of the hub (``application_id``) that banks of the region claim;
    unplaced: the hub could not take it (``reason``), which the uplink reports too."""

    class Status(models.TextChoices):
        PLACED = "placed", _("Placed as an open demand")
        UNPLACED = "unplaced", _("Not placed")

    national_id = models.CharField(max_length=64, unique=True)
    uscc = models.CharField(max_length=18)
    region_code = models.CharField(max_length=6)
    status = models.CharField(max_length=10, choices=Status.choices)
    application_id = models.BigIntegerField(null=True, blank=True, unique=True)
    reason = models.CharField(max_length=64, blank=True)
    received_at = models.DateTimeField(auto_now_add=True)


class UplinkReconciliation(models.Model):
    """One day's counts per fact type on both sides, and where they differ."""

    day = models.DateField(unique=True)
    hub_counts = models.JSONField(default=dict)
    national_counts = models.JSONField(default=dict)
    differences = models.JSONField(default=list)
    error = models.CharField(max_length=300, blank=True)
    ran_at = models.DateTimeField()

    class Meta:
        ordering = ["-day"]
