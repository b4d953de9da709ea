from __future__ import annotations

from django.db import models

from hub.fields import EncryptedJSONField


class CreditRecord(models.Model):
    """One normalized credit record of an enterprise, as a connector served it.

    ``data`` is encrypted at rest. A record is unique per (connector, category, source_id),
    so a page served twice or a pull run twice stores nothing twice; ``fingerprint`` tells
    whether a re-served record changed. ``repair_notice_due_on`` is the one fact kept in
    the clear, for penalties only: the day the publicity period of an unrepaired penalty
    ends, so the repair-notice job can find them without decrypting every record.
    """

    # No single-column indexes: (enterprise, category) and the unique (connector, category,
    # source_id) lead with these columns, and every pulled page writes to this table.
    enterprise = models.ForeignKey(
        "hub.Organization", on_delete=models.CASCADE, related_name="credit_records", db_index=False
    )
    connector = models.ForeignKey(
        "connectors.Connector", on_delete=models.PROTECT, related_name="records", db_index=False
    )
    category = models.CharField(max_length=20)
    source_id = models.CharField(max_length=128)
    occurred_on = models.DateField(null=True)
    data = EncryptedJSONField()
    fingerprint = models.CharField(max_length=64)
    fetched_at = models.DateTimeField()
    repair_notice_due_on = models.DateField(null=True, blank=True)
    repair_notice_sent = models.BooleanField(default=False)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["connector", "category", "source_id"], name="credit_record_source_unique"),
        ]
        indexes = [
            models.Index(fields=["enterprise", "category"], name="credit_record_enterprise_cat"),
            models.Index(
                fields=["repair_notice_due_on"],
                name="credit_record_repair_due",
                condition=models.Q(repair_notice_sent=False, repair_notice_due_on__isnull=False),
            ),
        ]
