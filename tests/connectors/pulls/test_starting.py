"""Starting a credit pull: who may, for which categories, from which connectors."""

from datetime import timedelta

import pytest
from django.utils import timezone

from connectors.models import CreditPull, CreditRecord
from hub.models import AuditEvent, Authorization
from tests.connectors.factories import ConnectorFactory
from tests.connectors.pulls.helpers import URL, expected_records, start_pull

pytestmark = pytest.mark.django_db


def test_a_full_pull_stores_every_record_once_and_ends_succeeded(
    api_client_for, bank_officer, enterprise, authorization, simulator_factory, django_capture_on_commit_callbacks
):
    simulator = simulator_factory(page_size=7)
    connector = ConnectorFactory(base_url=simulator.base_url, region_codes=["410000"])
    client = api_client_for(bank_officer)

    response = start_pull(client, enterprise, django_capture_on_commit_callbacks, categories=["tax", "penalty"])

    assert response.status_code == 202
    assert set(response.json()) >= {"id", "status", "enterprise", "categories", "sources"}
    pull = client.get(f"{URL}{response.json()['id']}/").json()
    assert pull["status"] == "succeeded"
    [source] = pull["sources"]
    expected = expected_records(enterprise, ["tax", "penalty"])
    assert (source["connector"], source["status"], source["records"], source["skipped"]) == (
        connector.pk,
        "succeeded",
        expected,
        0,
    )
    assert CreditRecord.objects.filter(enterprise=enterprise).count() == expected
    assert pull["started_at"] and pull["finished_at"]
    assert AuditEvent.objects.filter(action="credit_pull.started", organization_id=enterprise.pk).exists()


def test_categories_default_to_the_authorizations_scopes(
    api_client_for, bank_officer, enterprise, authorization, running_simulator, django_capture_on_commit_callbacks
):
    ConnectorFactory(base_url=running_simulator.base_url)

    response = start_pull(api_client_for(bank_officer), enterprise, django_capture_on_commit_callbacks)

    assert response.json()["categories"] == ["license", "penalty", "tax"]
    assert set(CreditRecord.objects.values_list("category", flat=True)) <= {"license", "penalty", "tax"}


def test_only_active_connectors_covering_the_region_and_categories_are_asked(
    api_client_for, bank_officer, enterprise, authorization, running_simulator, django_capture_on_commit_callbacks
):
    province = ConnectorFactory(base_url=running_simulator.base_url, region_codes=["410000"])
    city = ConnectorFactory(base_url=running_simulator.base_url, region_codes=["410100"], categories=["tax"])
    ConnectorFactory(base_url=running_simulator.base_url, region_codes=["410300"])  # another city
    ConnectorFactory(base_url=running_simulator.base_url, status="suspended")
    ConnectorFactory(base_url=running_simulator.base_url, categories=["customs"])  # nothing requested

    response = start_pull(
        api_client_for(bank_officer), enterprise, django_capture_on_commit_callbacks, categories=["tax", "penalty"]
    )

    sources = {source["connector"]: source["categories"] for source in response.json()["sources"]}
    assert sources == {province.pk: ["penalty", "tax"], city.pk: ["tax"]}


def test_without_a_covering_connector_the_pull_fails_at_once(api_client_for, bank_officer, enterprise, authorization):
    response = api_client_for(bank_officer).post(URL, {"enterprise": enterprise.code}, format="json")

    assert response.status_code == 202
    assert response.json()["status"] == "failed" and response.json()["error"]


@pytest.mark.parametrize("case", ["no authorization", "out of scope", "revoked", "expired", "unknown enterprise"])
def test_pulls_without_an_authorization_in_force_covering_the_request_are_403(
    api_client_for, bank_officer, enterprise, authorization, case
):
    body = {"enterprise": enterprise.code, "categories": ["tax"]}
    if case == "no authorization":
        Authorization.objects.all().delete()
    elif case == "out of scope":
        body["categories"] = ["tax", "customs"]
    elif case == "revoked":
        Authorization.objects.update(status="revoked", revoked_at=timezone.now())
    elif case == "expired":
        Authorization.objects.update(expires_at=timezone.now() - timedelta(seconds=1))
    else:
        body["enterprise"] = "91350100M000100Y43"

    response = api_client_for(bank_officer).post(URL, body, format="json")

    assert response.status_code == 403
    assert response.json()["error"]["code"] == "not_authorized"
    assert not CreditPull.objects.exists()


@pytest.mark.parametrize("persona", ["enterprise_admin", "regulator_user", "platform_admin", "outsider"])
def test_only_banks_pull(request, api_client_for, enterprise, authorization, persona):
    response = api_client_for(request.getfixturevalue(persona)).post(
        URL, {"enterprise": enterprise.code}, format="json"
    )

    assert response.status_code == 403


def test_another_bank_cannot_pull_on_this_banks_authorization(api_client_for, enterprise, authorization):
    from tests.hub.factories import OrganizationFactory, UserFactory

    other_bank_officer = UserFactory(organization=OrganizationFactory(kind="bank", code="OTHER"))

    assert (
        api_client_for(other_bank_officer).post(URL, {"enterprise": enterprise.code}, format="json").status_code == 403
    )


def test_a_pull_is_visible_only_to_its_bank(api_client_for, bank_officer, outsider, enterprise, authorization):
    pull_id = api_client_for(bank_officer).post(URL, {"enterprise": enterprise.code}, format="json").json()["id"]

    assert api_client_for(outsider).get(f"{URL}{pull_id}/").status_code == 404


def test_bad_categories_are_named(api_client_for, bank_officer, enterprise, authorization):
    response = api_client_for(bank_officer).post(
        URL, {"enterprise": enterprise.code, "categories": ["gossip"]}, format="json"
    )

    assert response.status_code == 400 and "categories" in response.json()["error"]["fields"]
