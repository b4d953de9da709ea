from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from hub.messages import render_message


class Notification(models.Model):
    """A notice to an organization (without one: to the hub operator): credit repair
    (信用修复主动告知), application status, policy push, a locked account. ``dedupe_key``
    makes "send once" a database guarantee."""

    class Kind(models.TextChoices):
        CREDIT_REPAIR = "credit_repair", _("Credit repair")
        APPLICATION = "application", _("Application")
        POLICY = "policy", _("Policy")
        WHITELIST = "whitelist", _("Whitelist")
        VERIFICATION = "verification", _("Verification")
        CONSENT = "consent", _("Consent")
        SECURITY = "security", _("Security")
        DEMAND = "demand", _("Open demand")
        DEADLINE = "deadline", _("Deadline")
        MATCH = "match", _("Match")
        CREDIT_PULL = "credit_pull", _("Credit pull")
        DISPUTE = "dispute", _("Dispute")

    organization = models.ForeignKey(
        "hub.Organization", on_delete=models.CASCADE, null=True, blank=True, related_name="notifications"
    )
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices)
    # Free text as written (a policy's title and body), or, for the hub's own notices, empty:
    # ``message`` then holds their ids and parameters (hub.messages), rendered when read.
    title = models.CharField(_("title"), max_length=200, blank=True)
    body = models.TextField(_("body"), blank=True)
    message = models.JSONField(null=True, blank=True)
    data = models.JSONField(default=dict, blank=True)
    dedupe_key = models.CharField(max_length=120, unique=True, null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    read_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["organization", "-id"], name="notification_org_recent")]

    def __str__(self) -> str:
        return self.rendered_title

    @property
    def rendered_title(self) -> str:
        stored = (self.message or {}).get("title")
        return render_message(stored) if stored else self.title

    @property
    def rendered_body(self) -> str:
        stored = (self.message or {}).get("body")
        return render_message(stored) if stored else self.body
