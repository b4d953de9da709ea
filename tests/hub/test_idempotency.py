"""Idempotency-Key on creating POSTs: one mechanism for the whole API."""

import json

import pytest
from django.test import RequestFactory

from hub.api.idempotency import _request_hash
from hub.models import IdempotencyRecord, Organization, User

pytestmark = pytest.mark.django_db

URL = "/api/v1/organizations/"


def bank_body(code="C7654321", username="idem-admin"):
    return {
        "kind": "bank",
        "code": code,
        "name": "某银行",
        "region_code": "410100",
        "admin": {"username": username, "password": "Strong-pass-2026"},
    }


def test_a_repeated_request_returns_the_first_response_without_doing_the_work_twice(api_client_for, operator):
    client = api_client_for(operator)

    first = client.post(URL, bank_body(), format="json", HTTP_IDEMPOTENCY_KEY="create-bank-1")
    second = client.post(URL, bank_body(), format="json", HTTP_IDEMPOTENCY_KEY="create-bank-1")

    assert first.status_code == second.status_code == 201
    assert second.json() == first.json()
    assert second["Idempotent-Replayed"] == "true"
    assert Organization.objects.filter(code="C7654321").count() == 1


def test_the_same_key_with_another_body_is_a_409(api_client_for, operator):
    client = api_client_for(operator)
    client.post(URL, bank_body(), format="json", HTTP_IDEMPOTENCY_KEY="k")

    response = client.post(URL, bank_body(code="OTHER", username="u2"), format="json", HTTP_IDEMPOTENCY_KEY="k")

    assert response.status_code == 409
    assert response.json()["error"]["code"] == "idempotency_key_reused"
    assert not Organization.objects.filter(code="OTHER").exists()


def test_keys_are_scoped_to_the_organization(api_client_for, enterprise_admin, outsider):
    path = f"/api/v1/organizations/{enterprise_admin.organization_id}/members/"
    other_path = f"/api/v1/organizations/{outsider.organization_id}/members/"
    body = {"username": "clerk", "password": "Strong-pass-2026"}

    mine = api_client_for(enterprise_admin).post(path, body, format="json", HTTP_IDEMPOTENCY_KEY="same")
    theirs = api_client_for(outsider).post(
        other_path, {**body, "username": "clerk2"}, format="json", HTTP_IDEMPOTENCY_KEY="same"
    )

    assert mine.status_code == theirs.status_code == 201
    assert "Idempotent-Replayed" not in theirs


def test_people_of_one_organization_share_their_keys(api_client_for, enterprise_admin, enterprise):
    from tests.hub.factories import UserFactory

    colleague = UserFactory(organization=enterprise, role="admin")
    path = f"/api/v1/organizations/{enterprise.pk}/members/"
    body = {"username": "clerk", "password": "Strong-pass-2026"}

    api_client_for(enterprise_admin).post(path, body, format="json", HTTP_IDEMPOTENCY_KEY="shared")
    again = api_client_for(colleague).post(path, body, format="json", HTTP_IDEMPOTENCY_KEY="shared")

    assert again["Idempotent-Replayed"] == "true"
    assert User.objects.filter(username="clerk").count() == 1


def test_a_failed_request_releases_its_key(api_client_for, operator):
    client = api_client_for(operator)
    bad = bank_body()
    bad["region_code"] = "x"

    assert client.post(URL, bad, format="json", HTTP_IDEMPOTENCY_KEY="retry-me").status_code == 400
    assert client.post(URL, bank_body(), format="json", HTTP_IDEMPOTENCY_KEY="retry-me").status_code == 201


def test_a_key_over_255_characters_is_a_400_naming_the_header(api_client_for, operator):
    response = api_client_for(operator).post(URL, bank_body(), format="json", HTTP_IDEMPOTENCY_KEY="k" * 256)

    assert response.status_code == 400
    assert "Idempotency-Key" in response.json()["error"]["fields"]


def test_a_request_still_in_progress_is_a_409(api_client_for, operator):
    client = api_client_for(operator)
    raw = json.dumps(bank_body()).encode()
    # A concurrent first request with the same key and body has claimed it and not finished.
    same_request = RequestFactory().post(URL, data=raw, content_type="application/json")
    IdempotencyRecord.objects.create(scope=f"user:{operator.pk}", key="busy", request_hash=_request_hash(same_request))

    response = client.post(URL, raw, content_type="application/json", HTTP_IDEMPOTENCY_KEY="busy")

    assert response.status_code == 409
    assert response.json()["error"]["code"] == "idempotency_in_progress"
    assert not Organization.objects.filter(code="C7654321").exists()


def test_anonymous_registration_is_idempotent_too(anonymous_client):
    from hub.identifiers import make_uscc

    body = {
        "uscc": make_uscc(region_code="410100", serial=3),
        "name": "某公司",
        "region_code": "410100",
        "industry_code": "I65",
        "scale": "micro",
        "admin": {"username": "anon1", "password": "Strong-pass-2026"},
    }

    first = anonymous_client.post("/api/v1/enterprises/", body, format="json", HTTP_IDEMPOTENCY_KEY="reg-1")
    second = anonymous_client.post("/api/v1/enterprises/", body, format="json", HTTP_IDEMPOTENCY_KEY="reg-1")

    assert first.status_code == second.status_code == 201
    assert second.json() == first.json()


def test_expired_keys_are_purged(api_client_for, operator):
    from datetime import timedelta

    from django.utils import timezone

    from hub.tasks import purge_idempotency_keys

    api_client_for(operator).post(URL, bank_body(), format="json", HTTP_IDEMPOTENCY_KEY="old")
    IdempotencyRecord.objects.update(created_at=timezone.now() - timedelta(hours=25))

    assert purge_idempotency_keys.delay().get() == 1
    assert purge_idempotency_keys.delay().get() == 0
