from __future__ import annotations

from django.core.serializers.json import DjangoJSONEncoder
from django.db import models


class AuditChainHead(models.Model):
    """The newest link of one audit chain. Appending locks this row, which serializes the
    writers of one chain (no fork) while chains of different organizations proceed in
    parallel."""

    chain = models.CharField(max_length=40, unique=True)
    sequence = models.BigIntegerField(default=0)
    last_hash = models.CharField(max_length=64, default="0" * 64)
    # How many of the chain's first events were hashed without a key, before the chain was
    # keyed (migration 0009); the first audit checkpoint seals that figure outside the database.
    legacy_sequence = models.BigIntegerField(default=0)


class AuditEvent(models.Model):
    """One append-only, hash-chained audit event.

    ``hash`` is an HMAC (``hash_scheme`` HMAC-SHA256 or HMAC-SM3, under the audit key
    ``key_id`` of ``HUB_AUDIT_KEYS``, which is not in the database) over the event's canonical
    form including ``prev_hash``, so changing or removing any stored event breaks every later
    link, and whoever can write the table still cannot recompute them (``manage.py
    verify_audit``). Events written before the chain was keyed keep their plain SHA-256
    (``hash_scheme`` ``sha256``). The database refuses UPDATE and DELETE on this table (see
    migration 0002). Actors and objects are stored as plain values, not foreign keys: the log
    must outlive what it describes.
    """

    chain = models.CharField(max_length=40)
    sequence = models.BigIntegerField()
    at = models.DateTimeField()
    action = models.CharField(max_length=64)
    actor_user_id = models.BigIntegerField(null=True)
    actor_username = models.CharField(max_length=150, blank=True)
    actor_organization_id = models.BigIntegerField(null=True)
    organization_id = models.BigIntegerField(null=True)
    object_type = models.CharField(max_length=64, blank=True)
    object_id = models.CharField(max_length=64, blank=True)
    data = models.JSONField(default=dict, encoder=DjangoJSONEncoder)
    prev_hash = models.CharField(max_length=64)
    hash = models.CharField(max_length=64)
    hash_scheme = models.CharField(max_length=16)
    key_id = models.CharField(max_length=32, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["chain", "sequence"], name="audit_event_chain_sequence_unique")]
        indexes = [
            # The access log: one organization's events of some actions, newest first by id.
            models.Index(fields=["organization_id", "action", "-id"], name="audit_event_org_action_id"),
            models.Index(fields=["object_type", "object_id"], name="audit_event_object"),
        ]

    def __str__(self) -> str:
        return f"{self.chain}#{self.sequence} {self.action}"
