from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class ProductCategory(models.TextChoices):
    GOV_PROCUREMENT = "gov_procurement", _("Government procurement loan")  # 政采贷
    TECH = "tech", _("Technology loan")  # 科技贷
    SPECIALIZED = "specialized", _("Specialized and sophisticated SME loan")  # 专精特新贷
    SUPPLY_CHAIN_RECEIVABLE = "supply_chain_receivable", _("Supply chain: receivables")  # 应收账款
    SUPPLY_CHAIN_ORDER = "supply_chain_order", _("Supply chain: orders")  # 订单
    SUPPLY_CHAIN_WAREHOUSE = "supply_chain_warehouse", _("Supply chain: warehouse receipts")  # 仓单
    SUPPLY_CHAIN_WAYBILL = "supply_chain_waybill", _("Supply chain: waybills")  # 运单
    FIRST_LOAN = "first_loan", _("First loan")  # 首贷
    RENEWAL = "renewal", _("Renewal without repaying principal first")  # 无还本续贷
    CREDIT = "credit", _("Pure credit loan")  # 纯信用贷
    GENERAL = "general", _("General")


class Guarantee(models.TextChoices):
    CREDIT = "credit", _("Credit (no collateral)")
    MORTGAGE = "mortgage", _("Mortgage")
    PLEDGE = "pledge", _("Pledge")
    GUARANTEE = "guarantee", pgettext_lazy("guarantee type", "Guarantee")


class LoanProduct(models.Model):
    """A bank's loan product on the marketplace, with declarative eligibility rules
    (see lending/eligibility.py) that tell an enterprise why it fits or not."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        PUBLISHED = "published", pgettext_lazy("product status", "Published")
        WITHDRAWN = "withdrawn", pgettext_lazy("product status", "Withdrawn")

    bank = models.ForeignKey("hub.Organization", on_delete=models.PROTECT, related_name="loan_products")
    name = models.CharField(_("name"), max_length=100)
    category = models.CharField(_("category"), max_length=32, choices=ProductCategory.choices)
    description = models.TextField(_("description"), blank=True)
    min_amount = models.DecimalField(_("minimum amount"), max_digits=14, decimal_places=2)
    max_amount = models.DecimalField(_("maximum amount"), max_digits=14, decimal_places=2)
    min_rate = models.DecimalField(_("minimum rate"), max_digits=7, decimal_places=4)
    max_rate = models.DecimalField(_("maximum rate"), max_digits=7, decimal_places=4)
    min_term_months = models.PositiveSmallIntegerField(_("minimum term (months)"))
    max_term_months = models.PositiveSmallIntegerField(_("maximum term (months)"))
    guarantee = models.CharField(_("guarantee"), max_length=12, choices=Guarantee.choices)
    region_codes = models.JSONField(_("regions served"))
    eligibility = models.JSONField(_("eligibility rules"), default=dict, blank=True)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.DRAFT)
    created_at = models.DateTimeField(auto_now_add=True)
    published_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["status", "category"], name="loan_product_status_category")]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(min_amount__lte=models.F("max_amount")), name="product_amount_range"
            ),
            models.CheckConstraint(condition=models.Q(min_rate__lte=models.F("max_rate")), name="product_rate_range"),
            models.CheckConstraint(
                condition=models.Q(min_term_months__lte=models.F("max_term_months")), name="product_term_range"
            ),
        ]

    def __str__(self) -> str:
        return self.name
