"""Demo loan products of the demo banks (idempotent; DEBUG only)."""

from decimal import Decimal

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from hub.models import Organization
from lending.models import LoanProduct
from lending.services.products import product_create, product_transition

PRODUCTS = [
    (
        "ZYBANK",
        "科创e贷",
        "tech",
        "100000.00",
        "5000000.00",
        "3.4500",
        "4.3500",
        6,
        36,
        "credit",
        {"scales": ["micro", "small", "medium"], "min_tax_grade": "B", "no_dishonest": True},
    ),
    ("ZYBANK", "首贷通", "first_loan", "50000.00", "1000000.00", "3.6500", "4.6500", 3, 24, "credit", {}),
    (
        "ZZBANK",
        "政采e贷",
        "gov_procurement",
        "100000.00",
        "3000000.00",
        "3.8500",
        "4.8500",
        6,
        12,
        "credit",
        {"max_unrepaired_serious_penalties": 0},
    ),
]


class Command(BaseCommand):
    help = __doc__

    @transaction.atomic
    def handle(self, *args, **options):
        if not settings.DEBUG:
            raise CommandError("Demo data is for DEBUG=1 demos only.")
        for code, name, category, low, high, min_rate, max_rate, min_term, max_term, guarantee, rules in PRODUCTS:
            bank = Organization.objects.filter(kind=Organization.Kind.BANK, code=code).first()
            if bank is None:
                raise CommandError("Load the demo first: manage.py load_demo")
            if LoanProduct.objects.filter(bank=bank, name=name).exists():
                continue
            officer = bank.members.order_by("pk").first()
            product = product_create(
                actor=officer,
                name=name,
                category=category,
                min_amount=Decimal(low),
                max_amount=Decimal(high),
                min_rate=Decimal(min_rate),
                max_rate=Decimal(max_rate),
                min_term_months=min_term,
                max_term_months=max_term,
                guarantee=guarantee,
                region_codes=["410000"],
                eligibility=rules,
                description="河南省内中小微企业均可申请。",
            )
            product_transition(actor=officer, product_id=product.pk, action="publish")
        self.stdout.write("Demo loan products are published.")
