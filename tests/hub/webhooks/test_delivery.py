"""Webhook deliveries against a real receiver on loopback: signed after Standard Webhooks
(checked by an independent implementation and the spec's test vector), retried with backoff
after failures, dead-lettered after the retry window, an endpoint disabled by 410, order kept
per object, nothing sent for a change that was rolled back."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import transaction
from django.utils import timezone

from hub.models import WebhookDelivery, WebhookEndpoint, WebhookEvent
from hub.services.consent import authorization_grant, authorization_revoke
from hub.services.webhook_deliveries import RETRIES_EXHAUSTED, webhook_delivery_run
from hub.services.webhooks import webhook_endpoint_resume, webhook_endpoint_rotate_secret
from hub.webhooks.signing import signature
from tests.hub.webhooks.receiver import standard_webhooks_verify

pytestmark = pytest.mark.django_db

SPEC_SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
SPEC_ID = "msg_p5jXN8AQM9LWM0D4loKWxJek"
SPEC_TIMESTAMP = 1614265330
SPEC_BODY = b'{"test": 2432232314}'
SPEC_SIGNATURE = "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="


def grant(enterprise_admin, bank):
    return authorization_grant(
        actor=enterprise_admin,
        bank_code=bank.code,
        scopes=["tax"],
        purpose="loan_review",
        expires_at=timezone.now() + timedelta(days=90),
    )


def due_now(delivery_id: int) -> None:
    """The retry's wait has passed (the test stands in for the clock)."""
    WebhookDelivery.objects.filter(pk=delivery_id).update(next_attempt_at=timezone.now() - timedelta(seconds=1))


def test_the_signature_is_the_specifications_test_vector():
    assert signature(SPEC_SECRET, message_id=SPEC_ID, timestamp=SPEC_TIMESTAMP, body=SPEC_BODY) == SPEC_SIGNATURE
    headers = {"webhook-id": SPEC_ID, "webhook-timestamp": str(SPEC_TIMESTAMP), "webhook-signature": SPEC_SIGNATURE}
    assert standard_webhooks_verify(SPEC_SECRET, headers, SPEC_BODY, now=SPEC_TIMESTAMP)


def test_a_granted_authorization_reaches_the_banks_receiver_signed(
    receiver, endpoint_on, enterprise_admin, bank, django_capture_on_commit_callbacks
):
    _endpoint, secret = endpoint_on(receiver)
    assert secret.startswith("whsec_")

    with django_capture_on_commit_callbacks(execute=True):
        authorization = grant(enterprise_admin, bank)

    (received,) = receiver.received
    assert standard_webhooks_verify(secret, received.headers, received.body)
    assert received.payload["type"] == "authorization.granted"
    assert received.payload["data"]["authorization"] == authorization.pk
    assert received.payload["data"]["enterprise"] == enterprise_admin.organization.code
    assert received.headers["webhook-id"] == WebhookEvent.objects.get().public_id
    delivery = WebhookDelivery.objects.get()
    assert delivery.status == "delivered"
    (attempt,) = delivery.attempt_log.all()
    assert attempt.status_code == 200 and attempt.latency_ms >= 0
    assert len(attempt.response_excerpt) == 500  # the first 500 bytes of the answer


def test_a_rolled_back_change_sends_nothing(
    receiver, endpoint_on, enterprise_admin, bank, django_capture_on_commit_callbacks
):
    endpoint_on(receiver)

    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        with pytest.raises(RuntimeError), transaction.atomic():
            grant(enterprise_admin, bank)
            raise RuntimeError("the change fails after the event was recorded")

    assert callbacks == []
    assert not WebhookEvent.objects.exists() and not WebhookDelivery.objects.exists()
    assert receiver.received == []


def test_a_receiver_answering_500_is_retried_with_the_same_webhook_id(
    receiver, endpoint_on, enterprise_admin, bank, django_capture_on_commit_callbacks
):
    endpoint_on(receiver)
    receiver.answers = [(500, 0), (503, 0)]

    with django_capture_on_commit_callbacks(execute=True):
        grant(enterprise_admin, bank)
    delivery = WebhookDelivery.objects.get()
    assert delivery.status == "retrying" and delivery.next_attempt_at is not None

    for _ in range(2):
        due_now(delivery.pk)
        with django_capture_on_commit_callbacks(execute=True):
            webhook_delivery_run(delivery_id=delivery.pk)

    delivery.refresh_from_db()
    assert delivery.status == "delivered" and delivery.attempts == 3
    assert [a.status_code for a in delivery.attempt_log.order_by("id")] == [500, 503, 200]
    assert len({r.headers["webhook-id"] for r in receiver.received}) == 1


def test_a_retry_is_not_made_before_it_is_due(
    receiver, endpoint_on, enterprise_admin, bank, django_capture_on_commit_callbacks
):
    endpoint_on(receiver)
    receiver.answers = [(500, 0)]
    with django_capture_on_commit_callbacks(execute=True):
        grant(enterprise_admin, bank)
    delivery = WebhookDelivery.objects.get()
    WebhookDelivery.objects.filter(pk=delivery.pk).update(next_attempt_at=timezone.now() + timedelta(minutes=5))

    assert webhook_delivery_run(delivery_id=delivery.pk) == "not claimable"
    assert len(receiver.received) == 1


def test_backoff_grows_exponentially_with_full_jitter(
    receiver, endpoint_on, enterprise_admin, bank, settings, django_capture_on_commit_callbacks
):
    settings.HUB_WEBHOOK_RETRY_BASE_SECONDS = 10
    endpoint_on(receiver)
    receiver.answers = [(500, 0)] * 6
    with django_capture_on_commit_callbacks(execute=True):
        grant(enterprise_admin, bank)
    delivery = WebhookDelivery.objects.get()
    waits = []
    for attempt in range(1, 6):
        delivery.refresh_from_db()
        waits.append((delivery.next_attempt_at - delivery.attempt_log.order_by("-id").first().at).total_seconds())
        assert 0 <= waits[-1] <= 10 * 2 ** (attempt - 1) + 0.01
        due_now(delivery.pk)
        webhook_delivery_run(delivery_id=delivery.pk)


def test_a_receiver_down_for_the_whole_retry_window_is_dead_lettered(
    endpoint_on, enterprise_admin, bank, receiver, django_capture_on_commit_callbacks
):
    endpoint, _secret = endpoint_on(receiver)
    receiver.server.shutdown()
    receiver.server.server_close()  # nothing listens on the port any more

    with django_capture_on_commit_callbacks(execute=True):
        grant(enterprise_admin, bank)
    delivery = WebhookDelivery.objects.get()
    assert delivery.status == "retrying"
    assert "Connection" in delivery.attempt_log.get().error

    # Three days later, the last attempt fails too.
    WebhookDelivery.objects.filter(pk=delivery.pk).update(created_at=timezone.now() - timedelta(days=3, minutes=1))
    due_now(delivery.pk)
    webhook_delivery_run(delivery_id=delivery.pk)

    delivery.refresh_from_db()
    assert delivery.status == "dead" and delivery.last_error == RETRIES_EXHAUSTED
    assert delivery.attempts == 2
    endpoint.refresh_from_db()
    assert endpoint.status == "active"


def test_a_slow_receiver_times_out_and_is_retried(
    receiver, endpoint_on, enterprise_admin, bank, settings, django_capture_on_commit_callbacks
):
    settings.HUB_WEBHOOK_TIMEOUT_SECONDS = 1
    endpoint_on(receiver)
    receiver.answers = [(200, 2.5)]

    with django_capture_on_commit_callbacks(execute=True):
        grant(enterprise_admin, bank)

    delivery = WebhookDelivery.objects.get()
    assert delivery.status == "retrying"
    attempt = delivery.attempt_log.get()
    assert attempt.status_code is None and "Timeout" in attempt.error
    assert 900 <= attempt.latency_ms < 2400


def test_410_disables_the_endpoint_and_nothing_more_is_sent_until_it_is_resumed(
    receiver, endpoint_on, enterprise_admin, bank, bank_admin, django_capture_on_commit_callbacks
):
    endpoint, _secret = endpoint_on(receiver)
    receiver.answers = [(410, 0)]

    with django_capture_on_commit_callbacks(execute=True):
        authorization = grant(enterprise_admin, bank)
    endpoint.refresh_from_db()
    assert endpoint.status == WebhookEndpoint.Status.DISABLED
    assert WebhookDelivery.objects.get().status == "dead"

    with django_capture_on_commit_callbacks(execute=True):
        authorization_revoke(actor=enterprise_admin, authorization_id=authorization.pk)
    assert len(receiver.received) == 1  # a disabled endpoint gets no new deliveries
    assert WebhookDelivery.objects.count() == 1

    webhook_endpoint_resume(actor=bank_admin, endpoint_id=endpoint.pk)
    endpoint.refresh_from_db()
    assert endpoint.status == "active"


def test_a_redirect_is_not_followed(receiver, endpoint_on, enterprise_admin, bank, django_capture_on_commit_callbacks):
    endpoint_on(receiver)
    receiver.answers = [(302, 0)]

    with django_capture_on_commit_callbacks(execute=True):
        grant(enterprise_admin, bank)

    delivery = WebhookDelivery.objects.get()
    assert delivery.status == "retrying" and delivery.last_status_code == 302
    assert len(receiver.received) == 1


def test_events_of_one_object_reach_an_endpoint_in_order(
    receiver, endpoint_on, enterprise_admin, bank, django_capture_on_commit_callbacks
):
    endpoint_on(receiver)
    receiver.answers = [(500, 0)]
    with django_capture_on_commit_callbacks(execute=True):
        authorization = grant(enterprise_admin, bank)
    granted = WebhookDelivery.objects.get()
    assert granted.status == "retrying"

    # The revocation waits while the grant's delivery is still on its way.
    with django_capture_on_commit_callbacks(execute=True):
        authorization_revoke(actor=enterprise_admin, authorization_id=authorization.pk)
    revoked = WebhookDelivery.objects.exclude(pk=granted.pk).get()
    assert revoked.status == "queued" and len(receiver.received) == 1

    due_now(granted.pk)
    with django_capture_on_commit_callbacks(execute=True):
        webhook_delivery_run(delivery_id=granted.pk)

    assert [r.payload["type"] for r in receiver.received] == [
        "authorization.granted",
        "authorization.granted",
        "authorization.revoked",
    ]
    revoked.refresh_from_db()
    assert revoked.status == "delivered"


def test_during_a_rotation_both_secrets_sign(
    receiver, endpoint_on, enterprise_admin, bank, bank_admin, django_capture_on_commit_callbacks
):
    endpoint, old_secret = endpoint_on(receiver)
    _endpoint, new_secret = webhook_endpoint_rotate_secret(actor=bank_admin, endpoint_id=endpoint.pk)

    with django_capture_on_commit_callbacks(execute=True):
        grant(enterprise_admin, bank)

    (received,) = receiver.received
    assert len(received.headers["webhook-signature"].split(" ")) == 2
    assert standard_webhooks_verify(old_secret, received.headers, received.body)
    assert standard_webhooks_verify(new_secret, received.headers, received.body)


def test_after_the_overlap_only_the_new_secret_signs(
    receiver, endpoint_on, enterprise_admin, bank, bank_admin, django_capture_on_commit_callbacks
):
    endpoint, old_secret = endpoint_on(receiver)
    _endpoint, new_secret = webhook_endpoint_rotate_secret(actor=bank_admin, endpoint_id=endpoint.pk)
    WebhookEndpoint.objects.filter(pk=endpoint.pk).update(previous_secret_until=timezone.now() - timedelta(seconds=1))

    with django_capture_on_commit_callbacks(execute=True):
        grant(enterprise_admin, bank)

    (received,) = receiver.received
    assert not standard_webhooks_verify(old_secret, received.headers, received.body)
    assert standard_webhooks_verify(new_secret, received.headers, received.body)


def test_a_paused_endpoint_keeps_its_events_and_gets_them_in_order_when_resumed(
    receiver, endpoint_on, enterprise_admin, bank, bank_admin, django_capture_on_commit_callbacks
):
    from hub.services.webhooks import webhook_endpoint_pause

    endpoint, _secret = endpoint_on(receiver)
    webhook_endpoint_pause(actor=bank_admin, endpoint_id=endpoint.pk)
    with django_capture_on_commit_callbacks(execute=True):
        authorization = grant(enterprise_admin, bank)
        authorization_revoke(actor=enterprise_admin, authorization_id=authorization.pk)
    assert receiver.received == []
    assert set(WebhookDelivery.objects.values_list("status", flat=True)) == {"queued"}

    with django_capture_on_commit_callbacks(execute=True):
        webhook_endpoint_resume(actor=bank_admin, endpoint_id=endpoint.pk)

    assert [r.payload["type"] for r in receiver.received] == ["authorization.granted", "authorization.revoked"]


def test_running_a_delivery_twice_sends_it_once(
    receiver, endpoint_on, enterprise_admin, bank, django_capture_on_commit_callbacks
):
    endpoint_on(receiver)
    with django_capture_on_commit_callbacks(execute=True):
        grant(enterprise_admin, bank)
    delivery = WebhookDelivery.objects.get()

    assert webhook_delivery_run(delivery_id=delivery.pk) == "not claimable"
    assert len(receiver.received) == 1


@pytest.mark.django_db(transaction=True)
def test_a_delivery_that_decides_to_wait_as_the_earlier_one_finishes_is_sent_at_once(
    receiver, endpoint_on, enterprise_admin, bank, monkeypatch
):
    """The race: the later delivery finds the earlier one still on its way, and before it has
    marked itself waiting, the earlier one finishes and finds nobody waiting yet. Neither may
    leave the later one to the reaper's grace period (real commits: no test transaction)."""
    from hub.services import webhook_deliveries

    endpoint_on(receiver)
    receiver.answers = [(500, 0)]
    authorization = grant(enterprise_admin, bank)
    earlier = WebhookDelivery.objects.get()
    # The earlier delivery's retry is in flight on another worker.
    WebhookDelivery.objects.filter(pk=earlier.pk).update(
        status="sending", lease_until=timezone.now() + timedelta(seconds=30), next_attempt_at=None
    )
    authorization_revoke(actor=enterprise_admin, authorization_id=authorization.pk)
    later = WebhookDelivery.objects.exclude(pk=earlier.pk).get()
    assert later.status == "queued"  # its own run found the earlier one unfinished

    real_check = webhook_deliveries._earlier_unfinished
    finished = []

    def check_then_the_earlier_one_finishes(delivery):
        unfinished = real_check(delivery)
        if not finished:
            finished.append(True)
            with transaction.atomic():  # the other worker records its 200 and commits
                webhook_deliveries._record(
                    WebhookDelivery.objects.select_related("endpoint", "event").get(pk=earlier.pk),
                    webhook_deliveries._Outcome(status_code=200),
                )
        return unfinished

    monkeypatch.setattr(webhook_deliveries, "_earlier_unfinished", check_then_the_earlier_one_finishes)
    webhook_delivery_run(delivery_id=later.pk)

    later.refresh_from_db()
    assert later.status == "delivered"
    assert [r.payload["type"] for r in receiver.received][-1] == "authorization.revoked"
