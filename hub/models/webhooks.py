"""Webhooks (Standard Webhooks, https://www.standardwebhooks.com/): the endpoints an
organization registers, the event outbox, one delivery per event and endpoint, and every
attempt made to deliver it."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from hub.fields import EncryptedTextField
from hub.models.jobs import LeasedJob


class WebhookEndpoint(models.Model):
    """Where an organization's own system wants the events it subscribed to. The secret signs
    every delivery; after a rotation the previous one signs too until ``previous_secret_until``,
    so the receiver can switch over without losing a delivery."""

    class Status(models.TextChoices):
        ACTIVE = "active", _("Active")
        PAUSED = "paused", _("Paused")
        # The receiver answered 410 Gone: nothing is sent until an admin resumes it.
        DISABLED = "disabled", _("Disabled")

    organization = models.ForeignKey("hub.Organization", on_delete=models.CASCADE, related_name="webhook_endpoints")
    url = models.URLField(_("URL"), max_length=500)
    description = models.CharField(_("description"), max_length=200, blank=True)
    event_types = models.JSONField(_("event types"), default=list)
    secret = EncryptedTextField()
    previous_secret = EncryptedTextField(blank=True, default="")
    previous_secret_until = models.DateTimeField(null=True, blank=True)
    status = models.CharField(_("status"), max_length=16, choices=Status.choices, default=Status.ACTIVE)
    disabled_reason = models.CharField(max_length=200, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        indexes = [models.Index(fields=["organization", "status"], name="webhook_endpoint_org_status")]

    def __str__(self) -> str:
        return self.url


class WebhookEvent(models.Model):
    """The outbox: one row per event and organization it concerns, written in the transaction
    of the change it reports. ``public_id`` is the ``webhook-id`` of every delivery of it, on
    every attempt and replay, so a receiver can drop what it has already seen."""

    public_id = models.CharField(max_length=40, unique=True)
    organization = models.ForeignKey("hub.Organization", on_delete=models.CASCADE, related_name="webhook_events")
    type = models.CharField(_("event type"), max_length=64)
    # What the event is about ("application:12"): deliveries to one endpoint keep its order.
    object_key = models.CharField(max_length=80)
    data = models.JSONField(default=dict)
    # "At most once" for scheduled events (an authorization expiring, a deadline approaching).
    dedupe_key = models.CharField(max_length=120, unique=True, null=True, blank=True)
    occurred_at = models.DateTimeField()

    class Meta:
        indexes = [models.Index(fields=["organization", "occurred_at"], name="webhook_event_org_time")]

    def __str__(self) -> str:
        return f"{self.type} {self.public_id}"


class WebhookDelivery(LeasedJob):
    """One event to one endpoint: a leased job, so a worker killed mid-attempt is found by the
    reaper within a lease and the delivery is made again, with the same ``webhook-id``."""

    class Status(models.TextChoices):
        QUEUED = "queued", _("Queued")
        SENDING = "sending", _("Sending")
        RETRYING = "retrying", _("Retrying")
        DELIVERED = "delivered", _("Delivered")
        # Dead-lettered: every attempt in the retry window failed, or the endpoint is gone.
        DEAD = "dead", _("Failed")

    event = models.ForeignKey(WebhookEvent, on_delete=models.CASCADE, related_name="deliveries")
    endpoint = models.ForeignKey(WebhookEndpoint, on_delete=models.CASCADE, related_name="deliveries")
    object_key = models.CharField(max_length=80)
    status = models.CharField(_("status"), max_length=16, choices=Status.choices, default=Status.QUEUED)
    attempts = models.PositiveIntegerField(default=0)
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    last_status_code = models.PositiveIntegerField(null=True, blank=True)
    last_error = models.CharField(max_length=300, blank=True)
    delivered_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [
            # Order per object per endpoint: "is an earlier one still on its way?"
            models.Index(fields=["endpoint", "object_key", "id"], name="webhook_delivery_order"),
            models.Index(fields=["status", "next_attempt_at"], name="webhook_delivery_due"),
            models.Index(fields=["endpoint", "-id"], name="webhook_delivery_endpoint"),
        ]


class WebhookAttempt(models.Model):
    """One HTTP request of a delivery, as it went: the status (none when no answer came), the
    time it took, the first bytes of the answer, or the error."""

    delivery = models.ForeignKey(WebhookDelivery, on_delete=models.CASCADE, related_name="attempt_log")
    at = models.DateTimeField()
    status_code = models.PositiveIntegerField(null=True, blank=True)
    latency_ms = models.PositiveIntegerField(default=0)
    response_excerpt = models.CharField(max_length=500, blank=True)
    error = models.CharField(max_length=300, blank=True)

    class Meta:
        indexes = [models.Index(fields=["delivery", "id"], name="webhook_attempt_delivery")]
