"""The demo's receiver (`manage.py webhook_receiver`, started by `make run`): the demo bank has
an endpoint at it; it verifies each delivery with that endpoint's secret, read from the hub
(a rotation is followed at once), marks a repeated webhook-id duplicate, refuses a forged
signature with 401, and logs every request as a JSON line."""

from __future__ import annotations

import json
import time

import pytest
import requests
from django.core.management import call_command

from hub.models import User, WebhookDelivery, WebhookEndpoint
from hub.services.webhooks import webhook_endpoint_rotate_secret, webhook_event_replay, webhook_test_send
from hub.webhooks.receiver import start_webhook_receiver
from hub.webhooks.signing import secret_generate, signature_header

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def demo_receiver(tmp_path):
    log = tmp_path / "webhooks.log"
    with start_webhook_receiver(log_path=log) as running:
        yield running, log


def lines(log) -> list[dict]:
    return [json.loads(line) for line in log.read_text().splitlines()] if log.exists() else []


def test_the_demo_banks_endpoint_is_verified_and_logged_by_the_receiver(settings, demo_receiver):
    settings.DEBUG = True
    running, log = demo_receiver
    call_command("load_demo", "--webhook-url", running.url, stdout=None)
    call_command("load_demo", "--webhook-url", running.url, stdout=None)  # safe to run again
    endpoint = WebhookEndpoint.objects.get()
    assert endpoint.organization.code == "ZYBANK" and endpoint.url == running.url
    admin = User.objects.get(username="bank1")

    delivery = webhook_test_send(actor=admin, endpoint_id=endpoint.pk)  # committed: sent at once
    webhook_event_replay(actor=admin, event_id=delivery.event.public_id, endpoint_id=endpoint.pk)  # same webhook-id
    webhook_endpoint_rotate_secret(actor=admin, endpoint_id=endpoint.pk)
    webhook_test_send(actor=admin, endpoint_id=endpoint.pk)

    first, repeat, after_rotation = lines(log)
    assert first["verified"] and first["type"] == "webhook.test" and not first["duplicate"]
    assert repeat["webhook_id"] == first["webhook_id"] and repeat["duplicate"]
    assert after_rotation["verified"] and not after_rotation["duplicate"]
    assert set(WebhookDelivery.objects.values_list("status", flat=True)) == {"delivered"}


def test_a_forged_signature_is_refused_and_logged(settings, demo_receiver):
    settings.DEBUG = True
    running, log = demo_receiver
    call_command("load_demo", "--webhook-url", running.url, stdout=None)
    body, timestamp = b'{"type":"webhook.test","data":{}}', int(time.time())
    forged = signature_header([secret_generate()], message_id="msg_forged", timestamp=timestamp, body=body)

    answer = requests.post(
        running.url,
        data=body,
        headers={"webhook-id": "msg_forged", "webhook-timestamp": str(timestamp), "webhook-signature": forged},
        timeout=5,
    )

    assert answer.status_code == 401
    (line,) = lines(log)
    assert line["webhook_id"] == "msg_forged" and line["verified"] is False


def test_a_request_without_the_headers_is_a_400(demo_receiver):
    running, log = demo_receiver
    assert requests.post(running.url, data=b"{}", timeout=5).status_code == 400
