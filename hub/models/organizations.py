from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from hub.fields import EncryptedTextField
from hub.identifiers import validate_region_code


class Organization(models.Model):
    """Every party that uses the hub: enterprises (企业), banks (金融机构), regulators (监管),
    city platforms (城市平台). People belong to exactly one organization; everything they see
    is scoped to it.

    ``code`` is the enterprise's 统一社会信用代码, a bank's financial institution code, or a
    regulator's or platform's own code; it is unique within a kind.
    """

    class Kind(models.TextChoices):
        ENTERPRISE = "enterprise", _("Enterprise")
        BANK = "bank", _("Bank")
        REGULATOR = "regulator", _("Regulator")
        PLATFORM = "platform", _("City platform")

    class Scale(models.TextChoices):
        MICRO = "micro", _("Micro")
        SMALL = "small", _("Small")
        MEDIUM = "medium", _("Medium")
        LARGE = "large", _("Large")

    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices)
    code = models.CharField(_("code"), max_length=32)
    name = models.CharField(_("name"), max_length=200)
    region_code = models.CharField(_("region code"), max_length=6, validators=[validate_region_code])
    # Enterprise facts: industry by GB/T 4754 (e.g. I65), scale by the SME classification rules.
    industry_code = models.CharField(_("industry code"), max_length=8, blank=True)
    scale = models.CharField(_("scale"), max_length=8, choices=Scale.choices, blank=True)
    # Personal data of the legal representative and the contact line: encrypted at rest,
    # with a blind index so an ID number can be looked up without decrypting every row.
    legal_representative = EncryptedTextField(_("legal representative"), blank=True)
    legal_representative_id_number = EncryptedTextField(_("legal representative ID number"), blank=True)
    legal_representative_id_index = models.CharField(max_length=64, blank=True, db_index=True, editable=False)
    contact_phone = EncryptedTextField(_("contact phone"), blank=True)
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        constraints = [
            # Enterprises are the exception: several registrations of one USCC may wait for
            # verification, and Verification allows one holder among them.
            models.UniqueConstraint(
                fields=["kind", "code"],
                condition=~models.Q(kind="enterprise"),
                name="organization_code_unique_per_kind",
            ),
            models.CheckConstraint(
                condition=models.Q(kind__in=["enterprise", "bank", "regulator", "platform"]),
                name="organization_kind_known",
            ),
        ]
        indexes = [
            models.Index(fields=["kind", "region_code"], name="organization_kind_region"),
            models.Index(fields=["kind", "code"], name="organization_kind_code"),
        ]
        verbose_name = _("organization")
        verbose_name_plural = _("organizations")

    def __str__(self) -> str:
        return f"{self.name} ({self.code})"

    @property
    def is_enterprise(self) -> bool:
        return self.kind == self.Kind.ENTERPRISE

    @property
    def is_bank(self) -> bool:
        return self.kind == self.Kind.BANK

    @property
    def is_regulator(self) -> bool:
        return self.kind == self.Kind.REGULATOR

    @property
    def is_platform(self) -> bool:
        return self.kind == self.Kind.PLATFORM
