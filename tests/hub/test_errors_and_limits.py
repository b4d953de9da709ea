"""The error format, throttling and operational endpoints."""

import json
import logging

import pytest
from django.conf import settings as django_settings

pytestmark = pytest.mark.django_db


def test_an_unknown_api_path_is_a_json_404(api_client_for, bank_officer):
    response = api_client_for(bank_officer).get("/api/v1/no-such-thing/")

    assert response.status_code == 404
    assert response.json() == {"error": {"code": "not_found", "message": response.json()["error"]["message"]}}


def test_a_wrong_method_is_a_405_in_the_error_format(api_client_for, bank_officer):
    response = api_client_for(bank_officer).delete("/api/v1/me/")

    assert response.status_code == 405
    assert response.json()["error"]["code"] == "method_not_allowed"


def test_an_unsupported_content_type_is_a_415(api_client_for, operator):
    response = api_client_for(operator).post("/api/v1/organizations/", data="kind=bank", content_type="text/plain")

    assert response.status_code == 415
    assert response.json()["error"]["code"] == "unsupported_media_type"


def test_an_organization_over_its_rate_gets_429_with_retry_after(api_client_for, bank_officer, settings):
    settings.REST_FRAMEWORK = {
        **django_settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {"organization": "3/min", "anonymous": "3/min"},
    }
    client = api_client_for(bank_officer)

    statuses = [client.get("/api/v1/me/").status_code for _ in range(4)]

    assert statuses == [200, 200, 200, 429]
    response = client.get("/api/v1/me/")
    assert response.json()["error"]["code"] == "throttled"
    assert int(response["Retry-After"]) > 0


def test_people_of_one_organization_share_its_rate(api_client_for, bank_officer, bank, settings):
    from tests.hub.factories import UserFactory

    settings.REST_FRAMEWORK = {
        **django_settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {"organization": "2/min", "anonymous": "9/min"},
    }
    colleague = UserFactory(organization=bank)
    first, second = api_client_for(bank_officer), api_client_for(colleague)

    assert [first.get("/api/v1/me/").status_code, second.get("/api/v1/me/").status_code] == [200, 200]
    assert second.get("/api/v1/me/").status_code == 429


def test_healthz_says_the_process_is_alive(client):
    response = client.get("/healthz")

    assert response.status_code == 200 and response.json() == {"status": "ok"}


def test_readyz_checks_the_database_and_redis_when_configured(client):
    response = client.get("/readyz")

    assert response.status_code == 200
    checks = response.json()["checks"]
    assert checks["database"] == "ok"
    assert ("redis" in checks) == bool(django_settings.REDIS_URL)


def test_every_response_carries_a_request_id_that_the_log_line_repeats(client, caplog):
    with caplog.at_level(logging.INFO, logger="hub.request"):
        response = client.get("/healthz", HTTP_X_REQUEST_ID="trace-abc-12345")

    assert response["X-Request-ID"] == "trace-abc-12345"
    record = next(record for record in caplog.records if record.name == "hub.request")
    assert record.request_id == "trace-abc-12345" and record.status == 200


def test_an_unusable_incoming_request_id_is_replaced(client):
    response = client.get("/healthz", HTTP_X_REQUEST_ID="<script>")

    assert response["X-Request-ID"] != "<script>" and len(response["X-Request-ID"]) == 32


def test_log_lines_are_json_objects():
    from pythonjsonlogger.json import JsonFormatter

    from hub.logging import RequestIdFilter

    config = django_settings.LOGGING["formatters"]["json"]
    formatter = JsonFormatter(config["fmt"], rename_fields=config["rename_fields"])
    record = logging.LogRecord("hub.test", logging.INFO, __file__, 1, "hello", None, None)
    RequestIdFilter().filter(record)

    line = json.loads(formatter.format(record))

    assert line["message"] == "hello" and line["level"] == "INFO" and "request_id" in line


def test_the_api_docs_are_served_with_local_assets(client):
    response = client.get("/api/docs/")

    assert response.status_code == 200
    html = response.content.decode()
    assert "swagger-ui" in html
    assert "//cdn" not in html and "https://" not in html.split("</head>")[0]


def test_the_schema_describes_the_api(client):
    response = client.get("/api/schema/", HTTP_ACCEPT="application/json")

    assert response.status_code == 200
    paths = response.json()["paths"]
    assert {
        "/api/v1/enterprises/",
        "/api/v1/enterprises/{uscc}/",
        "/api/v1/organizations/",
        "/api/v1/auth/token/",
    } <= set(paths)
