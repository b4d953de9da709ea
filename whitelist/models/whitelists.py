from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class Whitelist(models.Model):
    """A financing whitelist (白名单): enterprises a government body recommends to banks,
    with provenance (owner, policy basis) and validity. Imports change the draft entries;
    publishing freezes them as a numbered version."""

    class Kind(models.TextChoices):
        SPECIALIZED = "specialized", _("Specialized and sophisticated SMEs")  # 专精特新
        TECH = "tech", _("Technology-based SMEs")  # 科技型
        SUPPLY_CHAIN = "supply_chain", _("Supply chain stabilization")  # 稳链
        GOV_PROCUREMENT = "gov_procurement", _("Government procurement suppliers")  # 政府采购供应商
        FIRST_LOAN = "first_loan", _("First-loan cultivation")  # 首贷培育
        LOCAL = "local", _("Local featured industries")  # 本地特色

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        PUBLISHED = "published", _("Published")
        ARCHIVED = "archived", _("Archived")

    owner = models.ForeignKey("hub.Organization", on_delete=models.PROTECT, related_name="whitelists")
    name = models.CharField(_("name"), max_length=200)
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    region_code = models.CharField(_("region code"), max_length=6)
    description = models.TextField(_("description"), blank=True)
    policy_basis = models.CharField(_("policy basis"), max_length=300, blank=True)
    contact_days = models.PositiveSmallIntegerField(_("days for banks to make contact"), default=30)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.DRAFT)
    last_import_by = models.ForeignKey("hub.User", on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    current_version = models.ForeignKey(
        "whitelist.WhitelistVersion", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return self.name


class WhitelistEntry(models.Model):
    """A draft entry: what the next publication will list."""

    # Draft entries are written only by an import's merge, which holds the whitelist's row
    # lock, and go with their whitelist through Django's cascade. The database keeps neither
    # an index of its own (the unique (whitelist, uscc) index serves lookups by whitelist)
    # nor a foreign-key check: a million-row import would pay for both row by row (the
    # check alone, deferred to commit, took four seconds per million in bench/whitelist_import.py).
    whitelist = models.ForeignKey(
        Whitelist, on_delete=models.CASCADE, related_name="entries", db_index=False, db_constraint=False
    )
    uscc = models.CharField(max_length=18)
    name = models.CharField(max_length=200)
    reason = models.CharField(max_length=500, blank=True)
    recommended_amount = models.DecimalField(max_digits=14, decimal_places=2, null=True, blank=True)
    valid_until = models.DateField(null=True, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["whitelist", "uscc"], name="whitelist_entry_unique")]


class WhitelistVersion(models.Model):
    """A publication: its entries are frozen in :class:`PublishedEntry`."""

    whitelist = models.ForeignKey(Whitelist, on_delete=models.CASCADE, related_name="versions")
    number = models.PositiveIntegerField()
    published_at = models.DateTimeField()
    published_by = models.ForeignKey("hub.User", on_delete=models.PROTECT, related_name="+")
    entries_count = models.PositiveIntegerField(default=0)
    added = models.PositiveIntegerField(default=0)
    removed = models.PositiveIntegerField(default=0)
    changed = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["whitelist", "number"], name="whitelist_version_unique")]


class PublishedEntry(models.Model):
    version = models.ForeignKey(WhitelistVersion, on_delete=models.CASCADE, related_name="entries")
    uscc = models.CharField(max_length=18, db_index=True)
    name = models.CharField(max_length=200)
    reason = models.CharField(max_length=500, blank=True)
    recommended_amount = models.DecimalField(max_digits=14, decimal_places=2, null=True, blank=True)
    valid_until = models.DateField(null=True, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["version", "uscc"], name="published_entry_unique")]
