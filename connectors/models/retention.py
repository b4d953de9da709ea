"""Retention and fair use per purpose (留存期限与合理使用), and the records' holders.

Credit records are stored once per connector and source id, whichever bank's pull brought
them (connectors/services/records.py): two banks reading one enterprise share its rows. So a
record is not "a bank's"; an authorization *holds* it (:class:`CreditRecordHold`) from the
first pull under that authorization that received it. Retention releases an authorization's
holds once the policy of its purpose says so, and a record goes when its last holder let it
go: records other authorizations, of this bank or another, still hold are never touched.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class RetentionPolicy(models.Model):
    """What the hub operator allows for one purpose (贷前审查, 预授信, 贷后管理): how often
    one authorization may pull, how far back (by default; :class:`CategoryLookback` per
    category), and how many days pulled records are kept after the authorization ends or
    the application it was granted for is decided."""

    purpose = models.CharField(_("purpose"), max_length=16, unique=True)
    # None: no cap. Counted over the 24 hours before a pull starts, per authorization.
    pulls_per_day = models.PositiveIntegerField(_("pulls a day per authorization"), null=True, blank=True)
    # None: everything the platform keeps.
    lookback_months = models.PositiveIntegerField(_("months back (every category)"), null=True, blank=True)
    keep_days = models.PositiveIntegerField(_("days kept after the authorization or application ends"))
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["purpose"]
        verbose_name = _("retention policy")
        verbose_name_plural = _("retention policies")

    def __str__(self) -> str:
        return self.purpose


class CategoryLookback(models.Model):
    """How far back one category may be pulled for the policy's purpose (e.g. 24 months of
    tax for loan review), overriding the policy's own ``lookback_months``."""

    policy = models.ForeignKey(RetentionPolicy, on_delete=models.CASCADE, related_name="lookbacks")
    category = models.CharField(_("category"), max_length=32)
    months = models.PositiveIntegerField(_("months back"))

    class Meta:
        constraints = [models.UniqueConstraint(fields=["policy", "category"], name="category_lookback_unique")]
        ordering = ["policy", "category"]


class CreditRecordHold(models.Model):
    """The authorization under which a pull received the record: what keeps it stored."""

    authorization = models.ForeignKey("hub.Authorization", on_delete=models.CASCADE, related_name="+", db_index=False)
    record = models.ForeignKey("connectors.CreditRecord", on_delete=models.CASCADE, related_name="holds")

    class Meta:
        constraints = [
            # Leads with the authorization: the purge walks one authorization's holds in record order.
            models.UniqueConstraint(fields=["authorization", "record"], name="credit_record_hold_unique"),
        ]


class RecordDeletion(models.Model):
    """One purge of the records an authorization held, and its signed deletion receipt
    (删除回执). Open while its batches run (each adds its counts in its own transaction, so a
    purge that died is continued, not restarted); issued once the authorization holds
    nothing more."""

    class Status(models.TextChoices):
        OPEN = "open", _("In progress")
        ISSUED = "issued", _("Receipt issued")

    authorization = models.ForeignKey("hub.Authorization", on_delete=models.PROTECT, related_name="+")
    enterprise = models.ForeignKey("hub.Organization", on_delete=models.PROTECT, related_name="+")
    bank = models.ForeignKey("hub.Organization", on_delete=models.PROTECT, related_name="+")
    status = models.CharField(max_length=8, choices=Status.choices, default=Status.OPEN)
    reason = models.CharField(max_length=24)
    retention_started_at = models.DateTimeField()
    keep_days = models.PositiveIntegerField()
    # category → records this authorization no longer holds.
    released = models.JSONField(default=dict)
    # Of those, the rows deleted (no other authorization held them).
    deleted = models.PositiveIntegerField(default=0)
    # SHA-256 chain over the released records' source keys, in record order (see the receipt).
    records_digest = models.CharField(max_length=64, default="")
    started_at = models.DateTimeField(auto_now_add=True)
    issued_at = models.DateTimeField(null=True, blank=True)
    receipt = models.TextField(blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["authorization"], condition=models.Q(status="open"), name="record_deletion_one_open"
            ),
        ]
        indexes = [models.Index(fields=["enterprise", "-id"], name="record_deletion_enterprise")]
