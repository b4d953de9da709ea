"""POST /api/v1/organizations/ (operator only), listing and members."""

import pytest

from hub.models import AuditEvent, Organization, User

pytestmark = pytest.mark.django_db

URL = "/api/v1/organizations/"


def bank_body(**overrides):
    body = {
        "kind": "bank",
        "code": "C1234567",
        "name": "洛阳银行",
        "region_code": "410300",
        "admin": {"username": "lybank", "password": "Strong-pass-2026"},
    }
    body.update(overrides)
    return body


def test_the_operator_creates_a_bank_with_its_admin(api_client_for, operator):
    response = api_client_for(operator).post(URL, bank_body(), format="json")

    assert response.status_code == 201, response.json()
    assert set(response.json()) >= {"id", "kind", "code", "name", "region_code"}
    bank = Organization.objects.get(kind="bank", code="C1234567")
    assert User.objects.get(username="lybank").organization == bank
    assert AuditEvent.objects.filter(
        action="organization.created", organization_id=bank.pk, actor_user_id=operator.pk
    ).exists()


@pytest.mark.parametrize("persona", ["enterprise_admin", "bank_officer", "regulator_user", "platform_admin"])
def test_only_the_operator_creates_organizations(request, api_client_for, persona):
    response = api_client_for(request.getfixturevalue(persona)).post(URL, bank_body(), format="json")

    assert response.status_code == 403
    assert not Organization.objects.filter(code="C1234567").exists()


def test_a_code_is_unique_per_kind(api_client_for, operator):
    client = api_client_for(operator)
    client.post(URL, bank_body(), format="json")

    duplicate = client.post(URL, bank_body(admin={"username": "x2", "password": "Strong-pass-2026"}), format="json")
    same_code_other_kind = client.post(
        URL, bank_body(kind="platform", admin={"username": "x3", "password": "Strong-pass-2026"}), format="json"
    )

    assert duplicate.status_code == 409
    assert "code" in duplicate.json()["error"]["fields"]
    assert same_code_other_kind.status_code == 201


def test_enterprises_cannot_be_created_here(api_client_for, operator):
    response = api_client_for(operator).post(URL, bank_body(kind="enterprise"), format="json")

    assert response.status_code == 400
    assert "kind" in response.json()["error"]["fields"]


def test_people_see_only_their_own_organization(api_client_for, bank_officer, enterprise):
    response = api_client_for(bank_officer).get(URL)

    assert response.status_code == 200
    assert [row["id"] for row in response.json()["results"]] == [bank_officer.organization_id]
    assert response.json()["next"] is None
    assert api_client_for(bank_officer).get(f"{URL}{enterprise.pk}/").status_code == 404


def test_the_operator_pages_through_all_organizations(api_client_for, operator, enterprise, bank, outsider):
    first = api_client_for(operator).get(URL, {"page_size": 2})

    assert len(first.json()["results"]) == 2
    second = api_client_for(operator).get(first.json()["next"])
    assert len(second.json()["results"]) == 1


# --- members ----------------------------------------------------------------------------------


@pytest.mark.parametrize("page_size", ["²", "0", "201", "x"])
def test_a_page_size_that_is_not_a_whole_number_in_range_is_400(api_client_for, operator, page_size):
    response = api_client_for(operator).get(URL, {"page_size": page_size})

    assert response.status_code == 400 and "page_size" in response.json()["error"]["fields"]


def test_an_admin_adds_a_staff_member(api_client_for, enterprise_admin, enterprise):
    response = api_client_for(enterprise_admin).post(
        f"{URL}{enterprise.pk}/members/", {"username": "clerk", "password": "Strong-pass-2026"}, format="json"
    )

    assert response.status_code == 201
    clerk = User.objects.get(username="clerk")
    assert clerk.organization == enterprise and clerk.role == "staff"
    assert AuditEvent.objects.filter(action="member.added", organization_id=enterprise.pk).exists()


def test_staff_cannot_add_members(api_client_for, bank_officer, bank):
    response = api_client_for(bank_officer).post(
        f"{URL}{bank.pk}/members/", {"username": "clerk", "password": "Strong-pass-2026"}, format="json"
    )

    assert response.status_code == 403


def test_members_of_another_organization_are_invisible(api_client_for, outsider, enterprise):
    client = api_client_for(outsider)

    assert client.get(f"{URL}{enterprise.pk}/members/").status_code == 404
    response = client.post(
        f"{URL}{enterprise.pk}/members/", {"username": "intruder", "password": "Strong-pass-2026"}, format="json"
    )
    assert response.status_code == 404
    assert not User.objects.filter(username="intruder").exists()


def test_members_are_listed_to_their_organization(api_client_for, enterprise_admin, enterprise):
    response = api_client_for(enterprise_admin).get(f"{URL}{enterprise.pk}/members/")

    assert [row["username"] for row in response.json()["results"]] == ["ent-admin"]
