"""Every response carries one strict content security policy: pages, API answers, error
pages, health checks and static files alike. HUB_CSP_REPORT_ONLY sends the same policy as
report-only; HUB_CSP_REPORT_URI adds where reports go."""

import re

import pytest
import requests
from django.test import Client
from django.urls import include, path

from hub.verification.e_license_simulator import ProviderConfig, start_e_license_provider
from tests.hub.test_settings import start_django

pytestmark = pytest.mark.django_db

STRICT = {
    "default-src": ["'self'"],
    "script-src": ["'self'"],
    "style-src": ["'self'"],
    "img-src": ["'self'", "data:"],
    "object-src": ["'none'"],
    "base-uri": ["'self'"],
    "form-action": ["'self'"],
    "frame-ancestors": ["'none'"],
}


def _broken(request):
    raise RuntimeError("a bug")


# This module is also the URL table of the tests marked with it: the hub's, plus a view that
# fails, to see the 500 pages.
urlpatterns = [path("broken/", _broken), path("api/v1/broken/", _broken), path("", include("hub.urls"))]
handler400 = "hub.views.health.bad_request"
handler403 = "hub.views.health.permission_denied"
handler404 = "hub.views.health.page_not_found"
handler500 = "hub.views.health.server_error"


def directives(header: str | None) -> dict[str, list[str]]:
    assert header, "no Content-Security-Policy header"
    parts = [part.split() for part in header.split(";") if part.strip()]
    return {name: values for name, *values in parts}


def test_pages_carry_the_strict_policy(client, enterprise_admin):
    anonymous = client.get("/login/")
    client.force_login(enterprise_admin)
    signed_in = client.get("/authorizations/")

    assert anonymous.status_code == signed_in.status_code == 200
    assert directives(anonymous["Content-Security-Policy"]) == STRICT
    assert directives(signed_in["Content-Security-Policy"]) == STRICT
    assert "Content-Security-Policy-Report-Only" not in signed_in


def test_api_answers_and_health_checks_carry_it(client, enterprise_admin):
    unauthenticated = client.get("/api/v1/me/")
    client.force_login(enterprise_admin)
    answer = client.get("/api/v1/me/")
    malformed = client.post("/api/v1/authorizations/", data="{", content_type="application/json")

    assert (unauthenticated.status_code, answer.status_code, malformed.status_code) == (401, 200, 400)
    for response in (unauthenticated, answer, malformed, client.get("/healthz"), client.get("/api/schema/")):
        assert directives(response["Content-Security-Policy"]) == STRICT


def test_static_files_carry_it(client):
    response = client.get("/static/hub/hub.js")

    assert response.status_code == 200
    assert directives(response["Content-Security-Policy"]) == STRICT


@pytest.mark.urls(__name__)
def test_error_pages_carry_it(client, enterprise_admin):
    failing = Client(raise_request_exception=False)
    client.force_login(enterprise_admin)
    responses = {
        "page 404": client.get("/no-such-page/"),
        "API 404": client.get("/api/v1/no-such-thing/"),
        "page 403": client.get("/dashboard/"),
        "page 500": failing.get("/broken/"),
        "API 500": failing.get("/api/v1/broken/"),
    }

    assert {name: response.status_code for name, response in responses.items()} == {
        "page 404": 404,
        "API 404": 404,
        "page 403": 403,
        "page 500": 500,
        "API 500": 500,
    }
    for name, response in responses.items():
        assert directives(response.get("Content-Security-Policy")) == STRICT, name


def test_the_api_docs_load_their_init_script_as_a_file_under_the_strict_policy(client):
    swagger = client.get("/api/docs/")
    swagger_script = client.get("/api/docs/?script=")

    assert directives(swagger["Content-Security-Policy"]) == STRICT
    assert swagger_script.status_code == 200 and "SwaggerUIBundle" in swagger_script.content.decode()
    assert swagger_script["Content-Type"].startswith("application/javascript")


def _headers_of_a_page(**environment) -> str:
    """Starts Django in a process of its own with ``environment`` and prints the policy
    headers of the login page."""
    code = (
        "import django; django.setup(); from django.test import Client; r = Client().get('/login/'); "
        "print(repr(r.get('Content-Security-Policy'))); print(repr(r.get('Content-Security-Policy-Report-Only')))"
    )
    result = start_django(code=code, DATABASE_URL="sqlite:///:memory:", **environment)
    assert result.returncode == 0, result.stderr
    return result.stdout


def test_report_only_mode_sends_the_same_policy_as_report_only_with_its_report_uri():
    enforced, report_only = _headers_of_a_page(
        HUB_CSP_REPORT_ONLY="true", HUB_CSP_REPORT_URI="https://reports.example.org/csp"
    ).splitlines()[-2:]

    assert enforced == "None"
    assert directives(eval(report_only)) == STRICT | {"report-uri": ["https://reports.example.org/csp"]}


def test_a_report_uri_is_added_to_the_enforced_policy():
    enforced, report_only = _headers_of_a_page(HUB_CSP_REPORT_URI="/csp-reports/").splitlines()[-2:]

    assert directives(eval(enforced)) == STRICT | {"report-uri": ["/csp-reports/"]}
    assert report_only == "None"


@pytest.mark.parametrize("value", ["reports.example.org", "https://x.org/a; script-src *", "ftp://x.org/r"])
def test_a_malformed_report_uri_stops_start_up_naming_it(value):
    result = start_django(HUB_CSP_REPORT_URI=value)

    assert result.returncode != 0
    assert "HUB_CSP_REPORT_URI" in result.stderr


def test_the_e_licence_simulators_pages_allow_its_own_styles_and_forms_that_return_to_the_client():
    query = {
        "response_type": "code",
        "client_id": "hub",
        "redirect_uri": "http://127.0.0.1:8000/verification/e-license/callback/",
        "scope": "openid",
        "state": "s",
        "code_challenge": "c" * 43,
        "code_challenge_method": "S256",
    }
    forged = query | {"redirect_uri": "http://evil.example; script-src *@127.0.0.1/"}
    with start_e_license_provider(ProviderConfig("hub", "secret")) as provider:
        login = requests.get(f"{provider.base_url}/authorize", params=query, timeout=10)
        stylesheet = requests.get(f"{provider.base_url}/login.css", timeout=10)
        with_forged_redirect = requests.get(f"{provider.base_url}/authorize", params=forged, timeout=10)
        discovery = requests.get(f"{provider.base_url}/.well-known/openid-configuration", timeout=10)

    policy = directives(login.headers.get("Content-Security-Policy"))
    assert "script-src" not in policy and policy["default-src"] == ["'none'"]
    assert policy["style-src"] == ["'self'"]
    assert policy["form-action"] == ["'self'", "http://127.0.0.1:8000"]
    assert policy["frame-ancestors"] == ["'none'"]
    assert stylesheet.status_code == 200 and stylesheet.headers["Content-Type"].startswith("text/css")
    assert re.search(r"form-action 'self';", with_forged_redirect.headers.get("Content-Security-Policy", ""))
    assert "Content-Security-Policy" not in discovery.headers
