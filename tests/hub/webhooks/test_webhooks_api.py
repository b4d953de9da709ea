"""The webhooks API: an organization's admins manage its endpoints; the secret is shown once;
another organization's endpoints are not found; a URL the hub must not call is refused
naming ``url`` (production settings: no DEBUG, no allowed networks)."""

from __future__ import annotations

import ipaddress
from datetime import timedelta

import pytest
from django.utils import timezone

from hub.models import WebhookDelivery, WebhookEndpoint
from hub.net import addresses
from hub.services.webhook_deliveries import webhook_delivery_run
from tests.hub.factories import OrganizationFactory, UserFactory
from tests.hub.webhooks.receiver import standard_webhooks_verify

pytestmark = pytest.mark.django_db

URL = "/api/v1/webhooks/endpoints/"


@pytest.fixture
def production(settings):
    settings.DEBUG = False
    settings.HUB_OUTBOUND_ALLOWED_NETWORKS = []


def create(client, url, event_types=("application.submitted",)):
    return client.post(URL, {"url": url, "event_types": list(event_types)}, format="json")


def test_an_admin_registers_an_endpoint_and_sees_its_secret_once(api_client_for, bank_admin, receiver):
    client = api_client_for(bank_admin)

    response = create(client, receiver.url)

    assert response.status_code == 201, response.json()
    assert response.json()["secret"].startswith("whsec_")
    listed = client.get(URL).json()["results"]
    assert [e["url"] for e in listed] == [receiver.url]
    assert "secret" not in listed[0]
    assert "secret" not in client.get(f"{URL}{response.json()['id']}/").json()


def test_staff_may_not_manage_endpoints(api_client_for, bank_officer, receiver):
    response = create(api_client_for(bank_officer), receiver.url)
    assert response.status_code == 403


def test_another_organizations_endpoint_is_not_found(api_client_for, bank_admin, receiver):
    endpoint_id = create(api_client_for(bank_admin), receiver.url).json()["id"]
    other_bank = OrganizationFactory(kind="bank", code="OTHER", region_code="410100")
    other_admin = UserFactory(organization=other_bank, role="admin", username="other-admin")
    client = api_client_for(other_admin)

    for method, path in [
        ("get", f"{URL}{endpoint_id}/"),
        ("delete", f"{URL}{endpoint_id}/"),
        ("post", f"{URL}{endpoint_id}/pause/"),
        ("post", f"{URL}{endpoint_id}/rotate-secret/"),
        ("post", f"{URL}{endpoint_id}/test/"),
    ]:
        assert getattr(client, method)(path).status_code == 404, path
    assert client.get("/api/v1/webhooks/deliveries/").json()["results"] == []


def test_an_unknown_event_type_is_refused_naming_the_field(api_client_for, bank_admin, receiver):
    response = create(api_client_for(bank_admin), receiver.url, event_types=["loan.eaten"])
    assert response.status_code == 400
    assert "event_types" in response.json()["error"]["fields"]


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1:8300/hooks",  # plain http, loopback, without DEBUG
        "https://127.0.0.1/hooks",
        "https://10.1.2.3/hooks",
        "https://192.168.0.10/hooks",
        "https://172.16.5.5/hooks",
        "https://169.254.169.254/latest/meta-data/",  # the cloud's metadata service
        "https://[fe80::1]/hooks",
        "https://[::ffff:10.0.0.1]/hooks",
        "https://100.64.0.1/hooks",
        "https://localhost/hooks",
        "http://bank.example.com/hooks",  # plain http to the internet
        "ftp://bank.example.com/hooks",
    ],
)
def test_ssrf_a_url_the_hub_must_not_call_is_refused_in_production(api_client_for, bank_admin, production, url):
    response = create(api_client_for(bank_admin), url)

    assert response.status_code == 400
    assert "url" in response.json()["error"]["fields"]
    assert not WebhookEndpoint.objects.exists()


def test_ssrf_a_name_resolving_to_a_private_address_is_refused_at_registration(
    api_client_for, bank_admin, production, monkeypatch
):
    monkeypatch.setattr(addresses, "resolve", lambda host, port: [(2, ipaddress.ip_address("10.0.0.5"))])

    response = create(api_client_for(bank_admin), "https://hooks.bank.example/in")

    assert response.status_code == 400
    assert "10.0.0.5" in response.json()["error"]["fields"]["url"][0]


def test_ssrf_a_name_that_later_resolves_to_the_metadata_service_is_never_connected(
    api_client_for, bank_admin, production, monkeypatch, django_capture_on_commit_callbacks
):
    answers = {"address": "93.184.216.34"}
    monkeypatch.setattr(addresses, "resolve", lambda host, port: [(2, ipaddress.ip_address(answers["address"]))])
    endpoint_id = create(api_client_for(bank_admin), "https://hooks.bank.example/in").json()["id"]
    answers["address"] = "169.254.169.254"  # DNS rebinding

    response = api_client_for(bank_admin).post(f"{URL}{endpoint_id}/test/")
    assert response.status_code == 202
    delivery = WebhookDelivery.objects.get()
    webhook_delivery_run(delivery_id=delivery.pk)

    delivery.refresh_from_db()
    assert delivery.status == "dead"
    assert "169.254.169.254" in delivery.last_error and "link-local" in delivery.last_error


def test_the_test_button_sends_a_signed_test_event(
    api_client_for, bank_admin, receiver, django_capture_on_commit_callbacks
):
    client = api_client_for(bank_admin)
    created = create(client, receiver.url).json()

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(f"{URL}{created['id']}/test/")

    assert response.status_code == 202
    (received,) = receiver.received
    assert received.payload["type"] == "webhook.test"
    assert standard_webhooks_verify(created["secret"], received.headers, received.body)
    deliveries = client.get("/api/v1/webhooks/deliveries/?status=delivered").json()["results"]
    assert [d["event_type"] for d in deliveries] == ["webhook.test"]
    assert deliveries[0]["attempt_log"][0]["status_code"] == 200


def test_replaying_an_event_delivers_it_again_with_the_same_webhook_id(
    api_client_for, bank_admin, receiver, django_capture_on_commit_callbacks
):
    client = api_client_for(bank_admin)
    created = create(client, receiver.url).json()
    with django_capture_on_commit_callbacks(execute=True):
        client.post(f"{URL}{created['id']}/test/")
    event_id = receiver.received[0].headers["webhook-id"]

    with django_capture_on_commit_callbacks(execute=True):
        one = client.post(f"/api/v1/webhooks/events/{event_id}/replay/", {"endpoint": created["id"]}, format="json")
    now = timezone.now()
    with django_capture_on_commit_callbacks(execute=True):
        ranged = client.post(
            "/api/v1/webhooks/events/replay/",
            {"since": (now - timedelta(hours=1)).isoformat(), "until": now.isoformat(), "endpoint": created["id"]},
            format="json",
        )

    assert one.status_code == 202 and one.json() == {"queued": 1}
    assert ranged.status_code == 202 and ranged.json() == {"queued": 1}
    assert [r.headers["webhook-id"] for r in receiver.received] == [event_id] * 3


def test_a_range_whose_end_is_before_its_start_is_refused(api_client_for, bank_admin):
    now = timezone.now()
    response = api_client_for(bank_admin).post(
        "/api/v1/webhooks/events/replay/",
        {"since": now.isoformat(), "until": (now - timedelta(hours=1)).isoformat()},
        format="json",
    )
    assert response.status_code == 400 and "until" in response.json()["error"]["fields"]
