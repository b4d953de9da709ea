from __future__ import annotations

from decimal import Decimal

import factory

from lending.models import LoanProduct
from tests.hub.factories import OrganizationFactory


class ProductFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = LoanProduct

    bank = factory.SubFactory(OrganizationFactory, kind="bank")
    name = factory.Sequence(lambda n: f"科创e贷{n}")
    category = "tech"
    min_amount = Decimal("100000.00")
    max_amount = Decimal("5000000.00")
    min_rate = Decimal("3.4500")
    max_rate = Decimal("4.3500")
    min_term_months = 6
    max_term_months = 36
    guarantee = "credit"
    region_codes = factory.LazyFunction(lambda: ["410000"])
    eligibility = factory.LazyFunction(dict)
    status = LoanProduct.Status.PUBLISHED


def disbursed_loan(
    enterprise_admin,
    officer,
    product,
    *,
    amount=Decimal("500000.00"),
    rate=Decimal("3.85"),
    first_loan=False,
    pure_credit=False,
    renewal=False,
    guarantee="credit",
    term_months=12,
):
    """An application taken through the real services to disbursement; returns its loan."""
    from django.utils import timezone

    from lending.services.applications import application_submit, application_transition

    application = application_submit(
        actor=enterprise_admin, product_id=product.pk, amount=amount, term_months=term_months, purpose="经营周转"
    )
    today = timezone.localdate()
    steps = [
        ("accept", {}),
        (
            "approve",
            {
                "amount": amount,
                "rate": rate,
                "term_months": term_months,
                "guarantee": guarantee,
                "first_loan": first_loan,
                "pure_credit": pure_credit,
                "renewal": renewal,
            },
        ),
        ("sign", {"contract_no": f"HT-{application.pk}", "amount": amount, "signed_on": today}),
        ("disburse", {"amount": amount, "disbursed_on": today}),
    ]
    for action, details in steps:
        application_transition(actor=officer, application_id=application.pk, action=action, **details)
    from lending.models import Loan

    return Loan.objects.select_related("application").get(application_id=application.pk)
