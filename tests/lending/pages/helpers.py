"""Helpers the pages tests share."""

import re
from decimal import Decimal
from html import unescape

from django.utils import timezone, translation

from lending.models import Application, LoanProduct
from lending.services.applications import application_submit
from lending.services.products import product_create, product_transition

TODAY = timezone.localdate().isoformat()


def english(message, **params) -> str:
    with translation.override("en"):
        return str(message) % params if params else str(message)


def publish(officer, **overrides) -> LoanProduct:
    values = {
        "name": "科创e贷",
        "category": "tech",
        "min_amount": Decimal("100000.00"),
        "max_amount": Decimal("5000000.00"),
        "min_rate": Decimal("3.4500"),
        "max_rate": Decimal("4.3500"),
        "min_term_months": 6,
        "max_term_months": 36,
        "guarantee": "credit",
        "region_codes": ["410000"],
        "eligibility": {"scales": ["micro", "small"], "min_tax_grade": "B"},
    }
    values.update(overrides)
    product = product_create(actor=officer, **values)
    return product_transition(actor=officer, product_id=product.pk, action="publish")


def submit(enterprise_admin, product, amount="800000.00") -> Application:
    return application_submit(
        actor=enterprise_admin,
        product_id=product.pk if product else None,
        amount=Decimal(amount),
        term_months=12,
        purpose="采购原材料",
    )


def field_errors(html: str, field: str) -> list[str]:
    """The messages shown under one field, as the reader sees them (entities decoded)."""
    found = re.findall(rf'<p class="field-error" data-field="{field}">([^<]*)</p>', html)
    return [unescape(text) for text in found]
