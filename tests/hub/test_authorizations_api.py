"""Authorizations (consent) per API.md: grant, receipts, revoke, expiry, visibility."""

from datetime import timedelta

import pytest
from django.utils import timezone

from hub.models import AuditEvent, Authorization
from hub.receipts import verify_receipt
from hub.tasks import record_authorization_expiry

pytestmark = pytest.mark.django_db

URL = "/api/v1/authorizations/"


def grant_body(**overrides):
    body = {
        "bank": "ZYBANK",
        "scopes": ["tax", "penalty"],
        "purpose": "loan_review",
        "expires_at": (timezone.now() + timedelta(days=90)).isoformat(),
        "application": None,
    }
    body.update(overrides)
    return body


def test_an_enterprise_grants_a_bank_access_and_gets_a_verifiable_receipt(
    api_client_for, enterprise_admin, bank, anonymous_client
):
    response = api_client_for(enterprise_admin).post(URL, grant_body(), format="json")

    assert response.status_code == 201, response.json()
    body = response.json()
    assert {key: body[key] for key in ("bank", "scopes", "purpose", "status")} == {
        "bank": "ZYBANK",
        "scopes": ["penalty", "tax"],
        "purpose": "loan_review",
        "status": "active",
    }
    jwks = anonymous_client.get("/api/v1/hub/keys/").json()
    assert jwks["keys"][0]["kty"] == "OKP" and jwks["keys"][0]["crv"] == "Ed25519" and jwks["keys"][0]["kid"]
    claims = verify_receipt(body["receipt"], jwks)
    assert claims["jti"] == str(body["id"]) and claims["aud"] == "ZYBANK"
    assert claims["sub"] == enterprise_admin.organization.code
    assert claims["scopes"] == ["penalty", "tax"] and claims["purpose"] == "loan_review"
    assert AuditEvent.objects.filter(action="authorization.granted", object_id=str(body["id"])).exists()


def test_a_receipt_altered_by_anyone_fails_verification(api_client_for, enterprise_admin, bank, anonymous_client):
    import jwt

    receipt = api_client_for(enterprise_admin).post(URL, grant_body(), format="json").json()["receipt"]
    header, payload, signature = receipt.split(".")
    forged_payload = jwt.utils.base64url_encode(jwt.utils.base64url_decode(payload).replace(b'"tax"', b'"ip"')).decode()

    with pytest.raises(jwt.InvalidSignatureError):
        verify_receipt(f"{header}.{forged_payload}.{signature}", anonymous_client.get("/api/v1/hub/keys/").json())


@pytest.mark.parametrize(
    "overrides, field",
    [
        ({"bank": "NOSUCH"}, "bank"),
        ({"scopes": []}, "scopes"),
        ({"scopes": ["tax", "gossip"]}, "scopes"),
        ({"scopes": "tax"}, "scopes"),
        ({"purpose": "marketing"}, "purpose"),
        ({"expires_at": "2020-01-01T00:00:00+08:00"}, "expires_at"),
        ({"expires_at": "not a date"}, "expires_at"),
        ({"application": 999}, "application"),
    ],
)
def test_bad_grants_name_the_field(api_client_for, enterprise_admin, bank, overrides, field):
    response = api_client_for(enterprise_admin).post(URL, grant_body(**overrides), format="json")

    assert response.status_code == 400
    assert field in response.json()["error"]["fields"]
    assert not Authorization.objects.exists()


def test_an_authorization_lasts_at_most_a_year(api_client_for, enterprise_admin, bank):
    too_far = (timezone.now() + timedelta(days=367)).isoformat()

    response = api_client_for(enterprise_admin).post(URL, grant_body(expires_at=too_far), format="json")

    assert response.status_code == 400 and "expires_at" in response.json()["error"]["fields"]


@pytest.mark.parametrize("persona", ["bank_officer", "regulator_user", "platform_admin", "operator"])
def test_only_enterprises_grant(request, api_client_for, bank, persona):
    response = api_client_for(request.getfixturevalue(persona)).post(URL, grant_body(), format="json")

    assert response.status_code == 403


def test_the_bank_and_the_enterprise_each_see_it_others_do_not(
    api_client_for, enterprise_admin, bank_officer, outsider
):
    created = api_client_for(enterprise_admin).post(URL, grant_body(), format="json").json()

    assert [row["id"] for row in api_client_for(bank_officer).get(URL).json()["results"]] == [created["id"]]
    assert api_client_for(outsider).get(URL).json()["results"] == []
    assert api_client_for(outsider).get(f"{URL}{created['id']}/").status_code == 404


def test_revocation_is_recorded_and_only_the_granting_enterprise_may_revoke(
    api_client_for, enterprise_admin, bank_officer, outsider
):
    created = api_client_for(enterprise_admin).post(URL, grant_body(), format="json").json()
    revoke = f"{URL}{created['id']}/revoke/"

    assert api_client_for(outsider).post(revoke).status_code == 404
    assert api_client_for(bank_officer).post(revoke).status_code == 404
    response = api_client_for(enterprise_admin).post(revoke)

    assert response.status_code == 200 and response.json()["status"] == "revoked"
    assert api_client_for(enterprise_admin).post(revoke).status_code == 409
    assert AuditEvent.objects.filter(action="authorization.revoked", object_id=str(created["id"])).exists()


def test_expiry_counts_at_read_time_and_the_task_records_it_once(api_client_for, enterprise_admin, bank_officer):
    created = api_client_for(enterprise_admin).post(URL, grant_body(), format="json").json()
    Authorization.objects.filter(pk=created["id"]).update(expires_at=timezone.now() - timedelta(seconds=1))

    assert api_client_for(bank_officer).get(f"{URL}{created['id']}/").json()["status"] == "expired"
    assert record_authorization_expiry.delay().get() == 1
    assert record_authorization_expiry.delay().get() == 0
    assert Authorization.objects.get(pk=created["id"]).status == "expired"
    assert AuditEvent.objects.filter(action="authorization.expired").count() == 1


def test_a_bank_with_an_authorization_in_force_may_read_the_enterprise(
    api_client_for, enterprise_admin, enterprise, bank_officer
):
    detail = f"/api/v1/enterprises/{enterprise.code}/"
    assert api_client_for(bank_officer).get(detail).status_code == 404

    created = api_client_for(enterprise_admin).post(URL, grant_body(), format="json").json()
    assert api_client_for(bank_officer).get(detail).status_code == 200

    api_client_for(enterprise_admin).post(f"{URL}{created['id']}/revoke/")
    assert api_client_for(bank_officer).get(detail).status_code == 404


def test_the_service_itself_refuses_an_unknown_purpose(enterprise_admin, bank):
    from hub.errors import InvalidInput
    from hub.services.consent import authorization_grant

    with pytest.raises(InvalidInput) as refused:
        authorization_grant(
            actor=enterprise_admin,
            bank_code=bank.code,
            scopes=["tax"],
            purpose="marketing",
            expires_at=timezone.now() + timedelta(days=1),
        )
    assert "purpose" in refused.value.fields
