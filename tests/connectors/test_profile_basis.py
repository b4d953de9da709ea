"""No data is not a clean record: every summary indicator says what it stands on — stored
records, an empty answer of a platform serving the category, or nothing fetched — and only
the first two give a value."""

import pytest
from django.db import transaction

from connectors.models import CreditPull, PullSource
from connectors.models.pulls import PullStatus
from connectors.services.records import records_store
from lending.eligibility import FAILED, PASSED, UNKNOWN, enterprise_facts, evaluate
from tests.connectors.factories import AuthorizationFactory, ConnectorFactory

pytestmark = pytest.mark.django_db

PENALTY = {
    "decision_no": "郑市监罚〔2026〕7号",
    "authority": "郑州市市场监督管理局",
    "decided_on": "2026-05-10",
    "severity": "serious",
    "amount": "5000.00",
    "publicity_ends_on": "2029-05-10",
    "repaired": False,
}


def answered(enterprise, bank, bank_officer, connector, authorization, categories, status=PullStatus.SUCCEEDED):
    """A finished pull in which ``connector`` answered for ``categories`` (with nothing, unless
    records are stored separately)."""
    pull = CreditPull.objects.create(
        bank=bank,
        enterprise=enterprise,
        authorization=authorization,
        categories=categories,
        requested_by=bank_officer,
        status=status,
    )
    PullSource.objects.create(pull=pull, connector=connector, categories=categories, status=status)


def store_penalty(enterprise, connector):
    with transaction.atomic():
        records_store(
            enterprise_id=enterprise.pk,
            connector=connector,
            records={("penalty", "p-1"): {"category": "penalty", "source_id": "p-1", "data": PENALTY}},
            authorization_id=None,
        )


@pytest.fixture
def authorization(enterprise, bank):
    return AuthorizationFactory(enterprise=enterprise, bank=bank, scopes=["penalty", "dishonest", "honor", "tax"])


def summary_of(api_client_for, bank_officer, enterprise):
    response = api_client_for(bank_officer).get(f"/api/v1/enterprises/{enterprise.code}/credit-profile/")
    assert response.status_code == 200
    return response.json()["summary"]


def test_records_an_empty_answer_and_nothing_fetched_give_three_different_answers(
    api_client_for, enterprise, bank, bank_officer, authorization
):
    # given: penalties stored from one platform; dishonest answered empty by another;
    # honors and tax asked of a platform that failed (nothing fetched)
    with_records, empty, failing = ConnectorFactory(), ConnectorFactory(), ConnectorFactory()
    store_penalty(enterprise, with_records)
    answered(enterprise, bank, bank_officer, with_records, authorization, ["penalty"])
    answered(enterprise, bank, bank_officer, empty, authorization, ["dishonest"])
    answered(enterprise, bank, bank_officer, failing, authorization, ["honor", "tax"], status=PullStatus.FAILED)

    # when
    summary = summary_of(api_client_for, bank_officer, enterprise)

    # then
    assert summary["penalties_last_3_years"] == {"minor": 0, "ordinary": 0, "serious": 1}
    assert summary["unrepaired_penalties"] == 1
    assert summary["dishonest_listed_now"] is False
    assert summary["honors"] is None
    assert summary["tax_paid_last_12_months"] is None
    assert summary["latest_tax_grade"] is None
    assert summary["has_arrears"] is None
    assert summary["basis"] == {
        "tax_paid_last_12_months": "not_fetched",
        "latest_tax_grade": "not_fetched",
        "has_arrears": "not_fetched",
        "penalties_last_3_years": "records",
        "unrepaired_penalties": "records",
        "dishonest_listed_now": "none_reported",
        "honors": "not_fetched",
    }


def test_an_empty_answer_counts_zero_where_nothing_fetched_counts_nothing(
    api_client_for, enterprise, bank, bank_officer, authorization
):
    answered(enterprise, bank, bank_officer, ConnectorFactory(), authorization, ["honor"])

    summary = summary_of(api_client_for, bank_officer, enterprise)

    assert summary["honors"] == 0
    assert summary["basis"]["honors"] == "none_reported"
    assert summary["penalties_last_3_years"] is None
    assert summary["basis"]["penalties_last_3_years"] == "not_fetched"


def test_the_profile_page_tells_no_records_from_not_fetched(logged_in, enterprise, bank, bank_officer, authorization):
    answered(enterprise, bank, bank_officer, ConnectorFactory(), authorization, ["dishonest"])

    html = logged_in(bank_officer).get(f"/enterprises/{enterprise.code}/profile/").content.decode()

    assert 'data-indicator="dishonest_listed_now" data-basis="none_reported"' in html
    assert 'data-indicator="honors" data-basis="not_fetched"' in html


def test_eligibility_treats_nothing_fetched_as_unknown_and_an_empty_answer_as_known(
    enterprise, bank, bank_officer, authorization
):
    rules = {"no_dishonest": True, "max_unrepaired_serious_penalties": 0}
    results = {result.rule: result.result for result in evaluate(rules, enterprise_facts(enterprise))}
    assert results == {"no_dishonest": UNKNOWN, "max_unrepaired_serious_penalties": UNKNOWN}

    answered(enterprise, bank, bank_officer, ConnectorFactory(), authorization, ["dishonest", "penalty"])
    results = {result.rule: result.result for result in evaluate(rules, enterprise_facts(enterprise))}
    assert results == {"no_dishonest": PASSED, "max_unrepaired_serious_penalties": PASSED}

    store_penalty(enterprise, ConnectorFactory())
    results = {result.rule: result.result for result in evaluate(rules, enterprise_facts(enterprise))}
    assert results["max_unrepaired_serious_penalties"] == FAILED
