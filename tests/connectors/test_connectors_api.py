"""Platforms register connectors; the operator approves; health is checked on a schedule."""

import pytest
from django.db import connection

from connectors.models import Connector
from connectors.tasks import check_all_connectors
from hub.models import AuditEvent
from tests.connectors.factories import SECRET, ConnectorFactory

pytestmark = pytest.mark.django_db

URL = "/api/v1/connectors/"


def connector_body(**overrides):
    body = {
        "name": "郑州市信用平台",
        "kind": "cdp_http_v1",
        "base_url": "https://credit.zhengzhou.example/cdp",
        "region_codes": ["410100"],
        "categories": ["tax", "penalty"],
        "key_id": "hub-1",
        "secret": "s3cr3t-value",
    }
    body.update(overrides)
    return body


def test_a_platform_admin_registers_a_connector_that_waits_for_approval(api_client_for, platform_admin):
    response = api_client_for(platform_admin).post(URL, connector_body(), format="json")

    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["status"] == "pending" and "secret" not in body
    assert body["health"] == {"state": "unknown", "checked_at": None, "failures": 0, "detail": ""}
    assert AuditEvent.objects.filter(action="connector.registered").exists()


def test_the_secret_is_never_returned_nor_stored_in_the_clear(api_client_for, platform_admin):
    created = api_client_for(platform_admin).post(URL, connector_body(), format="json").json()

    assert "s3cr3t-value" not in str(api_client_for(platform_admin).get(f"{URL}{created['id']}/").json())
    with connection.cursor() as cursor:
        cursor.execute("SELECT secret FROM connectors_connector")
        assert cursor.fetchone()[0].startswith("enc1$")
    assert Connector.objects.get().secret == "s3cr3t-value"


@pytest.mark.parametrize(
    "overrides, field",
    [
        ({"kind": "ftp"}, "kind"),
        ({"base_url": "http://credit.example.com"}, "base_url"),
        ({"base_url": "https://credit.example.com/"}, "base_url"),
        ({"base_url": "relative/dir", "kind": "file_drop"}, "base_url"),
        ({"region_codes": []}, "region_codes"),
        ({"region_codes": ["990100"]}, "region_codes"),
        ({"categories": ["gossip"]}, "categories"),
        ({"secret": ""}, "secret"),
    ],
)
def test_bad_registrations_name_the_field(api_client_for, platform_admin, overrides, field):
    response = api_client_for(platform_admin).post(URL, connector_body(**overrides), format="json")

    assert response.status_code == 400
    assert field in response.json()["error"]["fields"]


@pytest.mark.parametrize("persona", ["enterprise_admin", "bank_officer", "regulator_user"])
def test_only_platforms_register_connectors(request, api_client_for, persona):
    assert (
        api_client_for(request.getfixturevalue(persona)).post(URL, connector_body(), format="json").status_code == 403
    )


def test_the_operator_approves_and_suspends(api_client_for, platform_admin, operator):
    created = api_client_for(platform_admin).post(URL, connector_body(), format="json").json()
    client = api_client_for(operator)

    assert api_client_for(platform_admin).post(f"{URL}{created['id']}/approve/").status_code == 403
    assert client.post(f"{URL}{created['id']}/approve/").json()["status"] == "active"
    assert client.post(f"{URL}{created['id']}/approve/").status_code == 409
    assert client.post(f"{URL}{created['id']}/suspend/").json()["status"] == "suspended"
    assert AuditEvent.objects.filter(action="connector.active").exists()


def test_other_organizations_do_not_see_a_platforms_connectors(api_client_for, platform_admin, bank_officer):
    created = api_client_for(platform_admin).post(URL, connector_body(), format="json").json()

    assert api_client_for(bank_officer).get(f"{URL}{created['id']}/").status_code == 404
    assert api_client_for(bank_officer).get(URL).json()["results"] == []


def test_the_health_check_records_state_time_and_consecutive_failures(running_simulator):
    healthy = ConnectorFactory(base_url=running_simulator.base_url, secret=SECRET)
    down = ConnectorFactory(base_url="http://127.0.0.1:9")  # nothing listens on the discard port

    check_all_connectors.delay()
    check_all_connectors.delay()

    healthy.refresh_from_db()
    down.refresh_from_db()
    assert (healthy.health_state, healthy.health_failures) == ("healthy", 0)
    assert healthy.health_checked_at is not None
    assert (down.health_state, down.health_failures) == ("unhealthy", 2)
    assert down.health_detail.startswith("connection")


def test_a_platform_registers_connectors_only_for_its_own_region(api_client_for, platform_admin):
    body = {
        "name": "越界连接器",
        "kind": "cdp_http_v1",
        "base_url": "https://platform.example.org",
        "region_codes": ["410100", "110000"],
        "categories": ["tax"],
        "key_id": "k",
        "secret": "s",
    }

    response = api_client_for(platform_admin).post("/api/v1/connectors/", body, format="json")

    assert response.status_code == 400 and "region_codes" in response.json()["error"]["fields"]
