"""Disputes (异议) against the reference platform over loopback: filed by a signer, forwarded
(CDP/1 POST /v1/disputes), tracked (GET /v1/disputes/{id}) to upheld — the record withdrawn at
the next pull, the banks that read it told — or rejected with the platform's reason; a
platform that is down loses nothing; a dispute past its deadline brings one reminder each to
the operator and the platform; a platform without the capability leaves it to the operator."""

from datetime import timedelta

import pytest
from django.utils import timezone

from connectors.models import CreditRecord, Dispute
from connectors.services.connectors import connector_check_health
from connectors.services.disputes import disputes_track
from hub.models import AuditEvent, Notification
from tests.connectors.factories import AuthorizationFactory, ConnectorFactory
from tests.hub.factories import OrganizationFactory, UserFactory

pytestmark = pytest.mark.django_db

DISPUTES = "/api/v1/disputes/"


@pytest.fixture
def second_bank_officer(enterprise):
    bank = OrganizationFactory(kind="bank", code="LYBANK", name="洛阳银行", region_code="410300")
    AuthorizationFactory(enterprise=enterprise, bank=bank, scopes=["penalty", "tax"])
    return UserFactory(organization=bank, role="staff", username="second-bank-officer")


@pytest.fixture
def platform(simulator_factory, enterprise, bank, django_capture_on_commit_callbacks, api_client_for, bank_officer):
    """``platform(**simulator_config)`` → (simulator, connector) with the enterprise's tax and
    penalty records pulled by the first bank, and the connector's capabilities learned."""

    def start(**config):
        simulator = simulator_factory(**config)
        connector = ConnectorFactory(base_url=simulator.base_url, region_codes=["410100"])
        connector_check_health(connector_id=connector.pk)
        AuthorizationFactory(enterprise=enterprise, bank=bank, scopes=["penalty", "tax"])
        pull(api_client_for(bank_officer), enterprise, django_capture_on_commit_callbacks)
        return simulator, connector

    return start


def pull(client, enterprise, capture):
    with capture(execute=True):
        response = client.post("/api/v1/credit-pulls/", {"enterprise": enterprise.code}, format="json")
    assert response.status_code == 202, response.content
    assert client.get(f"/api/v1/credit-pulls/{response.json()['id']}/").json()["status"] == "succeeded"


def profile(client, enterprise):
    response = client.get(f"/api/v1/enterprises/{enterprise.code}/credit-profile/")
    assert response.status_code == 200
    return response.json()


def a_tax_record(client, enterprise) -> dict:
    return profile(client, enterprise)["categories"]["tax"]["records"][0]


def file(client, enterprise, source_id, capture, **extra):
    with capture(execute=True):
        return client.post(
            DISPUTES,
            {"enterprise": enterprise.code, "category": "tax", "source_id": source_id, "reason": "已整改", **extra},
            format="json",
        )


def record_in(body, source_id):
    return next((r for r in body["categories"]["tax"]["records"] if r["source_id"] == source_id), None)


def test_an_upheld_dispute_is_seen_by_every_bank_then_withdraws_the_record_at_the_next_pull(
    platform,
    api_client_for,
    enterprise,
    enterprise_admin,
    bank_officer,
    second_bank_officer,
    logged_in,
    django_capture_on_commit_callbacks,
):
    simulator, connector = platform(dispute_outcome="upheld")
    assert "disputes" in connector.__class__.objects.get(pk=connector.pk).capabilities
    enterprise_client, bank_client = api_client_for(enterprise_admin), api_client_for(bank_officer)
    source_id = a_tax_record(enterprise_client, enterprise)["source_id"]
    profile(bank_client, enterprise)  # the first bank read the penalty before the dispute

    # when: the legal representative disputes it
    response = file(enterprise_client, enterprise, source_id, django_capture_on_commit_callbacks)

    # then: filed, due in 15 working days, forwarded to the platform that served it
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["status"] == "submitted" and body["source_id"] == source_id and body["category"] == "tax"
    assert body["due_on"] > timezone.localdate().isoformat()
    dispute = Dispute.objects.get(pk=body["id"])
    assert dispute.status == Dispute.Status.FORWARDED
    assert simulator.stats[("/v1/disputes", 202)] == 1
    # a second bank sees the record as disputed (异议中), in the API and on the page
    assert record_in(profile(api_client_for(second_bank_officer), enterprise), source_id)["disputed"] is True
    html = logged_in(second_bank_officer).get(f"/enterprises/{enterprise.code}/profile/").content.decode()
    assert "异议中" in html

    # when: the schedule asks the platform, which upheld it
    assert disputes_track()["polled"] == 1

    # then
    dispute.refresh_from_db()
    assert dispute.status == Dispute.Status.UPHELD and dispute.correction == Dispute.Correction.PENDING
    assert enterprise_client.get(f"{DISPUTES}{dispute.pk}/").json()["status"] == "upheld"
    for reader in (bank_officer, second_bank_officer):  # both banks read the record: both are told
        assert (
            Notification.objects.filter(kind=Notification.Kind.DISPUTE, organization=reader.organization).count() == 1
        )
    assert Notification.objects.filter(kind=Notification.Kind.DISPUTE, organization=enterprise).count() == 1

    # when: the next pull; then: the platform no longer serves it, and the hub drops it
    pull(bank_client, enterprise, django_capture_on_commit_callbacks)
    dispute.refresh_from_db()
    assert dispute.correction == Dispute.Correction.WITHDRAWN
    assert record_in(profile(bank_client, enterprise), source_id) is None
    assert dispute.record_id is None and not CreditRecord.objects.filter(source_key=dispute.source_key).exists()
    actions = list(
        AuditEvent.objects.filter(object_type="dispute", object_id=str(dispute.pk)).values_list("action", flat=True)
    )
    assert actions == ["dispute.filed", "dispute.forwarded", "dispute.resolved", "dispute.record_corrected"]


def test_a_rejected_dispute_records_the_platforms_reason_and_the_record_stays(
    platform, api_client_for, enterprise, enterprise_admin, bank_officer, django_capture_on_commit_callbacks
):
    platform(dispute_outcome="rejected")
    client = api_client_for(enterprise_admin)
    source_id = a_tax_record(client, enterprise)["source_id"]
    dispute_id = file(client, enterprise, source_id, django_capture_on_commit_callbacks).json()["id"]

    disputes_track()

    body = client.get(f"{DISPUTES}{dispute_id}/").json()
    assert body["status"] == "rejected"
    assert body["resolution"] == "经核查，该记录与原始文书一致，维持原记录。"
    pull(api_client_for(bank_officer), enterprise, django_capture_on_commit_callbacks)
    assert record_in(profile(api_client_for(bank_officer), enterprise), source_id)["disputed"] is False


def test_a_platform_that_is_down_loses_no_dispute(
    platform, api_client_for, enterprise, enterprise_admin, django_capture_on_commit_callbacks
):
    simulator, connector = platform()
    client = api_client_for(enterprise_admin)
    source_id = a_tax_record(client, enterprise)["source_id"]
    working_url = connector.base_url
    type(connector).objects.filter(pk=connector.pk).update(base_url="http://127.0.0.1:9")  # nothing listens

    response = file(client, enterprise, source_id, django_capture_on_commit_callbacks)

    assert response.status_code == 201
    dispute = Dispute.objects.get(pk=response.json()["id"])
    assert dispute.status == Dispute.Status.SUBMITTED and dispute.last_error.startswith("connection")
    assert simulator.stats[("/v1/disputes", 202)] == 0

    # when: the platform is back and the schedule runs (twice: nothing is sent twice)
    type(connector).objects.filter(pk=connector.pk).update(base_url=working_url)
    Dispute.objects.filter(pk=dispute.pk).update(filed_at=timezone.now() - timedelta(minutes=5))
    disputes_track()
    disputes_track()

    dispute.refresh_from_db()
    assert dispute.status == Dispute.Status.UPHELD
    assert simulator.stats[("/v1/disputes", 202)] == 1


def test_a_dispute_past_its_deadline_reminds_the_operator_and_the_platform_once(
    platform, api_client_for, enterprise, enterprise_admin, django_capture_on_commit_callbacks
):
    _simulator, connector = platform(dispute_delay=3600)
    client = api_client_for(enterprise_admin)
    dispute_id = file(
        client, enterprise, a_tax_record(client, enterprise)["source_id"], django_capture_on_commit_callbacks
    )
    dispute_id = dispute_id.json()["id"]
    disputes_track()
    assert Dispute.objects.get(pk=dispute_id).status == Dispute.Status.INVESTIGATING

    Dispute.objects.filter(pk=dispute_id).update(due_on=timezone.localdate() - timedelta(days=1))
    assert disputes_track()["reminded"] == 1
    assert disputes_track()["reminded"] == 0

    overdue = Notification.objects.filter(kind=Notification.Kind.DISPUTE, data__dispute=dispute_id)
    assert sorted(overdue.values_list("organization_id", flat=True), key=str) == sorted(
        [None, connector.platform_id], key=str
    )
    assert AuditEvent.objects.filter(action="dispute.overdue", object_id=str(dispute_id)).count() == 1


def test_without_the_disputes_capability_the_operator_decides(
    platform, api_client_for, enterprise, enterprise_admin, operator, django_capture_on_commit_callbacks
):
    simulator, connector = platform(disputes=False)
    client = api_client_for(enterprise_admin)
    dispute_id = file(
        client, enterprise, a_tax_record(client, enterprise)["source_id"], django_capture_on_commit_callbacks
    ).json()["id"]

    dispute = Dispute.objects.get(pk=dispute_id)
    assert dispute.route == Dispute.Route.OPERATOR and dispute.status == Dispute.Status.SUBMITTED
    assert Notification.objects.filter(organization=None, kind=Notification.Kind.DISPUTE).count() == 1
    disputes_track()
    assert simulator.stats[("/v1/disputes", 202)] == 0
    operator_client = api_client_for(operator)
    queue = operator_client.get(DISPUTES, {"route": "operator"}).json()["results"]
    assert [row["id"] for row in queue] == [dispute_id]

    response = operator_client.post(
        f"{DISPUTES}{dispute_id}/decision/", {"decision": "rejected", "resolution": "证据不足"}, format="json"
    )

    assert response.status_code == 200 and response.json()["status"] == "rejected"
    assert client.get(f"{DISPUTES}{dispute_id}/").json()["resolution"] == "证据不足"
    again = operator_client.post(
        f"{DISPUTES}{dispute_id}/decision/", {"decision": "upheld", "resolution": "x"}, format="json"
    )
    assert again.status_code == 409
