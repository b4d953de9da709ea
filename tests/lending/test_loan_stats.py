"""Loan statistics for regulators, checked against an independent computation over generated
loans and monthly reports; region scoping; incremental counters equal a rebuild; exports."""

import csv
import io
import random
from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.utils import timezone
from openpyxl import load_workbook

from hub.identifiers import make_uscc
from lending.loan_counters import COUNTERS, loan_counters_rebuild, month_start
from lending.models import Loan, LoanCounters, LoanReport
from lending.services.loans import json_rows, loan_reports_submit
from tests.connectors.factories import AuthorizationFactory
from tests.hub.factories import OrganizationFactory, UserFactory
from tests.lending.factories import ProductFactory, disbursed_loan

pytestmark = pytest.mark.django_db

URL = "/api/v1/stats/loans/"
CITIES = ["410100", "410300", "410700"]


def months_between(first: date, last: date):
    month = month_start(first)
    while month <= last:
        yield month
        month = date(month.year + month.month // 12, month.month % 12 + 1, 1)


@pytest.fixture
def generated(db):
    """~36 loans over three cities, two banks and three categories, disbursed over the last
    five months, each reported every month since (some overdue, some settled, renewals)."""
    rng = random.Random(13)
    banks = [OrganizationFactory(kind="bank", code=f"LB{index}", region_code="410000") for index in range(2)]
    officers = {bank.pk: UserFactory(organization=bank) for bank in banks}
    products = [ProductFactory(bank=bank, category=c) for bank in banks for c in ("tech", "first_loan", "credit")]
    for index in range(12):
        city = CITIES[index % 3]
        enterprise = OrganizationFactory(
            kind="enterprise", code=make_uscc(region_code=city, serial=7000 + index), region_code=city[:4] + "02"
        )
        admin = UserFactory(organization=enterprise)
        for bank in banks:
            AuthorizationFactory(enterprise=enterprise, bank=bank, granted_by=admin)
        for _ in range(3):
            product = rng.choice(products)
            disbursed_loan(
                admin,
                officers[product.bank_id],
                product,
                amount=Decimal(rng.randrange(100, 3000)) * 1000,
                rate=Decimal(rng.choice(("3.45", "3.85", "4.35"))),
                first_loan=rng.random() < 0.5,
                pure_credit=rng.random() < 0.5,
                renewal=rng.random() < 0.2,
            )
    today = timezone.localdate()
    for loan in Loan.objects.all():
        Loan.objects.filter(pk=loan.pk).update(disbursed_on=today - timedelta(days=rng.randrange(0, 150)))
    loan_counters_rebuild()
    for bank in banks:
        rows = []
        for loan in Loan.objects.filter(bank=bank):
            balance = loan.amount
            for month in months_between(loan.disbursed_on, today):
                fate = rng.random()
                if fate < 0.1:
                    rows.append(
                        {"loan": loan.pk, "month": month.strftime("%Y-%m"), "balance": "0", "status": "settled"}
                    )
                    break
                balance = (balance * Decimal("0.9")).quantize(Decimal("0.01"))
                overdue = fate < 0.25
                rows.append(
                    {
                        "loan": loan.pk,
                        "month": month.strftime("%Y-%m"),
                        "balance": str(balance),
                        "principal_repaid": "1000.00",
                        "interest_repaid": "300.00",
                        "overdue_days": rng.randint(1, 90) if overdue else 0,
                        "status": "overdue" if overdue else "active",
                    }
                )
        loan_reports_submit(actor=officers[bank.pk], rows=json_rows(rows))
    return Loan.objects.select_related("bank")


def expected(key_of, date_from: date, date_to: date, *, by_month=False, region_prefix="") -> dict:
    """The statistics computed independently, in Python, from the loans and the reports."""
    loans = [loan for loan in Loan.objects.select_related("bank") if loan.region_code.startswith(region_prefix)]
    earliest_first = {}
    for loan in sorted(loans, key=lambda loan: (loan.disbursed_on, loan.pk)):
        if loan.first_loan:
            earliest_first.setdefault(loan.enterprise_id, loan.pk)
    rows = {}

    def row_of(key):
        return rows.setdefault(
            key,
            {
                "loans": 0,
                "amount": Decimal(0),
                "pure": Decimal(0),
                "weighted": Decimal(0),
                "renewals": 0,
                "first": 0,
                "reported": 0,
                "balance": Decimal(0),
                "overdue": Decimal(0),
            },
        )

    for loan in loans:
        if date_from <= loan.disbursed_on <= date_to:
            row = row_of(key_of(loan, month_start(loan.disbursed_on)))
            row["loans"] += 1
            row["amount"] += loan.amount
            row["pure"] += loan.amount if loan.pure_credit else 0
            row["weighted"] += loan.rate * loan.amount
            row["renewals"] += loan.renewal
            row["first"] += earliest_first.get(loan.enterprise_id) == loan.pk
    in_period = [
        report
        for report in LoanReport.objects.select_related("loan__bank")
        if report.loan.region_code.startswith(region_prefix)
        and month_start(date_from) <= report.month <= month_start(date_to)
    ]
    if not by_month and in_period:
        latest = max(report.month for report in in_period)
        in_period = [report for report in in_period if report.month == latest]
    for report in in_period:
        row = row_of(key_of(report.loan, report.month))
        row["reported"] += 1
        row["balance"] += report.balance
        row["overdue"] += report.balance if report.status == "overdue" else 0
    return rows


def ratio(numerator, denominator):
    return f"{Decimal(numerator) / Decimal(denominator):.4f}" if denominator else None


def assert_rows_match(api_rows, mine):
    assert {row["key"] for row in api_rows} == set(mine)
    for row in api_rows:
        expected_row = mine[row["key"]]
        assert row["loans"] == expected_row["loans"], row["key"]
        assert Decimal(row["loan_amount"]) == expected_row["amount"]
        assert row["first_loan_enterprises"] == expected_row["first"], row["key"]
        assert row["pure_credit_share"] == ratio(expected_row["pure"], expected_row["amount"])
        assert row["average_rate"] == ratio(expected_row["weighted"], expected_row["amount"])
        assert row["renewals"] == expected_row["renewals"]
        assert row["reported_loans"] == expected_row["reported"]
        assert Decimal(row["balance"]) == expected_row["balance"]
        assert row["overdue_rate"] == ratio(expected_row["overdue"], expected_row["balance"])


KEYS = {
    "region": lambda loan, month: loan.region_code[:2] + "0000",  # the operator sees provinces
    "bank": lambda loan, month: loan.bank.code,
    "category": lambda loan, month: loan.category,
    "month": lambda loan, month: month.strftime("%Y-%m"),
}


@pytest.mark.parametrize("group_by", list(KEYS))
def test_each_grouping_matches_an_independent_computation(api_client_for, operator, generated, group_by):
    today = timezone.localdate()
    date_from, date_to = today - timedelta(days=100), today - timedelta(days=10)  # partial months at both ends

    response = api_client_for(operator).get(
        URL, {"group_by": group_by, "from": date_from.isoformat(), "to": date_to.isoformat()}
    )

    assert response.status_code == 200
    mine = expected(KEYS[group_by], date_from, date_to, by_month=group_by == "month")
    assert_rows_match(response.json()["rows"], mine)
    assert sum(row["loans"] for row in response.json()["rows"]) > 0


def test_first_loan_enterprises_are_counted_once_over_the_whole_period(api_client_for, operator, generated):
    today = timezone.localdate()
    rows = api_client_for(operator).get(URL, {"group_by": "bank", "from": (today - timedelta(days=200)).isoformat()})

    enterprises = {loan.enterprise_id for loan in generated if loan.first_loan}
    assert sum(row["first_loan_enterprises"] for row in rows.json()["rows"]) == len(enterprises)


def test_a_province_regulator_sees_its_cities_and_a_city_regulator_its_own(api_client_for, regulator_user, generated):
    today = timezone.localdate()
    date_from = today - timedelta(days=200)
    city_regulator = UserFactory(
        organization=OrganizationFactory(kind="regulator", code="LZ-REG", region_code="410300")
    )

    province = api_client_for(regulator_user).get(URL, {"group_by": "region", "from": date_from.isoformat()})
    city = api_client_for(city_regulator).get(URL, {"group_by": "bank", "from": date_from.isoformat()})

    assert_rows_match(
        province.json()["rows"], expected(lambda loan, month: loan.region_code[:4] + "00", date_from, today)
    )
    assert_rows_match(
        city.json()["rows"],
        expected(lambda loan, month: loan.bank.code, date_from, today, region_prefix="4103"),
    )


@pytest.mark.parametrize("persona", ["bank_officer", "enterprise_admin", "platform_admin"])
def test_only_regulators_read_loan_statistics(request, api_client_for, persona):
    assert api_client_for(request.getfixturevalue(persona)).get(URL, {"group_by": "bank"}).status_code == 403


def counter_rows() -> list:
    return sorted(
        tuple(row)
        for row in LoanCounters.objects.values_list("month", "region_code", "bank_id", "category", *COUNTERS)
        if any(row[4:])
    )


def test_incremental_counters_equal_a_rebuild(generated):
    incremental = counter_rows()

    loan_counters_rebuild()

    assert counter_rows() == incremental and incremental


def test_loan_statistics_export_as_csv_and_xlsx(api_client_for, regulator_user, generated):
    client = api_client_for(regulator_user)
    rows = client.get(URL, {"group_by": "category"}).json()["rows"]

    as_csv = client.get(f"{URL}export/", {"group_by": "category", "file_format": "csv"})
    as_xlsx = client.get(f"{URL}export/", {"group_by": "category", "file_format": "xlsx"})

    parsed = list(csv.DictReader(io.StringIO(as_csv.content.decode("utf-8-sig"))))
    assert [(row["key"], row["balance"]) for row in parsed] == [(row["key"], row["balance"]) for row in rows]
    sheet = load_workbook(io.BytesIO(as_xlsx.content)).active
    assert [cell.value for cell in sheet[1]][:3] == ["key", "loans", "loan_amount"]
    assert sheet.max_row == len(rows) + 1
