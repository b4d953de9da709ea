from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class MatchmakingEvent(models.Model):
    """A government-bank-enterprise matchmaking event (政银企对接活动) whose recorded intents
    are followed up to signing and disbursement."""

    organizer = models.ForeignKey("hub.Organization", on_delete=models.PROTECT, related_name="matchmaking_events")
    title = models.CharField(_("title"), max_length=200)
    region_code = models.CharField(_("region code"), max_length=6)
    held_on = models.DateField(_("held on"))
    description = models.TextField(_("description"), blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return self.title


class Match(models.Model):
    """One bank–enterprise pairing, whatever brought it about (an application, a
    matchmaking event, a whitelist), with one lifecycle — so signing tracking (签约跟踪) and
    progress reports (通报) come from one table."""

    class Source(models.TextChoices):
        APPLICATION = "application", _("Application")
        EVENT = "event", _("Matchmaking event")
        WHITELIST = "whitelist", _("Whitelist")

    class Status(models.TextChoices):
        INTENT = "intent", _("Intent")
        CONTACTED = "contacted", _("Contacted")
        NEGOTIATING = "negotiating", _("Negotiating")
        SIGNED = "signed", _("Signed")
        DISBURSED = "disbursed", _("Disbursed")
        FAILED = "failed", _("Failed")

    #: A match a bank still has to work on.
    OPEN_STATUSES = (Status.INTENT, Status.CONTACTED, Status.NEGOTIATING, Status.SIGNED)

    bank = models.ForeignKey("hub.Organization", on_delete=models.PROTECT, related_name="bank_matches")
    # A whitelist may list an enterprise not (yet) registered on the hub: its code and name
    # are kept on the match either way.
    enterprise = models.ForeignKey(
        "hub.Organization", on_delete=models.PROTECT, null=True, blank=True, related_name="enterprise_matches"
    )
    enterprise_code = models.CharField(max_length=18)
    enterprise_name = models.CharField(max_length=200)
    source = models.CharField(max_length=12, choices=Source.choices)
    application = models.OneToOneField(
        "lending.Application", on_delete=models.PROTECT, null=True, blank=True, related_name="match"
    )
    event = models.ForeignKey(MatchmakingEvent, on_delete=models.PROTECT, null=True, blank=True, related_name="matches")
    whitelist_entry_id = models.BigIntegerField(null=True, blank=True)
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.INTENT)
    region_code = models.CharField(max_length=6)
    category = models.CharField(max_length=32, blank=True)
    intended_amount = models.DecimalField(max_digits=14, decimal_places=2, null=True, blank=True)
    signed_amount = models.DecimalField(max_digits=14, decimal_places=2, null=True, blank=True)
    disbursed_amount = models.DecimalField(max_digits=14, decimal_places=2, null=True, blank=True)
    failure_reason = models.CharField(max_length=500, blank=True)
    created_at = models.DateTimeField()
    contact_due_at = models.DateTimeField(null=True, blank=True)
    contacted_at = models.DateTimeField(null=True, blank=True)
    signed_at = models.DateTimeField(null=True, blank=True)
    disbursed_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [
            models.Index(fields=["bank", "status"], name="match_bank_status"),
            models.Index(fields=["region_code", "created_at"], name="match_region_created"),
        ]
        verbose_name_plural = "matches"

    def __str__(self) -> str:
        return f"match #{self.pk} {self.status}"
