"""POST /api/v1/enterprises/ and GET /api/v1/enterprises/{uscc}/ (API.md)."""

import pytest

from hub.identifiers import Messages as UsccMessages
from hub.identifiers import make_uscc
from hub.models import AuditEvent, Organization, User, Verification
from hub.services.organizations import Messages

pytestmark = pytest.mark.django_db

URL = "/api/v1/enterprises/"


def registration(**overrides):
    body = {
        "uscc": make_uscc(region_code="410100", serial=77),
        "name": "郑州新星科技有限公司",
        "region_code": "410105",
        "industry_code": "I65",
        "scale": "small",
        "admin": {"username": "xinxing", "password": "Strong-pass-2026"},
    }
    body.update(overrides)
    return body


def test_an_enterprise_registers_itself_with_its_first_admin(anonymous_client):
    response = anonymous_client.post(URL, registration(), format="json")

    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["uscc"] == registration()["uscc"]
    assert set(body) >= {"uscc", "name", "region_code", "industry_code", "scale", "created_at"}
    enterprise = Organization.objects.get(code=body["uscc"])
    admin = User.objects.get(username="xinxing")
    assert admin.organization == enterprise and admin.role == "admin"
    assert AuditEvent.objects.filter(action="enterprise.registered", organization_id=enterprise.pk).count() == 1


def test_a_wrong_check_character_is_a_400_naming_uscc(anonymous_client):
    uscc = registration()["uscc"]
    wrong = uscc[:17] + ("0" if uscc[17] != "0" else "1")

    response = anonymous_client.post(URL, registration(uscc=wrong), format="json")

    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == "invalid"
    assert error["fields"]["uscc"] == [str(UsccMessages.USCC_CHECK % {"expected": uscc[17], "actual": wrong[17]})]
    assert not Organization.objects.exists()


def test_an_unverified_uscc_may_be_registered_again(anonymous_client):
    """A registration proves nothing: a squatter's registration cannot lock the real
    enterprise out. Both wait; the first to verify holds the code."""
    anonymous_client.post(URL, registration(), format="json")

    response = anonymous_client.post(
        URL, registration(admin={"username": "other", "password": "Strong-pass-2026"}), format="json"
    )

    assert response.status_code == 201
    assert Organization.objects.filter(code=registration()["uscc"]).count() == 2


def test_a_verified_uscc_is_a_409(anonymous_client):
    anonymous_client.post(URL, registration(), format="json")
    Verification.objects.filter(uscc=registration()["uscc"]).update(status=Verification.Status.VERIFIED)

    response = anonymous_client.post(
        URL, registration(admin={"username": "other", "password": "Strong-pass-2026"}), format="json"
    )

    assert response.status_code == 409
    assert response.json()["error"]["fields"]["uscc"] == [str(Messages.USCC_TAKEN)]
    assert User.objects.filter(username="other").count() == 0


def test_a_taken_username_is_a_409_and_nothing_is_stored(anonymous_client):
    anonymous_client.post(URL, registration(), format="json")

    response = anonymous_client.post(URL, registration(uscc=make_uscc(region_code="410100", serial=78)), format="json")

    assert response.status_code == 409
    assert "admin.username" in response.json()["error"]["fields"]
    assert Organization.objects.count() == 1


@pytest.mark.parametrize(
    "field, value",
    [
        ("uscc", 12345),
        ("uscc", None),
        ("name", ""),
        ("region_code", "990100"),
        ("region_code", "41010"),
        ("industry_code", "65"),
        ("scale", "huge"),
        ("admin", "not-an-object"),
        ("contact_phone", "call me"),
    ],
)
def test_each_bad_field_is_named(anonymous_client, field, value):
    response = anonymous_client.post(URL, registration(**{field: value}), format="json")

    assert response.status_code == 400
    assert field in response.json()["error"]["fields"]


def test_a_weak_password_is_named(anonymous_client):
    response = anonymous_client.post(URL, registration(admin={"username": "weak", "password": "123"}), format="json")

    assert response.status_code == 400
    assert "admin.password" in response.json()["error"]["fields"]


def test_malformed_json_is_a_400_not_a_500(anonymous_client):
    response = anonymous_client.post(URL, data=b'{"uscc": ', content_type="application/json")

    assert response.status_code == 400
    assert response.json()["error"]["code"] == "malformed_request"


def test_a_json_array_body_is_a_400(anonymous_client):
    response = anonymous_client.post(URL, data=b"[1, 2]", content_type="application/json")

    assert response.status_code == 400
    assert response.json()["error"]["code"] == "invalid"


def test_personal_data_is_encrypted(anonymous_client):
    body = registration(contact_phone="13900000000")
    anonymous_client.post(URL, body, format="json")
    enterprise = Organization.objects.get(code=body["uscc"])
    Organization.objects.filter(pk=enterprise.pk).update(legal_representative="李华")

    raw = Organization.objects.filter(pk=enterprise.pk).values_list("contact_phone", flat=True)
    # values_list still decrypts; read what the database holds instead.
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT legal_representative, contact_phone FROM hub_organization WHERE id = %s", [enterprise.pk]
        )
        stored = cursor.fetchone()
    assert all(value.startswith("enc1$") for value in stored)
    assert list(raw) == ["13900000000"]


# --- who may read an enterprise ---------------------------------------------------------------


def test_the_enterprise_reads_itself(api_client_for, enterprise_admin, enterprise):
    response = api_client_for(enterprise_admin).get(f"{URL}{enterprise.code}/")

    assert response.status_code == 200
    assert response.json()["uscc"] == enterprise.code


def test_the_operator_reads_any_enterprise(api_client_for, operator, enterprise):
    assert api_client_for(operator).get(f"{URL}{enterprise.code}/").status_code == 200


@pytest.mark.parametrize("persona", ["outsider", "bank_officer", "regulator_user", "platform_admin"])
def test_other_organizations_get_404(request, api_client_for, enterprise, persona):
    client = api_client_for(request.getfixturevalue(persona))

    response = client.get(f"{URL}{enterprise.code}/")

    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"


def test_anonymous_callers_get_401(anonymous_client, enterprise):
    response = anonymous_client.get(f"{URL}{enterprise.code}/")

    assert response.status_code == 401
    assert response.json()["error"]["code"] == "not_authenticated"


def test_each_registration_of_a_shared_uscc_reads_its_own(anonymous_client):
    """Two unverified registrations of one code: `{uscc}` is the caller's own registration."""
    first = anonymous_client.post(URL, registration(name="第一家"), format="json")
    second = anonymous_client.post(
        URL, registration(name="第二家", admin={"username": "second", "password": "Strong-pass-2026"}), format="json"
    )
    assert first.status_code == second.status_code == 201
    uscc = registration()["uscc"]
    anonymous_client.force_authenticate(User.objects.get(username="second"))

    response = anonymous_client.get(f"{URL}{uscc}/")

    assert response.status_code == 200 and response.json()["name"] == "第二家"
