"""Writes for loan products: a bank creates a draft, publishes it, withdraws it."""

from __future__ import annotations

from decimal import Decimal

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from hub.errors import Conflict, Forbidden, InvalidInput, NotFound
from hub.identifiers import region_code_error
from hub.models import User
from lending import audit
from lending.eligibility import rules_errors
from lending.models import LoanProduct


class Messages:
    BANK_ONLY = _("Only bank users manage loan products.")
    AMOUNT_RANGE = _("The minimum amount must not exceed the maximum.")
    RATE_RANGE = _("The minimum rate must not exceed the maximum.")
    TERM_RANGE = _("The minimum term must not exceed the maximum.")
    REGIONS_EMPTY = _("Name at least one region the product serves.")
    WRONG_STATE = _("The product is %(status)s; it cannot be %(action)s.")


def _check_ranges(values: dict) -> None:
    for low, high, field, message in (
        ("min_amount", "max_amount", "min_amount", Messages.AMOUNT_RANGE),
        ("min_rate", "max_rate", "min_rate", Messages.RATE_RANGE),
        ("min_term_months", "max_term_months", "min_term_months", Messages.TERM_RANGE),
    ):
        if values[low] > values[high]:
            raise InvalidInput(message, fields={field: [message]})
    if not values["region_codes"]:
        raise InvalidInput(Messages.REGIONS_EMPTY, fields={"region_codes": [Messages.REGIONS_EMPTY]})
    for code in values["region_codes"]:
        error = region_code_error(code)
        if error:
            raise InvalidInput(error, fields={"region_codes": [error]})
    errors = rules_errors(values.get("eligibility", {}))
    if errors:
        raise InvalidInput(errors[0], fields={"eligibility": errors})


@transaction.atomic
def product_create(
    *,
    actor: User,
    name: str,
    category: str,
    min_amount: Decimal,
    max_amount: Decimal,
    min_rate: Decimal,
    max_rate: Decimal,
    min_term_months: int,
    max_term_months: int,
    guarantee: str,
    region_codes: list[str],
    description: str = "",
    eligibility: dict | None = None,
) -> LoanProduct:
    """A bank user creates a draft product. Raises Forbidden or InvalidInput (field named)."""
    bank = actor.organization
    if bank is None or not bank.is_bank:
        raise Forbidden(Messages.BANK_ONLY)
    values = {
        "name": name,
        "category": category,
        "min_amount": min_amount,
        "max_amount": max_amount,
        "min_rate": min_rate,
        "max_rate": max_rate,
        "min_term_months": min_term_months,
        "max_term_months": max_term_months,
        "guarantee": guarantee,
        "region_codes": sorted(set(region_codes)),
        "description": description,
        "eligibility": eligibility or {},
    }
    _check_ranges(values)
    product = LoanProduct.objects.create(bank=bank, **values)
    audit.product_changed(product=product, actor=actor, action="created")
    return product


_PRODUCT_TRANSITIONS = {
    "publish": ((LoanProduct.Status.DRAFT, LoanProduct.Status.WITHDRAWN), LoanProduct.Status.PUBLISHED),
    "withdraw": ((LoanProduct.Status.PUBLISHED,), LoanProduct.Status.WITHDRAWN),
}


@transaction.atomic
def product_transition(*, actor: User, product_id: int, action: str) -> LoanProduct:
    """``publish`` (draft or withdrawn → published) or ``withdraw`` (published → withdrawn),
    by users of the product's bank. Raises NotFound or Conflict."""
    product = LoanProduct.objects.select_for_update().filter(pk=product_id, bank_id=actor.organization_id).first()
    if product is None:
        raise NotFound(_("Product not found."))
    sources, target = _PRODUCT_TRANSITIONS[action]
    if product.status not in sources:
        raise Conflict(Messages.WRONG_STATE % {"status": product.get_status_display(), "action": action})
    product.status = target
    if target == LoanProduct.Status.PUBLISHED:
        product.published_at = timezone.now()
    product.save(update_fields=["status", "published_at"])
    audit.product_changed(product=product, actor=actor, action=action)
    return product
