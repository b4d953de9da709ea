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
