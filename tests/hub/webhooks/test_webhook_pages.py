"""The webhook pages of an organization's admin, over the services the API uses: an endpoint
registered with its secret shown once, edited, paused and resumed, rotated, tested, deleted;
deliveries with every attempt, failures and dead letters, replays of one event and of a range;
the unread notices counted in the navigation. Staff get 403, another organization's 404."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from hub.audit import chain_for
from hub.models import AuditEvent, WebhookDelivery, WebhookEndpoint
from hub.services.consent import authorization_grant
from tests.hub.factories import OrganizationFactory, UserFactory

pytestmark = pytest.mark.django_db

ZH = {"HTTP_ACCEPT_LANGUAGE": "zh-hans"}


def grant(enterprise_admin, bank):
    return authorization_grant(
        actor=enterprise_admin,
        bank_code=bank.code,
        scopes=["tax"],
        purpose="loan_review",
        expires_at=timezone.now() + timedelta(days=90),
    )


def test_an_admin_registers_an_endpoint_and_reads_its_secret_once(client, bank_admin, receiver):
    client.force_login(bank_admin)

    response = client.post(
        "/webhooks/", {"url": receiver.url, "description": "信贷系统", "event_types": ["application.submitted"]}, **ZH
    )

    assert response.status_code == 200
    secret = response.context["secret"]
    assert secret.startswith("whsec_") and secret in response.content.decode()
    assert "no-store" in response["Cache-Control"]
    endpoint = WebhookEndpoint.objects.get()
    assert endpoint.secret == secret and endpoint.event_types == ["application.submitted"]
    for page in ("/webhooks/", f"/webhooks/{endpoint.pk}/"):
        shown = client.get(page, **ZH)
        assert shown.status_code == 200 and secret not in shown.content.decode()


def test_a_refused_url_is_named_on_the_form_and_nothing_is_stored(client, bank_admin, settings):
    settings.DEBUG = False
    settings.HUB_OUTBOUND_ALLOWED_NETWORKS = []
    client.force_login(bank_admin)

    response = client.post(
        "/webhooks/", {"url": "http://169.254.169.254/latest/", "event_types": ["application.submitted"]}
    )

    assert response.status_code == 400
    assert "url" in response.context["form"].errors
    assert not WebhookEndpoint.objects.exists()


def test_no_event_type_is_named_on_the_form(client, bank_admin, receiver):
    client.force_login(bank_admin)

    response = client.post("/webhooks/", {"url": receiver.url})

    assert response.status_code == 400
    assert "event_types" in response.context["form"].errors


def test_staff_may_not_open_the_pages_and_another_organization_finds_nothing(
    client, bank_officer, bank_admin, endpoint_on, receiver
):
    endpoint, _secret = endpoint_on(receiver)
    client.force_login(bank_officer)
    assert client.get("/webhooks/").status_code == 403
    assert client.get("/webhooks/deliveries/").status_code == 403

    other_bank = OrganizationFactory(kind="bank", code="OTHER", region_code="410100")
    client.force_login(UserFactory(organization=other_bank, role="admin", username="other-admin"))
    assert client.get(f"/webhooks/{endpoint.pk}/").status_code == 404
    assert client.post(f"/webhooks/{endpoint.pk}/delete/").status_code == 404
    assert WebhookEndpoint.objects.filter(pk=endpoint.pk).exists()


def test_an_admin_edits_pauses_resumes_rotates_and_deletes_an_endpoint(client, bank_admin, endpoint_on, receiver):
    endpoint, secret = endpoint_on(receiver)
    client.force_login(bank_admin)
    base = f"/webhooks/{endpoint.pk}/"

    edited = client.post(base, {"url": receiver.url, "description": "", "event_types": ["match.created"]})
    assert edited.status_code == 302
    endpoint.refresh_from_db()
    assert endpoint.event_types == ["match.created"]

    client.post(base + "pause/")
    endpoint.refresh_from_db()
    assert endpoint.status == "paused"
    client.post(base + "resume/")
    endpoint.refresh_from_db()
    assert endpoint.status == "active"

    rotated = client.post(base + "rotate-secret/", **ZH)
    new_secret = rotated.context["secret"]
    assert new_secret != secret and new_secret in rotated.content.decode()
    endpoint.refresh_from_db()
    assert endpoint.secret == new_secret and endpoint.previous_secret == secret

    assert client.post(base + "delete/").status_code == 302
    assert not WebhookEndpoint.objects.exists()
    actions = set(
        AuditEvent.objects.filter(chain=chain_for(bank_admin.organization_id)).values_list("action", flat=True)
    )
    assert {"webhook_endpoint.paused", "webhook_endpoint.rotated", "webhook_endpoint.deleted"} <= actions


def test_the_test_button_sends_a_signed_test_event(
    client, bank_admin, endpoint_on, receiver, django_capture_on_commit_callbacks
):
    endpoint, _secret = endpoint_on(receiver)
    client.force_login(bank_admin)

    with django_capture_on_commit_callbacks(execute=True):
        client.post(f"/webhooks/{endpoint.pk}/test/")

    (received,) = receiver.received
    assert received.payload["type"] == "webhook.test"


def test_deliveries_show_every_attempt_and_the_dead_letters(
    client, bank_admin, endpoint_on, receiver, enterprise_admin, bank, django_capture_on_commit_callbacks
):
    endpoint_on(receiver)
    receiver.answers = [(500, 0)]
    with django_capture_on_commit_callbacks(execute=True):
        grant(enterprise_admin, bank)
    delivery = WebhookDelivery.objects.get()
    client.force_login(bank_admin)

    failures = client.get("/webhooks/deliveries/?status=retrying", **ZH)
    assert [row["delivery"].pk for row in failures.context["rows"]] == [delivery.pk]
    assert client.get("/webhooks/deliveries/?status=dead").context["rows"] == []

    detail = client.get(f"/webhooks/deliveries/{delivery.pk}/", **ZH)
    (attempt,) = detail.context["attempts"]
    assert attempt["attempt"].status_code == 500
    html = detail.content.decode()
    assert delivery.event.public_id in html and "HTTP 500" in html and "&quot;ok&quot;: false" in html

    WebhookDelivery.objects.filter(pk=delivery.pk).update(
        status="dead", last_error="Not delivered within the retry window."
    )
    dead = client.get("/webhooks/deliveries/?status=dead", **ZH)
    assert [row["delivery"].pk for row in dead.context["rows"]] == [delivery.pk]
    assert "未在重试期内送达" in dead.content.decode()


def test_replaying_one_event_sends_it_again_with_the_same_webhook_id(
    client, bank_admin, endpoint_on, receiver, enterprise_admin, bank, django_capture_on_commit_callbacks
):
    endpoint, _secret = endpoint_on(receiver)
    with django_capture_on_commit_callbacks(execute=True):
        grant(enterprise_admin, bank)
    event = WebhookDelivery.objects.get().event
    client.force_login(bank_admin)

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(f"/webhooks/events/{event.public_id}/replay/", {"endpoint": endpoint.pk})

    assert response.status_code == 302
    assert [r.headers["webhook-id"] for r in receiver.received] == [event.public_id, event.public_id]


def test_replaying_a_range_sends_its_events_again_and_a_reversed_range_is_named(
    client, bank_admin, endpoint_on, receiver, enterprise_admin, bank, django_capture_on_commit_callbacks
):
    endpoint_on(receiver)
    with django_capture_on_commit_callbacks(execute=True):
        grant(enterprise_admin, bank)
    client.force_login(bank_admin)
    now = timezone.localtime()
    since, until = (
        (now - timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M"),
        (now + timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M"),
    )

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/webhooks/deliveries/", {"since": since, "until": until})
    assert response.status_code == 302
    assert len(receiver.received) == 2

    reversed_range = client.post("/webhooks/deliveries/", {"since": until, "until": since})
    assert reversed_range.status_code == 400
    assert "until" in reversed_range.context["replay"].errors


def test_the_navigation_counts_unread_notices(client, bank_admin, enterprise_admin, bank):
    client.force_login(bank_admin)
    assert b'data-testid="unread-notices"' not in client.get("/notices/").content

    grant(enterprise_admin, bank)
    grant(enterprise_admin, bank)

    page = client.get("/notices/").content.decode()
    assert 'data-testid="unread-notices"' in page
    assert page.split('data-testid="unread-notices"', 1)[1].split(">", 1)[1].startswith("2<")
    assert 'data-testid="nav-webhooks"' in page
