"""Real changes through the hub's services that make every type of uplink fact, in many
shapes (seeded random amounts, terms, flags and paths through the state machine)."""

from __future__ import annotations

import random
from datetime import date, timedelta
from decimal import Decimal

from django.utils import timezone

from hub.identifiers import make_uscc
from hub.models import Verification
from hub.services.organizations import enterprise_register
from hub.services.verification import enterprise_verify, verification_reinstate, verification_suspend
from lending.models import Application, LendingByRegion, Loan
from lending.services.applications import application_claim, application_submit, application_transition
from lending.services.loans import json_rows, loan_reports_submit
from lending.services.national_statistics import national_monthly_statistics_record
from tests.connectors.factories import AuthorizationFactory
from tests.hub.factories import PASSWORD, OrganizationFactory, UserFactory
from tests.lending.factories import ProductFactory
from whitelist.models import Whitelist, WhitelistEntry
from whitelist.services.whitelists import whitelist_publish

LEGAL_REPRESENTATIVE = "张建国"
ID_NUMBER = "410102198001010018"
PHONE = "13812345678"
REASONS = [choice for choice, _label in Application.RejectReason.choices]


def registered_enterprise(n: int, *, region_code: str = "410105", admin_username: str = "", prefix: str = ""):
    enterprise = enterprise_register(
        uscc=make_uscc(region_code=region_code, serial=5000 + n + 100 * len(prefix) + sum(map(ord, prefix))),
        name=f"河南省第{n}号科技有限公司",
        region_code=region_code,
        industry_code=random.choice(["I65", "C39", ""]),
        scale=random.choice(["micro", "small", "medium", ""]),
        admin_username=admin_username or f"uplink-admin-{prefix}{n}",
        admin_password=PASSWORD,
        contact_phone=PHONE,
    )
    enterprise.legal_representative = LEGAL_REPRESENTATIVE
    enterprise.legal_representative_id_number = ID_NUMBER
    enterprise.save()
    return enterprise


def every_fact_type(*, operator, bank, bank_officer, seed: int = 7, applications: int = 12, prefix: str = "") -> None:
    random.seed(seed)
    # Registrations and verifications: verified, suspended, reinstated, a competing one closed.
    enterprise = registered_enterprise(1, prefix=prefix)
    admin = enterprise.members.get()
    # A second registration of the same code waits beside it, and is closed when the first verifies.
    registered_enterprise(1, admin_username=f"uplink-rival-{prefix}", prefix=prefix)
    enterprise_verify(
        enterprise=enterprise,
        method="document_review",
        level="substantial",
        signer_user=admin,
        signer_role="legal_representative",
        person=LEGAL_REPRESENTATIVE,
        decided_by=operator,
    )
    verification_suspend(actor=operator, enterprise=enterprise, reason="核查中")
    verification_reinstate(actor=operator, enterprise=enterprise)
    second = registered_enterprise(3, region_code="410302", prefix=prefix)
    enterprise_verify(
        enterprise=second,
        method="legal_representative",
        level="high",
        signer_user=second.members.get(),
        signer_role="legal_representative",
        person=LEGAL_REPRESENTATIVE,
    )

    # Applications to products, and open demands, along every path.
    AuthorizationFactory(enterprise=enterprise, bank=bank, granted_by=admin)
    product = ProductFactory(bank=bank, region_codes=["410000"])
    for number in range(applications):
        open_demand = number % 3 == 0
        amount = Decimal(random.randint(100_000, 900_000)).quantize(Decimal("1.00"))
        application = application_submit(
            actor=admin,
            product_id=None if open_demand else product.pk,
            amount=amount,
            term_months=random.randint(product.min_term_months, product.max_term_months),
            purpose=f"采购原材料，联系人{LEGAL_REPRESENTATIVE} {PHONE}",
        )
        path = random.choice(["withdraw", "reject", "approve", "sign", "disburse", "disburse"])
        if open_demand:
            application_claim(actor=bank_officer, application_id=application.pk)
        elif path == "withdraw":
            application_transition(actor=admin, application_id=application.pk, action="withdraw")
            continue
        else:
            application_transition(actor=bank_officer, application_id=application.pk, action="accept")
        if path == "withdraw" and open_demand:
            application_transition(actor=admin, application_id=application.pk, action="withdraw")
            continue
        if path == "reject":
            application_transition(
                actor=bank_officer,
                application_id=application.pk,
                action="reject",
                reason_code=random.choice(REASONS),
                reason=f"法定代表人{LEGAL_REPRESENTATIVE}电话{PHONE}未接",
            )
            continue
        application_transition(
            actor=bank_officer,
            application_id=application.pk,
            action="approve",
            amount=amount,
            rate=Decimal(random.randint(300, 900)) / 100,
            term_months=12,
            guarantee=random.choice(["credit", "mortgage", "pledge", "guarantee"]),
            first_loan=random.random() < 0.5,
            pure_credit=random.random() < 0.5,
            renewal=random.random() < 0.3,
        )
        if path == "approve":
            continue
        application_transition(
            actor=bank_officer,
            application_id=application.pk,
            action="sign",
            amount=amount,
            contract_no=f"HT-{prefix}{number}",
            signed_on=timezone.localdate(),
        )
        if path == "sign":
            continue
        application_transition(
            actor=bank_officer,
            application_id=application.pk,
            action="disburse",
            amount=amount,
            disbursed_on=timezone.localdate(),
        )

    # The loans the disbursements made, reported for their month; one report corrected.
    loans = list(Loan.objects.filter(bank=bank).order_by("id"))
    month = timezone.localdate().strftime("%Y-%m")
    for index, loan in enumerate(loans):
        status = ["active", "overdue", "settled"][index % 3]
        row = {
            "loan": loan.pk,
            "month": month,
            "balance": "0.00" if status == "settled" else str(loan.amount),
            "principal_repaid": str(loan.amount) if status == "settled" else "0.00",
            "interest_repaid": "812.50",
            "overdue_days": 12 if status == "overdue" else 0,
            "status": status,
        }
        loan_reports_submit(actor=bank_officer, rows=json_rows([row]))
        if index == 0:
            loan_reports_submit(actor=bank_officer, rows=json_rows([{**row, "interest_repaid": "900.00"}]))

    # A whitelist published, with its entries.
    platform = OrganizationFactory(kind="platform", code=f"HN-PLATFORM{prefix}", region_code="410000")
    importer = UserFactory(organization=platform, role="admin")
    checker = UserFactory(organization=platform, role="staff")
    whitelist = Whitelist.objects.create(
        owner=platform, name="专精特新白名单", kind="specialized", region_code="410000", last_import_by=importer
    )
    WhitelistEntry.objects.bulk_create(
        WhitelistEntry(
            whitelist=whitelist,
            uscc=code,
            name=f"白名单企业{n}",
            recommended_amount=Decimal("500000.00") if n % 2 else None,
            valid_until=date(2027, 12, 31) if n % 3 else None,
        )
        for n, code in enumerate([enterprise.code, second.code])
    )
    whitelist_publish(actor=checker, whitelist_id=whitelist.pk)

    # Last month's statistics.
    last_month = (timezone.localdate().replace(day=1) - timedelta(days=1)).replace(day=1)
    LendingByRegion.objects.update_or_create(
        month=last_month,
        region_code="410105",
        defaults={"applications": 9, "disbursed": 2, "disbursed_amount": Decimal("123456.70")},
    )
    LendingByRegion.objects.get_or_create(month=last_month, region_code="410302")
    national_monthly_statistics_record()
    assert Verification.objects.count() >= 2
