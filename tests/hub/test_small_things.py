"""Small things a new user notices: the language menu, the favicon, the API's index."""

import pytest

pytestmark = pytest.mark.django_db


def test_each_language_is_offered_in_its_own_name_whatever_the_page_language(client):
    for page_language in ("zh-hans", "en"):
        html = client.get("/login/", HTTP_ACCEPT_LANGUAGE=page_language).content.decode()

        assert ">English</option>" in html and ">简体中文</option>" in html


def test_the_site_has_a_favicon(client):
    html = client.get("/login/").content.decode()
    response = client.get("/favicon.ico")

    assert 'rel="icon"' in html
    assert response.status_code in (301, 302) and response["Location"].endswith(".svg")


def test_the_api_root_answers_an_index_of_the_api(anonymous_client):
    response = anonymous_client.get("/api/v1/")

    assert response.status_code == 200
    body = response.json()
    assert body["schema"].endswith("/api/schema/") and body["docs"].endswith("/api/docs/")
    assert body["resources"]["authorizations"].endswith("/api/v1/authorizations/")
    assert body["resources"]["credit_pulls"].endswith("/api/v1/credit-pulls/")


def test_in_production_plain_http_is_redirected_but_health_checks_are_not(client, settings):
    settings.SECURE_SSL_REDIRECT = True
    settings.SECURE_HSTS_SECONDS = 31536000

    assert client.get("/healthz").status_code == 200
    redirected = client.get("/login/")
    assert redirected.status_code == 301 and redirected["Location"].startswith("https://")
    behind_the_proxy = client.get("/login/", HTTP_X_FORWARDED_PROTO="https")
    assert behind_the_proxy.status_code == 200
    assert behind_the_proxy["Strict-Transport-Security"].startswith("max-age=31536000")
