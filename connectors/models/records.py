from __future__ import annotations

from django.db import models

from hub.fields import EncryptedJSONField, EncryptedTextField


class CreditRecord(models.Model):
    """One normalized credit record of an enterprise, as a connector served it.

    ``data``, ``category`` and ``source_id`` are encrypted at rest; the blind indexes
    ``source_key`` and ``category_key`` (connectors/record_keys.py) find them. A record is
    unique per (connector, source_key), so a page served twice or a pull run twice stores
    nothing twice; ``fingerprint`` (keyed too) tells whether a re-served record changed.
    ``occurred_on`` stays clear (the profile's order; without the category it says only that
    something happened that day), and so does ``repair_notice_due_on``, set for unrepaired
    penalties only, so the repair-notice job finds them without decrypting every record.
    """

    # No single-column indexes: (enterprise, category_key) and the unique (connector,
    # source_key) lead with these columns, and every pulled page writes to this table.
    enterprise = models.ForeignKey(
        "hub.Organization", on_delete=models.CASCADE, related_name="credit_records", db_index=False
    )
    connector = models.ForeignKey(
        "connectors.Connector", on_delete=models.PROTECT, related_name="records", db_index=False
    )
    category = EncryptedTextField()
    category_key = models.CharField(max_length=64)
    source_id = EncryptedTextField()
    source_key = models.CharField(max_length=64)
    occurred_on = models.DateField(null=True)
    data = EncryptedJSONField()
    fingerprint = models.CharField(max_length=64)
    fetched_at = models.DateTimeField()
    repair_notice_due_on = models.DateField(null=True, blank=True)
    repair_notice_sent = models.BooleanField(default=False)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["connector", "source_key"], name="credit_record_source_key_unique"),
        ]
        indexes = [
            models.Index(fields=["enterprise", "category_key"], name="credit_record_enterprise_key"),
            models.Index(
                fields=["repair_notice_due_on"],
                name="credit_record_repair_due",
                condition=models.Q(repair_notice_sent=False, repair_notice_due_on__isnull=False),
            ),
        ]
