"""Bearer tokens: issued, stored hashed, expiring, revocable."""

from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone

from hub.models import ApiToken
from tests.hub.factories import PASSWORD

pytestmark = pytest.mark.django_db

URL = "/api/v1/auth/token/"


def test_a_person_gets_a_token_and_uses_it(anonymous_client, bank_officer):
    response = anonymous_client.post(URL, {"username": "bank-officer", "password": PASSWORD}, format="json")

    assert response.status_code == 200
    token = response.json()["token"]
    anonymous_client.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")
    me = anonymous_client.get("/api/v1/me/")
    assert me.status_code == 200
    assert me.json()["organization"]["code"] == "ZYBANK"


@pytest.mark.parametrize(
    "body",
    [
        {"username": "bank-officer", "password": "wrong"},
        {"username": "nobody", "password": PASSWORD},
    ],
)
def test_wrong_credentials_are_a_401(anonymous_client, bank_officer, body):
    response = anonymous_client.post(URL, body, format="json")

    assert response.status_code == 401
    assert response.json()["error"]["code"] == "wrong_credentials"


def test_a_missing_password_is_a_400(anonymous_client):
    response = anonymous_client.post(URL, {"username": "x"}, format="json")

    assert response.status_code == 400
    assert "password" in response.json()["error"]["fields"]


def test_only_a_hash_of_the_token_is_stored(anonymous_client, bank_officer):
    token = anonymous_client.post(URL, {"username": "bank-officer", "password": PASSWORD}, format="json").json()[
        "token"
    ]

    with connection.cursor() as cursor:
        cursor.execute("SELECT key_hash, prefix FROM hub_apitoken")
        rows = cursor.fetchall()
    assert all(token not in value for row in rows for value in row)


def test_a_revoked_token_stops_working_at_once(api_client_for, bank_officer):
    client = api_client_for(bank_officer)

    assert client.post(f"{URL}revoke/").status_code == 200
    response = client.get("/api/v1/me/")

    assert response.status_code == 401


def test_an_expired_token_is_refused(api_client_for, bank_officer):
    client = api_client_for(bank_officer)
    ApiToken.objects.update(expires_at=timezone.now() - timedelta(seconds=1))

    assert client.get("/api/v1/me/").status_code == 401


def test_a_deactivated_user_loses_api_access(api_client_for, bank_officer):
    client = api_client_for(bank_officer)
    bank_officer.is_active = False
    bank_officer.save()

    assert client.get("/api/v1/me/").status_code == 401


@pytest.mark.parametrize("header", ["Bearer", "Bearer a b", "Bearer nonsense"])
def test_malformed_or_unknown_tokens_are_a_401(anonymous_client, header):
    anonymous_client.credentials(HTTP_AUTHORIZATION=header)

    response = anonymous_client.get("/api/v1/me/")

    assert response.status_code == 401
    assert response.json()["error"]["code"] == "not_authenticated"


def test_tokens_expired_or_revoked_over_a_day_ago_are_purged(api_client_for, bank_officer):
    from hub.tasks import purge_expired_tokens

    api_client_for(bank_officer)
    api_client_for(bank_officer)
    ApiToken.objects.filter(pk=ApiToken.objects.first().pk).update(expires_at=timezone.now() - timedelta(days=2))

    assert purge_expired_tokens.delay().get() == 1
    assert purge_expired_tokens.delay().get() == 0
    assert ApiToken.objects.count() == 1
