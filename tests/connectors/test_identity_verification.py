"""Verification by the legal representative's identity (法定代表人二要素), asked of the real
reference platform over loopback, and the impersonation story it exists to stop."""

from datetime import timedelta

import pytest
from django.utils import timezone

from connectors.models import Connector, CreditRecord
from connectors.simulator.subjects import legal_representative_identity
from hub.identifiers import make_uscc
from hub.models import AuditEvent, Notification, Organization, Signer, Verification, VerificationAttempt
from hub.services.organizations import enterprise_register
from tests.connectors.factories import AuthorizationFactory, ConnectorFactory
from tests.hub.factories import PASSWORD, OrganizationFactory, UserFactory

pytestmark = pytest.mark.django_db

USCC = make_uscc(region_code="410100", serial=4242)
SEED = "tests"


def url(uscc=USCC):
    return f"/api/v1/enterprises/{uscc}/verification/legal-representative/"


@pytest.fixture
def platform(simulator_factory):
    simulator = simulator_factory(seed=SEED)
    connector = ConnectorFactory(
        base_url=simulator.base_url, region_codes=["410100"], capabilities=["records", "identity"]
    )
    return simulator, connector


def register(username, uscc=USCC):
    enterprise = enterprise_register(
        uscc=uscc,
        name="郑州真实科技有限公司",
        region_code="410105",
        industry_code="I65",
        scale="small",
        admin_username=username,
        admin_password=PASSWORD,
    )
    return enterprise, enterprise.members.get()


def the_true_identity(uscc=USCC):
    name, id_number = legal_representative_identity(uscc, SEED)
    return {"name": name, "id_number": id_number}


def test_a_match_verifies_the_enterprise_and_makes_the_caller_its_legal_representative(platform, api_client_for):
    enterprise, admin = register("real-admin")

    response = api_client_for(admin).post(url(), the_true_identity(), format="json")

    assert response.status_code == 200, response.json()
    body = response.json()
    assert (body["status"], body["method"], body["level"]) == ("verified", "legal_representative", "substantial")
    signer = Signer.objects.get(enterprise=enterprise, ended_at__isnull=True)
    assert (signer.user, signer.role) == (admin, "legal_representative")
    stored = Organization.objects.get(pk=enterprise.pk)
    assert stored.legal_representative_id_number == the_true_identity()["id_number"]
    assert AuditEvent.objects.filter(action="verification.verified", organization_id=enterprise.pk).exists()
    attempt_event = AuditEvent.objects.get(action="verification.attempted", organization_id=enterprise.pk)
    assert the_true_identity()["id_number"] not in str(attempt_event.data)


def test_a_mismatch_is_a_400_verification_failed_and_counts(platform, api_client_for):
    enterprise, admin = register("real-admin")
    wrong = {**the_true_identity(), "name": "冒名顶替"}

    response = api_client_for(admin).post(url(), wrong, format="json")

    assert response.status_code == 400
    assert response.json()["error"]["code"] == "verification_failed"
    assert Verification.objects.get(enterprise=enterprise).status == "unverified"
    assert VerificationAttempt.objects.get().result == "mismatch"


def test_an_enterprise_the_registration_authority_does_not_know_fails(simulator_factory, api_client_for):
    simulator = simulator_factory(seed=SEED, unknown_rate=1.0)
    ConnectorFactory(base_url=simulator.base_url, region_codes=["410100"], capabilities=["records", "identity"])
    _enterprise, admin = register("real-admin")

    response = api_client_for(admin).post(url(), the_true_identity(), format="json")

    assert response.status_code == 400
    assert response.json()["error"]["code"] == "verification_failed"
    assert VerificationAttempt.objects.get().result == "unknown_subject"


def test_a_bad_check_digit_is_named_and_asks_no_one(platform, api_client_for):
    simulator, _connector = platform
    _enterprise, admin = register("real-admin")
    identity = the_true_identity()
    wrong_digit = identity["id_number"][:17] + ("0" if identity["id_number"][17] != "0" else "1")

    response = api_client_for(admin).post(url(), {**identity, "id_number": wrong_digit}, format="json")

    assert response.status_code == 400
    assert "id_number" in response.json()["error"]["fields"]
    assert not VerificationAttempt.objects.exists()
    assert ("/v1/identity/verify", 200) not in simulator.stats


def test_five_attempts_per_uscc_a_day_then_429_whichever_registration_asks(platform, api_client_for):
    _first, squatter = register("squatter")
    _second, other = register("other-squatter")
    wrong = {**the_true_identity(), "name": "猜一猜"}
    for client in [api_client_for(squatter)] * 3 + [api_client_for(other)] * 2:
        assert client.post(url(), wrong, format="json").status_code == 400

    response = api_client_for(other).post(url(), the_true_identity(), format="json")

    assert response.status_code == 429
    assert VerificationAttempt.objects.count() == 5
    VerificationAttempt.objects.update(at=timezone.now() - timedelta(hours=25))
    assert api_client_for(other).post(url(), the_true_identity(), format="json").status_code == 200


def test_platform_down_is_a_clear_retryable_503_and_nothing_is_stored(platform, api_client_for):
    simulator, _connector = platform
    enterprise, admin = register("real-admin")
    simulator.stop()

    response = api_client_for(admin).post(url(), the_true_identity(), format="json")

    assert response.status_code == 503
    assert response.json()["error"]["code"] == "platform_unavailable"
    assert not VerificationAttempt.objects.exists()
    assert Verification.objects.get(enterprise=enterprise).status == "unverified"
    assert not Organization.objects.get(pk=enterprise.pk).legal_representative_id_number


def test_only_platforms_that_check_identities_are_asked_the_districts_first(simulator_factory):
    from connectors.services.identity import identity_connectors

    province = ConnectorFactory(region_codes=["410000"], capabilities=["records", "identity"])
    city = ConnectorFactory(region_codes=["410100"], capabilities=["records", "identity"])
    ConnectorFactory(region_codes=["410100"], capabilities=["records"])
    ConnectorFactory(region_codes=["410100"], capabilities=["identity"], status=Connector.Status.SUSPENDED)

    assert identity_connectors("410105") == [city, province]


def test_approving_a_connector_learns_its_capabilities(simulator_factory, operator, django_capture_on_commit_callbacks):
    from connectors.services.connectors import connector_set_status

    simulator = simulator_factory(seed=SEED)
    connector = ConnectorFactory(base_url=simulator.base_url, status=Connector.Status.PENDING, capabilities=[])

    with django_capture_on_commit_callbacks(execute=True):
        connector_set_status(actor=operator, connector_id=connector.pk, action="approve")

    connector.refresh_from_db()
    assert connector.capabilities == ["records", "identity", "disputes"]
    assert connector.health_state == "healthy"


# --- the impersonation story ---------------------------------------------------------------------


def test_a_squatter_can_neither_grant_nor_submit_and_no_bank_reads_until_the_real_holder_verifies(
    platform, api_client_for
):
    bank = OrganizationFactory(kind="bank", code="ZYBANK")
    officer = UserFactory(organization=bank)
    _squat, squatter = register("squatter")
    squatter_client, bank_client = api_client_for(squatter), api_client_for(officer)

    # The squatter registered a USCC it has nothing to do with, and tries to give its data away.
    grant = squatter_client.post(
        "/api/v1/authorizations/",
        {"bank": "ZYBANK", "scopes": ["tax"], "purpose": "loan_review", "expires_at": _in_days(30)},
        format="json",
    )
    submit = squatter_client.post(
        "/api/v1/applications/",
        {"product": None, "amount": "100000.00", "term_months": 12, "purpose": "周转"},
        format="json",
    )
    pull = bank_client.post("/api/v1/credit-pulls/", {"enterprise": USCC, "categories": ["tax"]}, format="json")
    profile = bank_client.get(f"/api/v1/enterprises/{USCC}/credit-profile/")

    for response in (grant, submit, pull, profile):
        assert response.status_code == 403
        assert response.json()["error"]["code"] == "enterprise_unverified"

    # The real enterprise registers too and verifies with its legal representative's identity.
    real, real_admin = register("real-admin")
    assert api_client_for(real_admin).post(url(), the_true_identity(), format="json").status_code == 200

    squat_verification = Verification.objects.get(enterprise=_squat)
    assert (squat_verification.status, squat_verification.closed) == ("rejected", True)
    assert Notification.objects.filter(organization=_squat, kind="verification").exists()
    # The squatter cannot take the code back, nor register it again.
    assert squatter_client.post(url(), the_true_identity(), format="json").status_code == 409
    again = api_client_for_anonymous_register()
    assert again.status_code == 409 and "uscc" in again.json()["error"]["fields"]
    # The real holder consents; the bank reads.
    grant = api_client_for(real_admin).post(
        "/api/v1/authorizations/",
        {"bank": "ZYBANK", "scopes": ["tax"], "purpose": "loan_review", "expires_at": _in_days(30)},
        format="json",
    )
    assert grant.status_code == 201
    assert bank_client.get(f"/api/v1/enterprises/{USCC}/credit-profile/").status_code == 200
    assert real.pk != _squat.pk


def api_client_for_anonymous_register():
    from rest_framework.test import APIClient

    body = {
        "uscc": USCC,
        "name": "又一家",
        "region_code": "410105",
        "industry_code": "I65",
        "scale": "small",
        "admin": {"username": "third", "password": PASSWORD},
    }
    return APIClient().post("/api/v1/enterprises/", body, format="json")


def _in_days(days):
    return (timezone.now() + timedelta(days=days)).isoformat()


def test_a_suspension_stops_a_running_pull_before_its_next_page(
    enterprise, bank_officer, simulator_factory, operator, settings
):
    from connectors.services.pulls import credit_pull_run, credit_pull_start
    from hub.services.verification import verification_suspend

    simulator = simulator_factory(page_size=1)
    ConnectorFactory(base_url=simulator.base_url, categories=["tax"])
    AuthorizationFactory(enterprise=enterprise, bank=bank_officer.organization)
    pull = credit_pull_start(actor=bank_officer, enterprise_uscc=enterprise.code, categories=["tax"])
    verification_suspend(actor=operator, enterprise=enterprise, reason="核查中")

    credit_pull_run(pull_id=pull.pk)

    pull.refresh_from_db()
    assert pull.status == "revoked"
    assert pull.sources.get().status == "revoked" and "authorization_ended" in pull.sources.get().error
    assert not CreditRecord.objects.filter(enterprise=enterprise).exists()


def test_only_the_registrations_own_people_check_its_legal_representative(platform, api_client_for, outsider):
    register("real-admin")
    bank_user = UserFactory(organization=OrganizationFactory(kind="bank"))

    for user in (outsider, bank_user):
        assert api_client_for(user).post(url(), the_true_identity(), format="json").status_code == 404
    assert not VerificationAttempt.objects.exists()


def test_a_missing_name_is_named(platform, api_client_for):
    _enterprise, admin = register("real-admin")

    response = api_client_for(admin).post(url(), {"id_number": the_true_identity()["id_number"]}, format="json")

    assert response.status_code == 400 and "name" in response.json()["error"]["fields"]
