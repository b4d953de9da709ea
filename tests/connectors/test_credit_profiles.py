"""Credit profiles: scoped to the reader's authorizations, summarized, every read audited
and shown in the enterprise's access log."""

from datetime import date, timedelta

import pytest
from django.utils import timezone

from connectors.models import CreditRecord
from connectors.record_keys import source_key
from connectors.selectors.profiles import period_end, summarize
from connectors.services.notices import credit_repair_notices_send
from connectors.services.records import records_store
from hub.models import AuditEvent, Notification
from tests.connectors.factories import AuthorizationFactory, ConnectorFactory

pytestmark = pytest.mark.django_db

TODAY = date(2026, 11, 28)


def record(category, source_id, data, occurred_on=None):
    return {"category": category, "source_id": source_id, "occurred_on": occurred_on, "data": data}


def store(enterprise, connector, *records):
    from django.db import transaction

    with transaction.atomic():
        records_store(
            enterprise_id=enterprise.pk,
            connector=connector,
            records={(r["category"], r["source_id"]): r for r in records},
            authorization_id=None,
        )


@pytest.fixture
def connector(db):
    return ConnectorFactory(name="郑州市信用平台")


@pytest.fixture
def stored(enterprise, connector):
    store(
        enterprise,
        connector,
        record(
            "tax", "t1", {"period": "2026-Q3", "tax_paid": "1000.50", "arrears": "0.00", "grade": "A"}, "2026-09-30"
        ),
        record(
            "tax", "t2", {"period": "2026-Q1", "tax_paid": "2000.00", "arrears": "0.00", "grade": "B"}, "2026-03-31"
        ),
        record(
            "tax", "t3", {"period": "2025-Q2", "tax_paid": "9999.00", "arrears": "10.00", "grade": "B"}, "2025-06-30"
        ),
        record(
            "penalty",
            "p1",
            {
                "decision_no": "郑市监罚〔2025〕12号",
                "authority": "郑州市市场监督管理局",
                "decided_on": "2025-01-10",
                "severity": "ordinary",
                "amount": "5000.00",
                "publicity_ends_on": "2026-01-10",
                "repaired": False,
            },
        ),
        record(
            "penalty",
            "p2",
            {
                "decision_no": "郑市监罚〔2022〕3号",
                "authority": "郑州市市场监督管理局",
                "decided_on": "2022-03-01",
                "severity": "serious",
                "amount": "1.00",
                "publicity_ends_on": "2025-03-01",
                "repaired": True,
            },
        ),
        record("social_insurance", "s1", {"period": "2026-10", "insured_headcount": 42, "arrears": "0.00"}),
        record("social_insurance", "s2", {"period": "2026-09", "insured_headcount": 40, "arrears": "0.00"}),
        record(
            "dishonest",
            "d1",
            {
                "case_no": "(2024)豫01执1号",
                "court": "郑州市中级人民法院",
                "listed_on": "2024-05-01",
                "removed_on": "2024-08-01",
            },
        ),
        record(
            "license",
            "l1",
            {
                "license_no": "X1",
                "name": "食品经营许可证",
                "authority": "郑州市市场监督管理局",
                "valid_from": "2024-01-01",
                "valid_until": "2029-01-01",
            },
        ),
        record(
            "license",
            "l2",
            {
                "license_no": "X2",
                "name": "旧许可证",
                "authority": "郑州市市场监督管理局",
                "valid_from": "2018-01-01",
                "valid_until": "2023-01-01",
            },
        ),
        record("rating", "r1", {"grade": "A", "score": 880, "evaluated_on": "2026-06-30"}),
        record("rating", "r0", {"grade": "B", "score": 700, "evaluated_on": "2025-06-30"}),
    )


def test_summary_indicators(enterprise, stored):
    from connectors.selectors.profiles import profile_records

    categories = ["tax", "penalty", "social_insurance", "dishonest", "license", "rating", "honor", "housing_fund"]
    summary = summarize(
        profile_records(enterprise_id=enterprise.pk, categories=categories), categories=categories, today=TODAY
    )

    assert summary["tax_paid_last_12_months"] == "3000.50"
    assert summary["latest_tax_grade"] == "A"
    assert summary["has_arrears"] is True
    assert summary["latest_insured_headcount"] == 42
    assert summary["latest_depositor_headcount"] is None
    assert summary["penalties_last_3_years"] == {"minor": 0, "ordinary": 1, "serious": 0}  # 2022 is too old
    assert summary["unrepaired_penalties"] == 1
    assert summary["dishonest_listed_now"] is False
    assert summary["valid_licenses"] == 1
    assert summary["honors"] is None  # nothing fetched is not "no honours"
    assert summary["basis"]["honors"] == "not_fetched"
    assert summary["basis"]["latest_tax_grade"] == "records"
    assert summary["latest_rating"] == {"grade": "A", "score": 880, "evaluated_on": "2026-06-30"}


def test_indicators_of_categories_out_of_scope_are_absent(enterprise, stored):
    from connectors.selectors.profiles import profile_records

    summary = summarize(
        profile_records(enterprise_id=enterprise.pk, categories=["penalty"]), categories=["penalty"], today=TODAY
    )

    assert set(summary) == {"penalties_last_3_years", "unrepaired_penalties", "basis"}
    assert set(summary["basis"]) == {"penalties_last_3_years", "unrepaired_penalties"}


@pytest.mark.parametrize(
    "period, end",
    [
        ("2025-Q1", date(2025, 3, 31)),
        ("2025-Q4", date(2025, 12, 31)),
        ("2024-02", date(2024, 2, 29)),
        ("2025-12", date(2025, 12, 31)),
        ("junk", None),
    ],
)
def test_periods_end_on_their_last_day(period, end):
    assert period_end(period) == end


# --- who reads what ---------------------------------------------------------------------------------


def profile_url(enterprise):
    return f"/api/v1/enterprises/{enterprise.code}/credit-profile/"


def test_a_bank_reads_only_the_categories_its_authorizations_cover(
    api_client_for, enterprise, bank, bank_officer, stored
):
    AuthorizationFactory(enterprise=enterprise, bank=bank, scopes=["tax"])
    AuthorizationFactory(enterprise=enterprise, bank=bank, scopes=["penalty"], purpose="post_loan")

    response = api_client_for(bank_officer).get(profile_url(enterprise))

    assert response.status_code == 200
    body = response.json()
    assert body["enterprise"] == enterprise.code
    assert list(body["categories"]) == ["penalty", "tax"]
    assert len(body["categories"]["tax"]["records"]) == 3
    first = body["categories"]["tax"]["records"][0]
    assert set(first) >= {"source_id", "occurred_on", "data", "connector"} and first["connector"] == "郑州市信用平台"
    assert body["categories"]["tax"]["fetched_at"]
    assert "latest_insured_headcount" not in body["summary"]


def test_the_enterprise_reads_its_whole_profile(api_client_for, enterprise, enterprise_admin, stored):
    body = api_client_for(enterprise_admin).get(profile_url(enterprise)).json()

    assert len(body["categories"]) == 15 and body["summary"]["latest_tax_grade"] == "A"
    assert body["enterprise_name"] == enterprise.name
    # Times in the hub's time zone, as every other endpoint gives them (API.md).
    assert body["generated_at"].endswith("+08:00") and body["categories"]["tax"]["fetched_at"].endswith("+08:00")


@pytest.mark.parametrize("case", ["none", "revoked", "expired", "other bank"])
def test_banks_without_an_authorization_in_force_are_refused(
    api_client_for, enterprise, bank, bank_officer, stored, case
):
    from tests.hub.factories import OrganizationFactory

    if case == "revoked":
        AuthorizationFactory(enterprise=enterprise, bank=bank, status="revoked")
    elif case == "expired":
        AuthorizationFactory(enterprise=enterprise, bank=bank, expires_at=timezone.now() - timedelta(seconds=1))
    elif case == "other bank":
        AuthorizationFactory(enterprise=enterprise, bank=OrganizationFactory(kind="bank"))

    response = api_client_for(bank_officer).get(profile_url(enterprise))

    assert response.status_code == 403
    assert not AuditEvent.objects.filter(action="credit_profile.read").exists()


@pytest.mark.parametrize("persona", ["regulator_user", "platform_admin", "outsider", "operator"])
def test_nobody_else_sees_records(request, api_client_for, enterprise, stored, persona):
    assert api_client_for(request.getfixturevalue(persona)).get(profile_url(enterprise)).status_code == 403


def test_revocation_stops_the_very_next_read(api_client_for, enterprise, enterprise_admin, bank, bank_officer, stored):
    authorization = AuthorizationFactory(enterprise=enterprise, bank=bank, scopes=["tax"])
    client = api_client_for(bank_officer)
    assert client.get(profile_url(enterprise)).status_code == 200

    api_client_for(enterprise_admin).post(f"/api/v1/authorizations/{authorization.pk}/revoke/")

    assert client.get(profile_url(enterprise)).status_code == 403


def test_every_read_is_in_the_access_log_with_reader_purpose_and_authorization(
    api_client_for, enterprise, enterprise_admin, bank, bank_officer, stored, outsider
):
    authorization = AuthorizationFactory(
        enterprise=enterprise, bank=bank, scopes=["tax", "penalty"], purpose="pre_credit"
    )
    api_client_for(bank_officer).get(profile_url(enterprise))
    log_url = f"/api/v1/enterprises/{enterprise.code}/access-log/"

    rows = api_client_for(enterprise_admin).get(log_url).json()["results"]

    assert len(rows) == 1
    assert rows[0]["organization"]["code"] == "ZYBANK" and rows[0]["user"] == "bank-officer"
    assert rows[0]["action"] == "credit_profile.read"
    assert rows[0]["categories"] == ["penalty", "tax"]
    assert (rows[0]["purpose"], rows[0]["authorization"]) == ("pre_credit", authorization.pk)
    assert api_client_for(outsider).get(log_url).status_code == 404
    assert api_client_for(bank_officer).get(log_url).status_code == 404


# --- credit repair notices ----------------------------------------------------------------------------


def test_an_unrepaired_penalty_past_its_publicity_period_brings_one_notice(
    api_client_for, enterprise, enterprise_admin, stored
):
    assert credit_repair_notices_send() == 1
    assert credit_repair_notices_send() == 0

    notices = api_client_for(enterprise_admin).get("/api/v1/notifications/").json()["results"]
    assert len(notices) == 1
    assert notices[0]["kind"] == "credit_repair" and "郑市监罚〔2025〕12号" in notices[0]["body"]


def test_a_repaired_or_still_public_penalty_brings_none(enterprise, connector):
    future = (timezone.localdate() + timedelta(days=30)).isoformat()
    store(
        enterprise,
        connector,
        record(
            "penalty",
            "still-public",
            {
                "decision_no": "A",
                "authority": "B",
                "decided_on": "2026-01-01",
                "severity": "minor",
                "amount": "1.00",
                "publicity_ends_on": future,
                "repaired": False,
            },
        ),
        record(
            "penalty",
            "repaired",
            {
                "decision_no": "C",
                "authority": "B",
                "decided_on": "2023-01-01",
                "severity": "minor",
                "amount": "1.00",
                "publicity_ends_on": "2024-01-01",
                "repaired": True,
            },
        ),
    )

    assert credit_repair_notices_send() == 0
    assert not Notification.objects.exists()


def test_notices_are_marked_read_by_their_organization_only(api_client_for, enterprise_admin, outsider, stored):
    credit_repair_notices_send()
    notice = Notification.objects.get()

    assert api_client_for(outsider).post(f"/api/v1/notifications/{notice.pk}/read/").status_code == 404
    response = api_client_for(enterprise_admin).post(f"/api/v1/notifications/{notice.pk}/read/")
    assert response.status_code == 200 and response.json()["read_at"]


def test_a_record_served_again_unchanged_is_not_rewritten(enterprise, connector, stored):
    before = CreditRecord.objects.get(source_key=source_key("tax", "t1")).fetched_at
    store(
        enterprise,
        connector,
        record(
            "tax", "t1", {"period": "2026-Q3", "tax_paid": "1000.50", "arrears": "0.00", "grade": "A"}, "2026-09-30"
        ),
    )

    assert CreditRecord.objects.get(source_key=source_key("tax", "t1")).fetched_at == before


def test_a_record_served_again_changed_is_updated_in_place(enterprise, connector, stored):
    store(
        enterprise,
        connector,
        record(
            "tax", "t1", {"period": "2026-Q3", "tax_paid": "1100.00", "arrears": "0.00", "grade": "A"}, "2026-09-30"
        ),
    )

    assert CreditRecord.objects.filter(source_key=source_key("tax", "t1")).count() == 1
    assert CreditRecord.objects.get(source_key=source_key("tax", "t1")).data["tax_paid"] == "1100.00"
