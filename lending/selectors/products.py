"""Reads of loan products and recommendations, scoped to the caller."""

from __future__ import annotations

from decimal import Decimal

from django.db.models import Q, QuerySet
from django.utils.translation import gettext_lazy as _

from hub.errors import NotFound
from hub.identifiers import region_covers
from hub.models import Organization, User
from lending.eligibility import FAILED, UNKNOWN, enterprise_facts, evaluate
from lending.models import LoanProduct


def products_published(
    *,
    category: str | None = None,
    region_code: str | None = None,
    amount: Decimal | None = None,
    bank_code: str | None = None,
) -> QuerySet[LoanProduct]:
    queryset = LoanProduct.objects.filter(status=LoanProduct.Status.PUBLISHED).select_related("bank")
    if category:
        queryset = queryset.filter(category=category)
    if bank_code:
        queryset = queryset.filter(bank__code=bank_code)
    if amount is not None:
        queryset = queryset.filter(min_amount__lte=amount, max_amount__gte=amount)
    if region_code:
        # A product serving 410000 serves 410100: keep those whose regions include the code
        # or one of the areas containing it (few products: filtered here, not in SQL JSON).
        ids = [pk for pk, codes in queryset.values_list("pk", "region_codes") if region_covers(codes, region_code)]
        queryset = queryset.filter(pk__in=ids)
    return queryset


def banks_serving(region_code: str) -> list[Organization]:
    """Banks located over the region, or with a published product covering it."""
    covering_products = {
        bank_id
        for bank_id, codes in LoanProduct.objects.filter(status=LoanProduct.Status.PUBLISHED).values_list(
            "bank_id", "region_codes"
        )
        if region_covers(codes, region_code)
    }
    return [
        bank
        for bank in Organization.objects.filter(kind=Organization.Kind.BANK, is_active=True).order_by("pk")
        if bank.pk in covering_products or region_covers([bank.region_code], region_code)
    ]


def products_of_bank(user: User) -> QuerySet[LoanProduct]:
    if user.organization is None or not user.organization.is_bank:
        return LoanProduct.objects.none()
    return LoanProduct.objects.filter(bank_id=user.organization_id).select_related("bank")


def product_get(*, user, product_id: int) -> LoanProduct:
    """Published products are public; drafts and withdrawn ones only to their bank."""
    visibility = Q(status=LoanProduct.Status.PUBLISHED)
    if getattr(user, "organization_id", None):
        visibility |= Q(bank_id=user.organization_id)
    product = LoanProduct.objects.filter(visibility, pk=product_id).select_related("bank").first()
    if product is None:
        raise NotFound(_("Product not found."))
    return product


def recommendations_for(*, user: User) -> list[dict]:
    """The published products serving the enterprise's region, each rule evaluated; those
    with no failed rule first, then by fewest unknowns and highest ceiling."""
    enterprise = user.organization
    if enterprise is None or not enterprise.is_enterprise:
        raise NotFound(_("Recommendations are for enterprises."))
    facts = enterprise_facts(enterprise)
    results = []
    for product in products_published(region_code=enterprise.region_code):
        rules = evaluate(product.eligibility, facts)
        failed = sum(1 for rule in rules if rule.result == FAILED)
        unknown = sum(1 for rule in rules if rule.result == UNKNOWN)
        results.append(
            {"product": product, "eligible": failed == 0, "failed": failed, "unknown": unknown, "rules": rules}
        )
    return sorted(
        results, key=lambda item: (item["failed"], item["unknown"], -item["product"].max_amount, item["product"].pk)
    )
