"""Who speaks for an enterprise: the legal representative, agents, two signers; receipts that
carry it, checked offline with a standard JOSE library and a status list."""

import base64
import zlib
from datetime import timedelta

import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from django.utils import timezone

from hub.models import AuditEvent, Authorization, Notification, Signer, Verification
from hub.services.consent import authorizations_record_expiry
from tests.connectors.factories import AuthorizationFactory
from tests.hub.factories import UserFactory, make_signer

pytestmark = pytest.mark.django_db

AUTHORIZATIONS = "/api/v1/authorizations/"


def grant_body(**overrides):
    return {
        "bank": "ZYBANK",
        "scopes": ["tax", "penalty"],
        "purpose": "loan_review",
        "expires_at": (timezone.now() + timedelta(days=30)).isoformat(),
        **overrides,
    }


@pytest.fixture
def staff(enterprise):
    return UserFactory(organization=enterprise, role="staff", username="ent-staff")


@pytest.fixture
def agent(enterprise):
    user = UserFactory(organization=enterprise, role="staff", username="ent-agent", signer=False)
    make_signer(user, role=Signer.Role.AGENT, scopes=["tax", "penalty"], expires_at=timezone.now() + timedelta(days=90))
    return user


def two_signers_for_tax(enterprise):
    Verification.objects.filter(enterprise=enterprise).update(signers_required={"tax": 2})


# --- signers ----------------------------------------------------------------------------------------


def test_staff_can_neither_grant_nor_revoke(api_client_for, enterprise_admin, staff, bank):
    response = api_client_for(staff).post(AUTHORIZATIONS, grant_body(), format="json")

    assert response.status_code == 403
    assert response.json()["error"]["code"] == "not_a_signer"
    granted = api_client_for(enterprise_admin).post(AUTHORIZATIONS, grant_body(), format="json").json()
    revoke = api_client_for(staff).post(f"{AUTHORIZATIONS}{granted['id']}/revoke/")
    assert revoke.status_code == 403 and revoke.json()["error"]["code"] == "not_a_signer"


def test_an_agent_grants_within_the_categories_of_the_appointment_only(api_client_for, agent, bank):
    client = api_client_for(agent)

    assert client.post(AUTHORIZATIONS, grant_body(scopes=["tax"]), format="json").status_code == 201
    outside = client.post(AUTHORIZATIONS, grant_body(scopes=["tax", "social_insurance"]), format="json")
    assert outside.status_code == 403 and outside.json()["error"]["code"] == "not_a_signer"


def test_an_expired_agent_no_longer_signs(api_client_for, agent, bank):
    Signer.objects.filter(user=agent).update(expires_at=timezone.now() - timedelta(seconds=1))

    response = api_client_for(agent).post(AUTHORIZATIONS, grant_body(scopes=["tax"]), format="json")

    assert response.json()["error"]["code"] == "not_a_signer"


def test_the_legal_representative_appoints_and_ends_agents(api_client_for, enterprise, enterprise_admin, staff):
    client = api_client_for(enterprise_admin)
    agents_url = f"/api/v1/enterprises/{enterprise.code}/agents/"
    body = {"username": "ent-staff", "scopes": ["tax"], "expires_at": (timezone.now() + timedelta(days=30)).isoformat()}

    created = client.post(agents_url, body, format="json")

    assert created.status_code == 201, created.json()
    assert created.json()["scopes"] == ["tax"]
    assert api_client_for(staff).post(agents_url, body, format="json").status_code == 403
    assert client.delete(f"{agents_url}{created.json()['id']}/").status_code == 204
    assert not Signer.objects.filter(user=staff, ended_at__isnull=True).exists()
    assert AuditEvent.objects.filter(action="signer.ended", organization_id=enterprise.pk).exists()


def test_only_the_legal_representative_sets_two_signers(api_client_for, enterprise, enterprise_admin, agent):
    url = f"/api/v1/enterprises/{enterprise.code}/verification/"

    refused = api_client_for(agent).patch(url, {"signers_required": {"tax": 2}}, format="json")
    done = api_client_for(enterprise_admin).patch(url, {"signers_required": {"tax": 2}}, format="json")
    bad = api_client_for(enterprise_admin).patch(url, {"signers_required": {"horoscope": 2}}, format="json")

    assert refused.status_code == 403
    assert done.status_code == 200 and done.json()["signers_required"] == {"tax": 2}
    assert bad.status_code == 400 and "signers_required" in bad.json()["error"]["fields"]


# --- two signers -----------------------------------------------------------------------------------


def test_two_signers_pending_then_active_with_a_receipt(api_client_for, enterprise, enterprise_admin, agent, bank):
    two_signers_for_tax(enterprise)

    granted = api_client_for(enterprise_admin).post(AUTHORIZATIONS, grant_body(), format="json").json()

    assert (granted["status"], granted["receipt"]) == ("pending_signatures", "")
    assert Notification.objects.filter(organization=enterprise, kind="consent").exists()
    again = api_client_for(enterprise_admin).post(f"{AUTHORIZATIONS}{granted['id']}/sign/")
    assert again.status_code == 409 and again.json()["error"]["code"] == "already_signed"
    signed = api_client_for(agent).post(f"{AUTHORIZATIONS}{granted['id']}/sign/")
    assert signed.status_code == 200
    body = signed.json()
    assert body["status"] == "active" and body["receipt"]
    assert [signer["role"] for signer in body["signers"]] == ["legal_representative", "agent"]
    claims = jwt.decode(body["receipt"], options={"verify_signature": False})
    assert [signer["role"] for signer in claims["signers"]] == ["legal_representative", "agent"]


def test_a_pending_authorization_reads_nothing(api_client_for, enterprise, enterprise_admin, bank_officer):
    two_signers_for_tax(enterprise)
    api_client_for(enterprise_admin).post(AUTHORIZATIONS, grant_body(), format="json")

    response = api_client_for(bank_officer).get(f"/api/v1/enterprises/{enterprise.code}/credit-profile/")

    assert response.status_code == 403 and response.json()["error"]["code"] == "not_authorized"


def test_staff_cannot_sign(api_client_for, enterprise, enterprise_admin, staff, bank):
    two_signers_for_tax(enterprise)
    granted = api_client_for(enterprise_admin).post(AUTHORIZATIONS, grant_body(), format="json").json()

    response = api_client_for(staff).post(f"{AUTHORIZATIONS}{granted['id']}/sign/")

    assert response.status_code == 403 and response.json()["error"]["code"] == "not_a_signer"


def test_unsigned_for_seven_days_it_expires(api_client_for, enterprise, enterprise_admin, agent, bank):
    two_signers_for_tax(enterprise)
    granted = api_client_for(enterprise_admin).post(AUTHORIZATIONS, grant_body(), format="json").json()
    Authorization.objects.filter(pk=granted["id"]).update(granted_at=timezone.now() - timedelta(days=7, seconds=1))

    assert api_client_for(enterprise_admin).get(f"{AUTHORIZATIONS}{granted['id']}/").json()["status"] == "expired"
    assert api_client_for(agent).post(f"{AUTHORIZATIONS}{granted['id']}/sign/").status_code == 409
    assert authorizations_record_expiry() == 1
    assert authorizations_record_expiry() == 0
    assert Authorization.objects.get(pk=granted["id"]).status == "expired"


@pytest.mark.parametrize("revoker", ["enterprise_admin", "agent"])
def test_either_signer_revokes_a_pending_authorization(
    request, api_client_for, enterprise, enterprise_admin, agent, bank, revoker
):
    two_signers_for_tax(enterprise)
    granted = api_client_for(enterprise_admin).post(AUTHORIZATIONS, grant_body(), format="json").json()

    response = api_client_for(request.getfixturevalue(revoker)).post(f"{AUTHORIZATIONS}{granted['id']}/revoke/")

    assert response.status_code == 200 and response.json()["status"] == "revoked"
    assert api_client_for(agent).post(f"{AUTHORIZATIONS}{granted['id']}/sign/").status_code == 409


# --- suspension -------------------------------------------------------------------------------------


def test_a_suspended_enterprises_profile_is_unreadable_at_once(api_client_for, operator, enterprise, bank_officer):
    AuthorizationFactory(enterprise=enterprise, bank=bank_officer.organization)
    profile = f"/api/v1/enterprises/{enterprise.code}/credit-profile/"
    assert api_client_for(bank_officer).get(profile).status_code == 200

    suspended = api_client_for(operator).post(
        f"/api/v1/enterprises/{enterprise.code}/verification/suspend/", {"reason": "冒用营业执照"}, format="json"
    )

    assert suspended.status_code == 200 and suspended.json()["status"] == "suspended"
    response = api_client_for(bank_officer).get(profile)
    assert response.status_code == 403 and response.json()["error"]["code"] == "enterprise_unverified"
    pull = api_client_for(bank_officer).post("/api/v1/credit-pulls/", {"enterprise": enterprise.code}, format="json")
    assert pull.json()["error"]["code"] == "enterprise_unverified"
    assert AuditEvent.objects.filter(action="verification.suspended", organization_id=enterprise.pk).exists()
    reinstated = api_client_for(operator).post(f"/api/v1/enterprises/{enterprise.code}/verification/reinstate/")
    assert reinstated.json()["status"] == "verified"
    assert api_client_for(bank_officer).get(profile).status_code == 200


def test_only_the_operator_suspends_and_a_reason_is_needed(api_client_for, operator, enterprise, enterprise_admin):
    url = f"/api/v1/enterprises/{enterprise.code}/verification/suspend/"

    assert api_client_for(enterprise_admin).post(url, {"reason": "x"}, format="json").status_code == 403
    response = api_client_for(operator).post(url, {"reason": " "}, format="json")
    assert response.status_code == 400 and "reason" in response.json()["error"]["fields"]


# --- receipts and status lists ------------------------------------------------------------------------


def _seed(byte: int) -> bytes:
    return Ed25519PrivateKey.from_private_bytes(bytes([byte]) * 32).private_bytes_raw()


def _keys(*entries) -> list:
    return [(kid, _seed(byte)) for kid, byte in entries]


def _status_bit(status_list_jwt: str, jwks: dict, index: int) -> int:
    """Read an entry as a relying party would: verify the list's JWS, inflate, pick the bit."""
    header = jwt.get_unverified_header(status_list_jwt)
    assert header["typ"] == "statuslist+jwt"
    key = jwt.PyJWK(next(k for k in jwks["keys"] if k["kid"] == header["kid"])).key
    claims = jwt.decode(status_list_jwt, key, algorithms=["EdDSA"])
    assert claims["status_list"]["bits"] == 1
    encoded = claims["status_list"]["lst"]
    data = zlib.decompress(base64.urlsafe_b64decode(encoded + "=" * (-len(encoded) % 4)))
    return (data[index // 8] >> (index % 8)) & 1


def test_a_receipt_verifies_after_key_rotation_and_its_status_follows_revocation(
    api_client_for, enterprise, enterprise_admin, bank, anonymous_client, settings
):
    settings.HUB_SIGNING_KEYS = _keys(("old", 1))
    granted = api_client_for(enterprise_admin).post(AUTHORIZATIONS, grant_body(), format="json").json()
    receipt = granted["receipt"]
    # Rotation: a new key signs from now on; the old one is still published.
    settings.HUB_SIGNING_KEYS = _keys(("new", 2), ("old", 1))
    jwks = anonymous_client.get("/api/v1/hub/keys/").json()
    assert [key["kid"] for key in jwks["keys"]] == ["new", "old"]

    header = jwt.get_unverified_header(receipt)
    public_key = jwt.PyJWK(next(k for k in jwks["keys"] if k["kid"] == header["kid"])).key
    claims = jwt.decode(receipt, public_key, algorithms=["EdDSA"], audience="ZYBANK", issuer="xinyidai-hub")
    assert header["kid"] == "old"
    assert claims["sub"] == enterprise.code and claims["scopes"] == ["penalty", "tax"]
    assert claims["subject_verification"]["method"] == "document_review"
    assert claims["subject_verification"]["level"] == "substantial"
    assert claims["signers"][0]["role"] == "legal_representative" and len(claims["signers"][0]["person"]) == 64
    status_ref = claims["status"]["status_list"]
    assert status_ref["uri"].startswith(settings.HUB_PUBLIC_URL)
    status_path = status_ref["uri"][len(settings.HUB_PUBLIC_URL) :]

    before = anonymous_client.get(status_path, HTTP_ACCEPT="application/statuslist+jwt")
    assert before.status_code == 200 and before["Content-Type"] == "application/statuslist+jwt"
    assert jwt.get_unverified_header(before.content.decode())["kid"] == "new"
    assert _status_bit(before.content.decode(), jwks, status_ref["idx"]) == 0

    api_client_for(enterprise_admin).post(f"{AUTHORIZATIONS}{granted['id']}/revoke/")

    after = anonymous_client.get(status_path)
    assert _status_bit(after.content.decode(), jwks, status_ref["idx"]) == 1


def test_receipts_take_distinct_status_entries(api_client_for, enterprise_admin, bank):
    first = api_client_for(enterprise_admin).post(AUTHORIZATIONS, grant_body(), format="json").json()
    second = api_client_for(enterprise_admin).post(AUTHORIZATIONS, grant_body(), format="json").json()

    entries = [
        jwt.decode(body["receipt"], options={"verify_signature": False})["status"]["status_list"]["idx"]
        for body in (first, second)
    ]
    assert entries[0] != entries[1]


def test_an_unknown_status_list_is_a_404(anonymous_client):
    assert anonymous_client.get("/api/v1/hub/status-lists/999/").status_code == 404


def test_banks_see_the_verification_level_and_signers(api_client_for, enterprise_admin, bank_officer):
    granted = api_client_for(enterprise_admin).post(AUTHORIZATIONS, grant_body(), format="json").json()

    seen = api_client_for(bank_officer).get(f"{AUTHORIZATIONS}{granted['id']}/").json()

    assert seen["subject_verification"]["level"] == "substantial"
    assert seen["signers"][0]["role"] == "legal_representative"


def test_the_profile_shows_the_bank_how_the_enterprise_was_verified_and_who_signed(
    api_client_for, enterprise, enterprise_admin, bank_officer
):
    api_client_for(enterprise_admin).post(AUTHORIZATIONS, grant_body(), format="json")

    profile = api_client_for(bank_officer).get(f"/api/v1/enterprises/{enterprise.code}/credit-profile/").json()

    assert profile["subject_verification"]["level"] == "substantial"
    assert profile["subject_verification"]["method"] == "document_review"
    assert [signer["role"] for signer in profile["signers"]] == ["legal_representative"]


def test_an_application_shows_the_enterprises_verification(api_client_for, enterprise_admin, bank):
    response = api_client_for(enterprise_admin).post(
        "/api/v1/applications/",
        {"product": None, "amount": "100000.00", "term_months": 12, "purpose": "周转"},
        format="json",
    )

    assert response.status_code == 201, response.json()
    assert response.json()["enterprise_verification"]["level"] == "substantial"


def test_saving_the_same_two_signer_settings_again_records_nothing(api_client_for, enterprise, enterprise_admin):
    url = f"/api/v1/enterprises/{enterprise.code}/verification/"
    for _ in range(2):
        api_client_for(enterprise_admin).patch(url, {"signers_required": {"tax": 2}}, format="json")

    assert AuditEvent.objects.filter(action="verification.signers_required_changed").count() == 1


@pytest.mark.parametrize(
    "path",
    ["verification/", "agents/"],
)
def test_other_organizations_do_not_see_an_enterprises_verification_or_signers(
    api_client_for, enterprise, outsider, bank_officer, path
):
    url = f"/api/v1/enterprises/{enterprise.code}/{path}"

    for user in (outsider, bank_officer):
        assert api_client_for(user).get(url).status_code == 404


def test_a_platform_sees_the_verification_of_enterprises_in_its_region_only(api_client_for, enterprise, platform_admin):
    from tests.hub.factories import OrganizationFactory

    elsewhere = OrganizationFactory(kind="enterprise", region_code="410300")

    assert api_client_for(platform_admin).get(f"/api/v1/enterprises/{enterprise.code}/verification/").status_code == 200
    assert api_client_for(platform_admin).get(f"/api/v1/enterprises/{elsewhere.code}/verification/").status_code == 404


def test_another_enterprise_cannot_appoint_agents_or_suspend(api_client_for, enterprise, outsider):
    body = {"username": "ent-admin", "scopes": ["tax"], "expires_at": (timezone.now() + timedelta(days=9)).isoformat()}

    assert (
        api_client_for(outsider).post(f"/api/v1/enterprises/{enterprise.code}/agents/", body, format="json").status_code
        == 404
    )
    suspend = f"/api/v1/enterprises/{enterprise.code}/verification/suspend/"
    assert api_client_for(outsider).post(suspend, {"reason": "x"}, format="json").status_code == 404
