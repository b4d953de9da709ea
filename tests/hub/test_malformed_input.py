"""Malformed input is a clear 4xx naming what is wrong, never a 500 (hardening, item 9)."""

import pytest

pytestmark = pytest.mark.django_db

GRANT = "/api/v1/authorizations/"


def test_json_nested_a_hundred_thousand_deep_is_a_400(api_client_for, enterprise_admin):
    body = b"[" * 100_000 + b"]" * 100_000

    response = api_client_for(enterprise_admin).post(GRANT, data=body, content_type="application/json")

    assert response.status_code == 400 and response.json()["error"]["code"] == "malformed_request"


def test_a_lone_surrogate_is_refused_as_malformed(api_client_for, enterprise_admin):
    body = b'{"bank": "ZYBANK", "scopes": ["\\ud800"], "purpose": "loan_review"}'

    response = api_client_for(enterprise_admin).post(GRANT, data=body, content_type="application/json")

    assert response.status_code == 400 and response.json()["error"]["code"] == "malformed_request"


def test_a_forged_cursor_is_named(api_client_for, enterprise_admin):
    response = api_client_for(enterprise_admin).get(GRANT, {"cursor": "cD14"})

    assert response.status_code == 400 and "cursor" in response.json()["error"]["fields"]


def test_a_nul_in_a_path_is_not_found(api_client_for, enterprise_admin):
    response = api_client_for(enterprise_admin).get("/api/v1/enterprises/ab%00cd/")

    assert response.status_code == 404


def test_a_body_above_the_limit_is_a_413(api_client_for, enterprise_admin, settings):
    body = b'{"bank": "' + b"x" * (settings.DATA_UPLOAD_MAX_MEMORY_SIZE + 1) + b'"}'

    response = api_client_for(enterprise_admin).post(GRANT, data=body, content_type="application/json")

    assert response.status_code == 413 and response.json()["error"]["code"] == "request_too_large"
