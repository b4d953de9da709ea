"""A year of lending activity across the province for the demo (idempotent; DEBUG only):
verified enterprises in every city, their authorizations to the demo banks, and applications
that went every way an application goes — accepted, approved, signed, disbursed (first loans
and pure credit loans among them), rejected with a reason, withdrawn, or still waiting — spread
over the past twelve months, so that every chart and tile of the regulators' dashboard says
something. The steps go through the services (audited, with their notices and matches); their
times are then set back to the day each happened. Every loan is then reported month by month
since its disbursement, as its bank would (some fall overdue, some are settled early, one is
renewed without repayment into a new loan), and the statistics rebuilt."""

from __future__ import annotations

import random
from datetime import timedelta
from decimal import Decimal

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils import timezone

from hub.identifiers import make_uscc
from hub.models import Signer, User
from hub.services.consent import authorization_grant
from hub.services.organizations import enterprise_register
from hub.services.verification import enterprise_verify, person_pseudonym
from lending.loan_counters import month_start
from lending.models import Application, ApplicationTransition, Loan, LoanProduct, Match
from lending.services.applications import application_submit, application_transition
from lending.services.loans import json_rows, loan_reports_submit

PASSWORD = "Xyd-demo-2026"
CITIES = ["410100", "410200", "410300", "410400", "410500", "410700", "410800", "411000", "411300", "411700"]
TRADES = ["智能制造", "新材料", "农业科技", "商贸物流", "软件信息", "食品加工", "医疗器械", "建材"]
SCALES = ["micro", "small", "small", "medium"]
ENTERPRISES_PER_CITY = 6
SERIAL_BASE = 5000  # demo activity's codes stay clear of load_demo's


class Command(BaseCommand):
    help = __doc__

    def add_arguments(self, parser):
        parser.add_argument("--per-city", type=int, default=ENTERPRISES_PER_CITY, help="enterprises in each city")

    def handle(self, *args, per_city: int, **options):
        if not settings.DEBUG:
            raise CommandError("Demo activity is for DEBUG=1 demos only.")
        operator = User.objects.filter(is_staff=True, organization__isnull=True).order_by("pk").first()
        products = list(LoanProduct.objects.filter(status=LoanProduct.Status.PUBLISHED).select_related("bank"))
        if operator is None or not products:
            raise CommandError("Load the demo first: manage.py load_demo and load_demo_lending.")
        if User.objects.filter(username=f"demo-{CITIES[0]}-0").exists():
            self.stdout.write("Demo activity is loaded already.")
            return
        rng = random.Random("xinyidai-demo-activity")
        officers = {
            bank.pk: bank.members.filter(role=User.Role.STAFF).first() or bank.members.first()
            for bank in {product.bank for product in products}
        }
        count = 0
        for city in CITIES:
            for number in range(per_city):
                with transaction.atomic():
                    admin = self._verified_enterprise(city, number, rng, operator)
                    for _ in range(rng.choice((1, 1, 2, 3))):
                        self._application(admin, rng.choice(products), officers, rng)
                        count += 1
        renewed = self._renewal(officers)
        reports = self._monthly_reports(officers, renewed, rng)
        call_command("rebuild_lending_stats", stdout=self.stdout)
        self.stdout.write(
            self.style.SUCCESS(f"Demo activity: {count} applications over the past year, {reports} loan reports.")
        )

    @staticmethod
    def _renewal(officers: dict) -> dict[int, Loan]:
        """The oldest loan is renewed without repayment: its enterprise applies again, the
        bank approves a renewal loan and disburses it; the old loan's report names it."""
        old = Loan.objects.select_related("application").order_by("disbursed_on", "pk").first()
        if old is None:
            return {}
        admin = old.enterprise.members.order_by("pk").first()
        officer = officers[old.bank_id]
        application = application_submit(
            actor=admin,
            product_id=old.application.product_id,
            amount=old.application.amount,
            term_months=old.term_months,
            purpose="无还本续贷",
        )
        today = timezone.localdate()
        for action, details in [
            ("accept", {}),
            (
                "approve",
                {
                    "amount": old.amount,
                    "rate": old.rate,
                    "term_months": old.term_months,
                    "guarantee": old.guarantee,
                    "pure_credit": old.pure_credit,
                    "renewal": True,
                },
            ),
            ("sign", {"contract_no": f"HT-DEMO-{application.pk:05d}", "amount": old.amount, "signed_on": today}),
            ("disburse", {"amount": old.amount, "disbursed_on": today}),
        ]:
            application_transition(actor=officer, application_id=application.pk, action=action, **details)
        # Renewed a month before today: the old loan's last report carries it over.
        renewed_on = month_start(today) - timedelta(days=20)
        Application.objects.filter(pk=application.pk).update(disbursed_on=renewed_on)
        renewal = Loan.objects.get(application=application)
        Loan.objects.filter(pk=renewal.pk).update(
            disbursed_on=renewed_on, matures_on=renewed_on + (renewal.matures_on - renewal.disbursed_on)
        )
        return {old.pk: Loan.objects.get(application=application)}

    @staticmethod
    def _monthly_reports(officers: dict, renewed: dict[int, Loan], rng: random.Random) -> int:
        """Each loan's months from its disbursement to last month: the principal repaid in
        equal parts, interest at its rate; one loan in eight falls overdue and stays so, one in
        eight is settled early; one is renewed (see :meth:`_renewal`)."""
        last_month = month_start(month_start(timezone.localdate()) - timedelta(days=1))
        written = 0
        for bank_id, officer in officers.items():
            rows = []
            for index, loan in enumerate(Loan.objects.filter(bank_id=bank_id).order_by("pk")):
                renewal = renewed.get(loan.pk)
                renewed_in = month_start(renewal.disbursed_on) if renewal else None
                fate = None if renewed_in else index % 8  # the renewed loan runs until its renewal
                falls_overdue_after = rng.randint(1, 3) if fate == 3 else None
                settles_after = rng.randint(2, 6) if fate == 5 else None
                balance, installment = loan.amount, (loan.amount / loan.term_months).quantize(Decimal("0.01"))
                month, number = month_start(loan.disbursed_on), 0
                while month <= last_month:
                    number += 1
                    interest = (balance * loan.rate / 1200).quantize(Decimal("0.01"))
                    row = {"loan": loan.pk, "month": month.strftime("%Y-%m"), "interest_repaid": str(interest)}
                    if renewed_in is not None and month >= renewed_in:
                        rows.append({**row, "balance": "0", "status": "renewed", "renewal_loan": renewal.pk})
                        break
                    if (settles_after and number >= settles_after) or (number >= loan.term_months and not renewed_in):
                        rows.append({**row, "balance": "0", "principal_repaid": str(balance), "status": "settled"})
                        break
                    if falls_overdue_after and number > falls_overdue_after:
                        days = (number - falls_overdue_after) * 30
                        rows.append(
                            {
                                **row,
                                "balance": str(balance),
                                "interest_repaid": "0",
                                "overdue_days": days,
                                "status": "overdue",
                            }
                        )
                    else:
                        repaid = min(installment, balance)
                        balance -= repaid
                        rows.append(
                            {**row, "balance": str(balance), "principal_repaid": str(repaid), "status": "active"}
                        )
                    month = month_start(month + timedelta(days=32))
            for start in range(0, len(rows), 1000):
                loan_reports_submit(actor=officer, rows=json_rows(rows[start : start + 1000]), source="demo")
            written += len(rows)
        return written

    @staticmethod
    def _verified_enterprise(city: str, number: int, rng: random.Random, operator: User) -> User:
        district = city[:4] + f"{rng.randint(1, 5):02d}" if city == "410100" else city
        name = f"{rng.choice(TRADES)}{number + 1}号（{city}）有限公司"
        enterprise = enterprise_register(
            uscc=make_uscc(region_code=city, serial=SERIAL_BASE + CITIES.index(city) * 100 + number),
            name=name,
            region_code=district,
            industry_code=rng.choice(["C39", "C35", "I65", "F51", "A01"]),
            scale=rng.choice(SCALES),
            admin_username=f"demo-{city}-{number}",
            admin_password=PASSWORD,
        )
        admin = enterprise.members.get()
        enterprise_verify(
            enterprise=enterprise,
            method="document_review",
            level="substantial",
            signer_user=admin,
            signer_role=Signer.Role.LEGAL_REPRESENTATIVE,
            person=person_pseudonym("user", str(admin.pk)),
            decided_by=operator,
        )
        return admin

    def _application(self, admin: User, product: LoanProduct, officers: dict, rng: random.Random) -> None:
        authorization_grant(
            actor=admin,
            bank_code=product.bank.code,
            scopes=["tax", "penalty", "social_insurance"],
            purpose="loan_review",
            expires_at=timezone.now() + timedelta(days=300),
        )
        amount = Decimal(rng.randrange(int(product.min_amount), int(product.max_amount) // 2 + 1, 10_000))
        term = rng.randint(product.min_term_months, product.max_term_months)
        application = application_submit(
            actor=admin, product_id=product.pk, amount=amount, term_months=term, purpose="补充流动资金"
        )
        officer = officers[product.bank_id]
        fate = rng.random()
        if fate < 0.08:
            application_transition(actor=admin, application_id=application.pk, action="withdraw", reason="资金已到位")
        elif fate < 0.15:
            pass  # still waiting for the bank
        else:
            application_transition(actor=officer, application_id=application.pk, action="accept")
            if fate < 0.3:
                reason = rng.choice(Application.RejectReason.values[:4])
                application_transition(
                    actor=officer, application_id=application.pk, action="reject", reason_code=reason, reason="演示"
                )
            elif fate < 0.38:
                pass  # accepted, being reviewed
            else:
                self._approve_to_disbursement(application, officer, amount, term, fate, rng)
        self._set_back(application, days_ago=rng.randint(3, 360), rng=rng)

    @staticmethod
    def _approve_to_disbursement(application, officer, amount, term, fate, rng) -> None:
        approved = (amount * Decimal(rng.choice(("1", "0.8", "0.6")))).quantize(Decimal("1.00"))
        application_transition(
            actor=officer,
            application_id=application.pk,
            action="approve",
            amount=approved,
            rate=Decimal(rng.choice(("3.45", "3.65", "3.85", "4.05", "4.35"))),
            term_months=term,
            guarantee=rng.choice(("credit", "credit", "guarantee", "mortgage")),
            first_loan=rng.random() < 0.35,
            pure_credit=rng.random() < 0.5,
            renewal=rng.random() < 0.1,
        )
        if fate < 0.45:
            return
        today = timezone.localdate()
        application_transition(
            actor=officer,
            application_id=application.pk,
            action="sign",
            contract_no=f"HT-DEMO-{application.pk:05d}",
            amount=approved,
            signed_on=today,
        )
        if fate < 0.52:
            return
        application_transition(
            actor=officer, application_id=application.pk, action="disburse", amount=approved, disbursed_on=today
        )

    @staticmethod
    def _set_back(application: Application, *, days_ago: int, rng: random.Random) -> None:
        """Every time of the application, its steps and its match, as if it started
        ``days_ago`` days ago and each step took a few days."""
        shift = timedelta(days=days_ago)
        application.refresh_from_db()
        steps = list(ApplicationTransition.objects.filter(application=application).order_by("at", "pk"))
        offsets = {
            step.pk: timedelta(days=min(days_ago - 1, index * rng.randint(1, 4))) for index, step in enumerate(steps)
        }
        for step in steps:
            ApplicationTransition.objects.filter(pk=step.pk).update(at=step.at - shift + offsets[step.pk])

        def moved(value, index):
            return None if value is None else value - shift + timedelta(days=min(days_ago - 1, index * 3))

        Application.objects.filter(pk=application.pk).update(
            submitted_at=moved(application.submitted_at, 0),
            accept_due_at=moved(application.accept_due_at, 0),
            accepted_at=moved(application.accepted_at, 1),
            decided_at=moved(application.decided_at, 2),
            signed_at=moved(application.signed_at, 3),
            disbursed_at=moved(application.disbursed_at, 4),
            signed_on=moved(application.signed_at, 3).date() if application.signed_at else None,
            disbursed_on=moved(application.disbursed_at, 4).date() if application.disbursed_at else None,
        )
        if application.disbursed_at:  # the loan began that day
            disbursed_on = moved(application.disbursed_at, 4).date()
            loan = Loan.objects.get(application=application)
            Loan.objects.filter(pk=loan.pk).update(
                disbursed_on=disbursed_on, matures_on=disbursed_on + (loan.matures_on - loan.disbursed_on)
            )
        match = Match.objects.filter(application=application).first()
        if match is not None:
            Match.objects.filter(pk=match.pk).update(
                created_at=moved(match.created_at, 0),
                contact_due_at=moved(match.contact_due_at, 0),
                contacted_at=moved(match.contacted_at, 1),
                signed_at=moved(match.signed_at, 3),
                disbursed_at=moved(match.disbursed_at, 4),
                closed_at=moved(match.closed_at, 2),
            )
