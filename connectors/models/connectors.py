from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from connectors import registry
from hub.fields import EncryptedTextField
from hub.identifiers import region_covers


class Connector(models.Model):
    """A credit data source that a city platform registered (数据接口): a kind of client, where
    to reach it, which regions and categories it covers, and the credentials the platform
    issued to the hub. Serves pulls only once the hub operator approved it."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Pending approval")
        ACTIVE = "active", _("Active")
        SUSPENDED = "suspended", _("Suspended")

    class Health(models.TextChoices):
        UNKNOWN = "unknown", _("Unknown")
        HEALTHY = "healthy", _("Healthy")
        UNHEALTHY = "unhealthy", _("Unhealthy")

    platform = models.ForeignKey("hub.Organization", on_delete=models.PROTECT, related_name="connectors")
    name = models.CharField(_("name"), max_length=200)
    kind = models.CharField(_("kind"), max_length=32, choices=registry.choices())
    base_url = models.CharField(_("base URL or directory"), max_length=500)
    region_codes = models.JSONField(_("region codes"))
    categories = models.JSONField(_("categories"))
    # Learned from the platform's health answer: "records", and optionally "identity", "disputes".
    capabilities = models.JSONField(_("capabilities"), default=list, blank=True)
    key_id = models.CharField(_("key id"), max_length=100, blank=True)
    secret = EncryptedTextField(_("secret"), blank=True)
    status = models.CharField(_("status"), max_length=12, choices=Status.choices, default=Status.PENDING)
    health_state = models.CharField(max_length=12, choices=Health.choices, default=Health.UNKNOWN)
    health_checked_at = models.DateTimeField(null=True, blank=True)
    health_failures = models.PositiveIntegerField(default=0)
    health_detail = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    approved_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["status"], name="connector_status")]

    def __str__(self) -> str:
        return f"{self.name} ({self.kind})"

    def covers_region(self, region_code: str) -> bool:
        """``410000`` covers ``410100``; ``410100`` covers ``410102`` (API.md)."""
        return region_covers(self.region_codes, region_code)
