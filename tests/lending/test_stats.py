"""Statistics for regulators, checked against an independent computation over generated
applications; region scoping; incremental aggregates equal a rebuild; exports."""

import csv
import io
import random
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
from django.apps import apps as django_apps
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from openpyxl import load_workbook

from hub.identifiers import make_uscc
from lending import stats_maintenance
from lending.models import (
    Application,
    LendingByBank,
    LendingByBankDay,
    LendingByCategory,
    LendingByCategoryDay,
    LendingByRegion,
    LendingByRegionDay,
)
from lending.services.applications import application_claim, application_submit, application_transition
from lending.stats import GROUPINGS, lending_rows, raw_lending_rows
from lending.stats_maintenance import COUNTERS, PERIOD, TABLES, aggregates_rebuild
from tests.conftest import require_service
from tests.connectors.factories import AuthorizationFactory
from tests.hub.factories import OrganizationFactory, UserFactory
from tests.lending.factories import ProductFactory

pytestmark = pytest.mark.django_db

URL = "/api/v1/stats/lending/"
CITIES = ["410100", "410300", "410700"]


@pytest.fixture
def generated(db):
    """~120 applications over three cities, two banks, three categories and open demands,
    moved through the funnel by the real services."""
    rng = random.Random(11)
    banks = [OrganizationFactory(kind="bank", code=f"B{index}", region_code="410000") for index in range(2)]
    officers = {bank.pk: UserFactory(organization=bank) for bank in banks}
    products = [
        ProductFactory(bank=bank, category=category) for bank in banks for category in ("tech", "first_loan", "credit")
    ]
    applications = []
    for index in range(24):
        city = CITIES[index % 3]
        enterprise = OrganizationFactory(
            kind="enterprise", code=make_uscc(region_code=city, serial=5000 + index), region_code=city[:4] + "02"
        )
        admin = UserFactory(organization=enterprise)
        for bank in banks:
            AuthorizationFactory(enterprise=enterprise, bank=bank, granted_by=admin)
        for _ in range(3):
            product = rng.choice([*products, None])
            application = application_submit(
                actor=admin,
                product_id=product.pk if product else None,
                amount=Decimal(rng.randrange(100, 3000)) * 1000,
                term_months=12,
                purpose="经营周转",
            )
            bank_id = product.bank_id if product else None
            path = rng.choice(["none", "accept", "approve", "reject", "sign", "disburse", "withdraw", "reject_late"])
            if product is None and path != "none":
                bank_id = rng.choice(banks).pk
                application_claim(actor=officers[bank_id], application_id=application.pk)
            officer = officers[bank_id] if bank_id else None
            steps = {
                "accept": ["accept"],
                "approve": ["accept", "approve"],
                "reject": ["reject"],
                "sign": ["accept", "approve", "sign"],
                "disburse": ["accept", "approve", "sign", "disburse"],
                "withdraw": ["withdraw"],
                "reject_late": ["accept", "reject"],
                "none": [],
            }[path]
            for step in steps:
                if product is None and step == "accept":
                    continue  # claiming accepted it
                details = {
                    "approve": {
                        "amount": application.amount,
                        "rate": Decimal("3.9"),
                        "term_months": 12,
                        "guarantee": "credit",
                        "first_loan": rng.random() < 0.5,
                        "pure_credit": rng.random() < 0.5,
                    },
                    "reject": {"reason_code": "other", "reason": ""},
                    "sign": {"contract_no": "C", "amount": application.amount, "signed_on": timezone.localdate()},
                    "disburse": {"amount": application.amount - 1000, "disbursed_on": timezone.localdate()},
                }.get(step, {})
                actor = admin if step == "withdraw" else officer
                application_transition(actor=actor, application_id=application.pk, action=step, **details)
            applications.append(application.pk)
    return Application.objects.filter(pk__in=applications)


def expected(applications, key_of) -> dict:
    """The statistics computed independently, in Python, from the applications."""
    rows = {}
    for application in applications:
        row = rows.setdefault(
            key_of(application),
            {
                "applications": 0,
                "accepted": 0,
                "approved": 0,
                "rejected": 0,
                "signed": 0,
                "disbursed": 0,
                "disbursed_amount": Decimal("0"),
                "accept_days": [],
                "first_loans": 0,
                "pure_credit_loans": 0,
            },
        )
        row["applications"] += 1
        row["accepted"] += application.accepted_at is not None
        approved = application.approved_amount is not None
        row["approved"] += approved
        row["rejected"] += application.status == "rejected"
        row["signed"] += application.signed_at is not None
        row["disbursed"] += application.disbursed_at is not None
        row["disbursed_amount"] += application.disbursed_amount or 0
        if application.accepted_at:
            row["accept_days"].append((application.accepted_at - application.submitted_at).total_seconds() / 86400)
        row["first_loans"] += approved and application.first_loan
        row["pure_credit_loans"] += approved and application.pure_credit
    return rows


def assert_rows_match(api_rows, expected_rows):
    assert {row["key"] for row in api_rows} == set(expected_rows)
    for row in api_rows:
        mine = expected_rows[row["key"]]
        for name in (
            "applications",
            "accepted",
            "approved",
            "rejected",
            "signed",
            "disbursed",
            "first_loans",
            "pure_credit_loans",
        ):
            assert row[name] == mine[name], (row["key"], name)
        assert Decimal(row["disbursed_amount"]) == mine["disbursed_amount"]
        decided = mine["approved"] + mine["rejected"]
        assert row["approval_rate"] == (f"{Decimal(mine['approved']) / decided:.4f}" if decided else None)
        if mine["accept_days"]:
            assert abs(float(row["avg_days_to_accept"]) - sum(mine["accept_days"]) / len(mine["accept_days"])) < 0.01


def spread_over_months(applications):
    """Move submissions back over the last five months (as if made then) and rebuild."""
    rng = random.Random(5)
    for application in applications:
        shift = timedelta(days=rng.randrange(0, 150), hours=rng.randrange(0, 24))
        updates = {"submitted_at": application.submitted_at - shift}
        for field in ("accepted_at", "decided_at", "signed_at", "disbursed_at"):
            if getattr(application, field):
                updates[field] = getattr(application, field) - shift + timedelta(days=rng.randrange(0, 3))
        Application.objects.filter(pk=application.pk).update(**updates)
    aggregates_rebuild()


COUNTER_MODELS = (
    LendingByRegion,
    LendingByBank,
    LendingByCategory,
    LendingByRegionDay,
    LendingByBankDay,
    LendingByCategoryDay,
)


def counter_rows() -> dict:
    return {
        model.__name__: sorted(
            tuple(row)
            for row in model.objects.filter(applications__gt=0).values_list(
                PERIOD[model.__name__], *TABLES[model.__name__], *COUNTERS
            )
        )
        for model in COUNTER_MODELS
    }


def test_incremental_counters_equal_a_rebuild(generated):
    incremental = counter_rows()

    aggregates_rebuild()

    assert counter_rows() == incremental


def test_the_rebuild_in_sql_sums_what_contribution_counts(generated):
    require_service("PostgreSQL", connection.vendor == "postgresql", "set DATABASE_URL to PostgreSQL")
    spread_over_months(generated)
    first, second = generated[0], generated[1]
    # 1 November 01:30 in Beijing is still October in UTC; a fraction of a second truncates.
    boundary = datetime(2026, 10, 31, 17, 30, tzinfo=UTC)
    Application.objects.filter(pk=first.pk).update(submitted_at=boundary)
    Application.objects.filter(pk=second.pk).update(
        submitted_at=boundary, accepted_at=boundary + timedelta(hours=5, seconds=7, microseconds=999_999)
    )

    stats_maintenance._rebuild_in_python(django_apps)
    in_python = counter_rows()
    stats_maintenance._rebuild_in_sql(django_apps)

    assert counter_rows() == in_python
    assert any(row[0] == date(2026, 11, 1) for row in in_python["LendingByRegion"])
    assert any(row[0] == date(2026, 11, 1) for row in in_python["LendingByRegionDay"])


@pytest.mark.parametrize("group_by", GROUPINGS)
def test_partial_months_come_from_the_daily_counters_without_reading_the_applications(
    operator, regulator_user, generated, group_by
):
    spread_over_months(generated)
    today = timezone.localdate()
    periods = [
        (today - timedelta(days=100), today - timedelta(days=10)),  # partial months at both ends
        (today - timedelta(days=12), today - timedelta(days=3)),  # days of one or two months, no whole one
    ]
    city_regulator = UserFactory(organization=OrganizationFactory(kind="regulator", region_code="410300"))
    for user in (operator, regulator_user, city_regulator):
        for date_from, date_to in periods:
            with CaptureQueriesContext(connection) as queries:
                rows = lending_rows(user=user, group_by=group_by, date_from=date_from, date_to=date_to)

            assert not [query["sql"] for query in queries if Application._meta.db_table in query["sql"]]
            assert rows == raw_lending_rows(user=user, group_by=group_by, date_from=date_from, date_to=date_to)


@pytest.mark.parametrize("group_by", ["region", "bank", "category", "month"])
def test_each_grouping_matches_an_independent_computation(api_client_for, operator, generated, group_by):
    spread_over_months(generated)
    today = timezone.localdate()
    date_from, date_to = today - timedelta(days=100), today - timedelta(days=10)  # partial months at both ends
    start = timezone.make_aware(datetime.combine(date_from, datetime.min.time()))
    end = timezone.make_aware(datetime.combine(date_to + timedelta(days=1), datetime.min.time()))
    inside = [a for a in Application.objects.select_related("bank") if start <= a.submitted_at < end]
    key_of = {
        "region": lambda a: a.region_code[:2] + "0000",  # the operator sees provinces
        "bank": lambda a: a.bank.code if a.bank else "unclaimed",
        "category": lambda a: a.category,
        "month": lambda a: timezone.localtime(a.submitted_at).strftime("%Y-%m"),
    }[group_by]

    response = api_client_for(operator).get(
        URL, {"group_by": group_by, "from": date_from.isoformat(), "to": date_to.isoformat()}
    )

    assert response.status_code == 200
    assert_rows_match(response.json()["rows"], expected(inside, key_of))


def test_a_province_regulator_sees_its_cities(api_client_for, regulator_user, generated):
    rows = api_client_for(regulator_user).get(URL, {"group_by": "region"}).json()["rows"]

    assert {row["key"] for row in rows} == set(CITIES)
    assert_rows_match(rows, expected(generated, lambda a: a.region_code[:4] + "00"))


def test_a_city_regulator_sees_only_its_city(api_client_for, generated):
    city_regulator = UserFactory(
        organization=OrganizationFactory(kind="regulator", code="ZZ-REG", region_code="410300")
    )

    rows = api_client_for(city_regulator).get(URL, {"group_by": "region"}).json()["rows"]

    assert [row["key"] for row in rows] == ["410302"]
    assert rows[0]["applications"] == generated.filter(region_code__startswith="4103").count()


@pytest.mark.parametrize(
    "params, field",
    [
        ({"group_by": "planet"}, "group_by"),
        ({}, "group_by"),
        ({"group_by": "bank", "from": "2026-13-01"}, "from"),
        ({"group_by": "bank", "from": "2026-05-01", "to": "2026-04-01"}, "from"),
        ({"group_by": "region", "to": "9999-12-31"}, "to"),
        ({"group_by": "region", "from": "0001-01-01"}, "from"),
    ],
)
def test_bad_queries_are_400_naming_the_parameter(api_client_for, regulator_user, params, field):
    response = api_client_for(regulator_user).get(URL, params)

    assert response.status_code == 400 and field in response.json()["error"]["fields"]


@pytest.mark.parametrize("persona", ["bank_officer", "enterprise_admin", "platform_admin"])
def test_only_regulators_read_statistics(request, api_client_for, persona):
    assert api_client_for(request.getfixturevalue(persona)).get(URL, {"group_by": "bank"}).status_code == 403


def test_exports_carry_the_same_rows_as_csv_and_xlsx(api_client_for, regulator_user, generated):
    client = api_client_for(regulator_user)
    rows = client.get(URL, {"group_by": "category"}).json()["rows"]

    as_csv = client.get(f"{URL}export/", {"group_by": "category", "file_format": "csv"})
    as_xlsx = client.get(f"{URL}export/", {"group_by": "category", "file_format": "xlsx"})

    parsed = list(csv.DictReader(io.StringIO(as_csv.content.decode("utf-8-sig"))))
    assert [row["key"] for row in parsed] == [row["key"] for row in rows]
    assert [int(row["applications"]) for row in parsed] == [row["applications"] for row in rows]
    sheet = load_workbook(io.BytesIO(as_xlsx.content)).active
    assert [cell.value for cell in sheet[1]][:2] == ["key", "applications"]
    assert sheet.max_row == len(rows) + 1
    assert client.get(f"{URL}export/", {"group_by": "category", "file_format": "pdf"}).status_code == 400


def test_matching_statistics_count_the_funnel_and_overdue_follow_ups(api_client_for, regulator_user, generated):
    from lending.models import Match

    Match.objects.filter(status="intent").update(contact_due_at=timezone.now() - timedelta(days=1))
    rows = api_client_for(regulator_user).get("/api/v1/stats/matching/", {"group_by": "bank"}).json()["rows"]

    matches = Match.objects.select_related("bank")
    for row in rows:
        mine = [m for m in matches if m.bank.code == row["key"]]
        assert row["intents"] == len(mine)
        assert row["signed"] == sum(1 for m in mine if m.signed_at)
        assert row["overdue_followups"] == sum(1 for m in mine if m.status == "intent")
        assert row["conversion_rate"] == f"{Decimal(row['signed']) / row['intents']:.4f}"


def test_unclaimed_demands_form_one_row_whether_counted_from_aggregates_or_edges(
    api_client_for, operator, enterprise_admin
):
    today = timezone.localdate()
    first_of_month = today.replace(day=1)
    in_full_month = application_submit(
        actor=enterprise_admin, product_id=None, amount=1, term_months=12, purpose="周转"
    )
    application_submit(actor=enterprise_admin, product_id=None, amount=1, term_months=12, purpose="周转")
    previous_month = (first_of_month - timedelta(days=1)).replace(day=10)
    Application.objects.filter(pk=in_full_month.pk).update(
        submitted_at=timezone.make_aware(datetime.combine(previous_month, datetime.min.time()))
    )
    aggregates_rebuild()
    date_from = previous_month.replace(day=1)  # a whole month from the aggregates…
    date_to = today  # …and the current month, partial, from the applications

    params = {"group_by": "bank", "from": date_from.isoformat(), "to": date_to.isoformat()}
    rows = api_client_for(operator).get(URL, params).json()["rows"]

    assert [(row["key"], row["applications"]) for row in rows] == [("unclaimed", 2)]


def test_a_county_level_city_under_the_province_is_its_own_region(api_client_for, regulator_user):
    jiyuan = OrganizationFactory(
        kind="enterprise", code=make_uscc(region_code="419001", serial=9001), region_code="419001"
    )
    application_submit(
        actor=UserFactory(organization=jiyuan), product_id=None, amount=1, term_months=12, purpose="周转"
    )

    rows = api_client_for(regulator_user).get(URL, {"group_by": "region"}).json()["rows"]

    assert [row["key"] for row in rows] == ["419001"]
