"""Who may dispute what: a signer of the enterprise, a record it has, evidence typed by its
content; everyone sees only the disputes that are theirs; regulators read the statistics."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction

from connectors.models import Dispute, DisputeEvidence
from connectors.services.records import records_store
from tests.connectors.factories import ConnectorFactory
from tests.hub.factories import UserFactory

pytestmark = pytest.mark.django_db

URL = "/api/v1/disputes/"
TAX = {"period": "2026-Q1", "tax_paid": "100.00", "arrears": "10.00", "grade": "C"}


@pytest.fixture
def record(enterprise):
    connector = ConnectorFactory(capabilities=["records"])  # no disputes: the operator's queue
    with transaction.atomic():
        records_store(
            enterprise_id=enterprise.pk,
            connector=connector,
            records={("tax", "tax-1"): {"category": "tax", "source_id": "tax-1", "data": TAX}},
            authorization_id=None,
        )
    return connector


def body(enterprise, **overrides):
    return {"enterprise": enterprise.code, "category": "tax", "source_id": "tax-1", "reason": "欠税已缴清", **overrides}


def test_a_record_the_enterprise_does_not_have_is_refused_naming_source_id(
    api_client_for, enterprise, enterprise_admin, record
):
    response = api_client_for(enterprise_admin).post(URL, body(enterprise, source_id="tax-2"), format="json")

    assert response.status_code == 400
    assert "source_id" in response.json()["error"]["fields"]
    assert not Dispute.objects.exists()


def test_staff_who_sign_nothing_are_refused(api_client_for, enterprise, enterprise_admin, record):
    staff = UserFactory(organization=enterprise, role="staff", username="ent-staff")

    response = api_client_for(staff).post(URL, body(enterprise), format="json")

    assert response.status_code == 403 and response.json()["error"]["code"] == "not_a_signer"


def test_evidence_is_typed_by_content_and_kept_encrypted(api_client_for, enterprise, enterprise_admin, record):
    client = api_client_for(enterprise_admin)
    fake = SimpleUploadedFile("receipt.pdf", b"MZ not a pdf", content_type="application/pdf")
    assert client.post(URL, {**body(enterprise), "evidence": [fake]}, format="multipart").status_code == 415

    pdf = SimpleUploadedFile("receipt.pdf", b"%PDF-1.4 paid in full", content_type="application/pdf")
    response = client.post(URL, {**body(enterprise), "evidence": [pdf]}, format="multipart")

    assert response.status_code == 201, response.content
    assert response.json()["evidence"][0]["name"] == "receipt.pdf"
    assert response.json()["route"] == "operator"
    stored = DisputeEvidence.objects.values_list("content", flat=True).get()
    assert "paid in full" not in stored
    assert client.post(URL, body(enterprise), format="json").status_code == 409  # one open dispute a record


def test_each_sees_only_its_own_disputes_and_regulators_read_statistics(
    api_client_for, enterprise, enterprise_admin, record, outsider, bank_officer, regulator_user, operator
):
    dispute_id = api_client_for(enterprise_admin).post(URL, body(enterprise), format="json").json()["id"]

    for persona in (outsider, bank_officer):
        assert api_client_for(persona).get(URL).json()["results"] == []
        assert api_client_for(persona).get(f"{URL}{dispute_id}/").status_code == 404
    assert api_client_for(operator).get(f"{URL}{dispute_id}/").status_code == 200
    statistics = api_client_for(regulator_user).get(f"{URL}statistics/").json()
    assert statistics[0]["total"] == 1 and statistics[0]["by_status"]["submitted"] == 1
    assert api_client_for(bank_officer).get(f"{URL}statistics/").status_code == 403


def test_the_pages_of_disputes_open_for_their_personas(
    logged_in, enterprise, enterprise_admin, record, regulator_user, operator, api_client_for
):
    dispute_id = api_client_for(enterprise_admin).post(URL, body(enterprise), format="json").json()["id"]

    assert "tax-1" in logged_in(enterprise_admin).get(f"/disputes/{dispute_id}/").content.decode()
    assert 'data-testid="dispute-decision"' in logged_in(operator).get(f"/disputes/{dispute_id}/").content.decode()
    assert logged_in(regulator_user).get("/disputes/statistics/").status_code == 200
    form = logged_in(enterprise_admin).get("/disputes/new/?category=tax&source_id=tax-1")
    assert form.status_code == 200 and 'value="tax-1"' in form.content.decode()
