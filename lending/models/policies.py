from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class Policy(models.Model):
    """A credit policy pushed to the enterprises it targets (信用政策精准推送)."""

    publisher = models.ForeignKey("hub.Organization", on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    title = models.CharField(_("title"), max_length=200)
    body = models.TextField(_("body"))
    # {"region_codes": [...], "scales": [...], "industries": [...], "whitelist_kinds": [...]}; empty = everyone.
    targeting = models.JSONField(_("targeting"), default=dict, blank=True)
    published_at = models.DateTimeField(null=True, blank=True)
    recipients = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return self.title
