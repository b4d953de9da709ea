"""Delivering webhook events: one attempt per task run, retried with exponential backoff and
full jitter for ``HUB_WEBHOOK_RETRY_HOURS`` (3 days), then dead-lettered; a 410 disables the
endpoint; deliveries to one endpoint keep the order of their object's events.

A delivery is a leased job: the run claims it with a conditional UPDATE, keeps its lease
while the request is on its way, and a worker killed mid-attempt lets the lease lapse, so the
reaper queues it again and the event is delivered — at least once, with the same
``webhook-id``, which is what a receiver deduplicates on."""

from __future__ import annotations

import json
import logging
import random
import time
from datetime import timedelta
from urllib.parse import urlsplit

import requests
from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.db.models import F, Q
from django.db.models.functions import Coalesce
from django.utils import timezone

from hub.models import WebhookAttempt, WebhookDelivery, WebhookEndpoint, WebhookEvent
from hub.net.addresses import AddressRefused, host_refusal
from hub.net.transport import checked_session
from hub.services.jobs import job_lease_kept
from hub.webhooks.signing import signature_header

logger = logging.getLogger(__name__)

Status = WebhookDelivery.Status
UNFINISHED = (Status.QUEUED, Status.SENDING, Status.RETRYING)
# A retry due within this many seconds is queued with a countdown; a later one is left to the
# due-delivery sweep (a countdown longer than the broker's visibility timeout would be
# delivered again and again by Redis before it is due).
COUNTDOWN_MAX_SECONDS = 300
# The sweep queues a retry only this long after it was due, so that a countdown still on its
# way is not doubled (a double would lose the claim and do nothing).
SWEEP_SLACK_SECONDS = 30
EXCERPT_BYTES = 500
USER_AGENT = "XinyidaiHub-Webhooks/1"

ENDPOINT_DISABLED = "The endpoint is disabled."
ENDPOINT_GONE = "The receiver answered 410 Gone: the endpoint was disabled."
RETRIES_EXHAUSTED = "Not delivered within the retry window."
WORKER_DIED = "The attempt's worker died before it finished."

_session: requests.Session | None = None


def _http() -> requests.Session:
    # One session per process keeps connections to receivers open between deliveries; each
    # new connection is checked (hub.net.transport).
    global _session
    if _session is None:
        _session = checked_session()
    return _session


def _lease() -> timedelta:
    return timedelta(seconds=settings.HUB_WEBHOOK_LEASE_SECONDS)


def webhook_delivery_run(*, delivery_id: int) -> str:
    """Make the next attempt of one delivery if it is due and nobody else is making it; safe
    to run any number of times. Returns what became of it."""
    now = timezone.now()
    claimed = (
        WebhookDelivery.objects.filter(pk=delivery_id, status__in=UNFINISHED)
        .filter(Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=now))
        .filter(Q(lease_until__isnull=True) | Q(lease_until__lt=now))
        .update(
            status=Status.SENDING,
            lease_until=now + _lease(),
            started_at=Coalesce("started_at", now),
            runs=F("runs") + 1,
        )
    )
    if not claimed:
        return "not claimable"
    delivery = WebhookDelivery.objects.select_related("event", "endpoint").get(pk=delivery_id)
    endpoint = delivery.endpoint
    if endpoint.status == WebhookEndpoint.Status.DISABLED:
        _finish(delivery, Status.DEAD, error=ENDPOINT_DISABLED)
        return "dead"
    if endpoint.status == WebhookEndpoint.Status.PAUSED or _earlier_unfinished(delivery):
        # Waits: resuming the endpoint, or the end of the earlier delivery, queues it again.
        WebhookDelivery.objects.filter(pk=delivery.pk, status=Status.SENDING).update(
            status=Status.QUEUED, lease_until=None
        )
        # The earlier delivery may have finished (or the endpoint resumed) between the check
        # and this update, and found nobody waiting: now that this one is marked waiting, look
        # again, so it is not left to the reaper's grace period. Both sides look after their
        # own write is committed, so at least one of them sees the other's.
        if _free_to_go(delivery):
            _queue(delivery.pk)
        return "waiting"
    with job_lease_kept(WebhookDelivery, delivery.pk, lease=_lease(), running=Status.SENDING):
        outcome = _attempt(delivery)
    return _record(delivery, outcome)


def _free_to_go(delivery: WebhookDelivery) -> bool:
    active = WebhookEndpoint.objects.filter(pk=delivery.endpoint_id, status=WebhookEndpoint.Status.ACTIVE).exists()
    return active and not _earlier_unfinished(delivery)


def _earlier_unfinished(delivery: WebhookDelivery) -> bool:
    return WebhookDelivery.objects.filter(
        endpoint_id=delivery.endpoint_id, object_key=delivery.object_key, pk__lt=delivery.pk, status__in=UNFINISHED
    ).exists()


def event_body(event: WebhookEvent) -> bytes:
    """The payload (Standard Webhooks' recommended shape): ``type``, ``timestamp``, ``data``."""
    payload = {"type": event.type, "timestamp": event.occurred_at.isoformat(), "data": event.data}
    return json.dumps(payload, ensure_ascii=False, separators=(",", ":"), sort_keys=True).encode()


def signing_secrets(endpoint: WebhookEndpoint, now=None) -> list[str]:
    """The current secret, and the previous one while its overlap window lasts."""
    now = now or timezone.now()
    secrets = [endpoint.secret]
    if endpoint.previous_secret and endpoint.previous_secret_until and endpoint.previous_secret_until > now:
        secrets.append(endpoint.previous_secret)
    return secrets


class _Outcome:
    def __init__(self, *, status_code=None, latency_ms=0, excerpt="", error="", permanent=False):
        self.status_code, self.latency_ms, self.excerpt = status_code, latency_ms, excerpt
        self.error, self.permanent = error, permanent

    @property
    def delivered(self) -> bool:
        return self.status_code is not None and 200 <= self.status_code < 300


def _attempt(delivery: WebhookDelivery) -> _Outcome:
    endpoint, event = delivery.endpoint, delivery.event
    parts = urlsplit(endpoint.url)
    problem = host_refusal(parts.hostname or "", encrypted=parts.scheme == "https")
    if problem:
        return _Outcome(error=f"{parts.hostname} {problem}"[:300], permanent=True)
    body = event_body(event)
    timestamp = int(time.time())
    headers = {
        "content-type": "application/json",
        "user-agent": USER_AGENT,
        "webhook-id": event.public_id,
        "webhook-timestamp": str(timestamp),
        "webhook-signature": signature_header(
            signing_secrets(endpoint), message_id=event.public_id, timestamp=timestamp, body=body
        ),
    }
    started = time.monotonic()
    try:
        with _http().post(
            endpoint.url,
            data=body,
            headers=headers,
            timeout=settings.HUB_WEBHOOK_TIMEOUT_SECONDS,
            allow_redirects=False,
            stream=True,
        ) as response:
            excerpt = response.raw.read(EXCERPT_BYTES, decode_content=True) or b""
            return _Outcome(
                status_code=response.status_code,
                latency_ms=_since(started),
                excerpt=excerpt.decode("utf-8", errors="replace"),
            )
    except AddressRefused as error:
        return _Outcome(latency_ms=_since(started), error=str(error)[:300], permanent=True)
    except (OSError, requests.RequestException) as error:
        return _Outcome(latency_ms=_since(started), error=f"{type(error).__name__}: {error}"[:300])


def _since(started: float) -> int:
    return int((time.monotonic() - started) * 1000)


def _record(delivery: WebhookDelivery, outcome: _Outcome) -> str:
    now = timezone.now()
    with transaction.atomic():
        WebhookAttempt.objects.create(
            delivery=delivery,
            at=now,
            status_code=outcome.status_code,
            latency_ms=outcome.latency_ms,
            response_excerpt=outcome.excerpt[:EXCERPT_BYTES],
            error=outcome.error,
        )
        WebhookDelivery.objects.filter(pk=delivery.pk).update(
            attempts=F("attempts") + 1, last_status_code=outcome.status_code, last_error=outcome.error
        )
        if outcome.delivered:
            _finish(delivery, Status.DELIVERED)
            return "delivered"
        if outcome.status_code == 410:
            WebhookEndpoint.objects.filter(pk=delivery.endpoint_id).update(
                status=WebhookEndpoint.Status.DISABLED, disabled_reason=ENDPOINT_GONE, updated_at=now
            )
            _finish(delivery, Status.DEAD, error=ENDPOINT_GONE)
            return "dead"
        if outcome.permanent:
            _finish(delivery, Status.DEAD, error=outcome.error)
            return "dead"
        return _retry_later(delivery, now)


def _retry_later(delivery: WebhookDelivery, now) -> str:
    delivery.refresh_from_db(fields=["attempts", "created_at"])
    remaining = (delivery.created_at + timedelta(seconds=settings.HUB_WEBHOOK_RETRY_SECONDS) - now).total_seconds()
    if remaining <= 0:
        _finish(delivery, Status.DEAD, error=RETRIES_EXHAUSTED)
        return "dead"
    # Exponential backoff with full jitter: anywhere between now and base·2^(n-1), capped.
    ceiling = min(
        settings.HUB_WEBHOOK_RETRY_CAP_SECONDS, settings.HUB_WEBHOOK_RETRY_BASE_SECONDS * 2 ** (delivery.attempts - 1)
    )
    delay = min(random.uniform(0, ceiling), remaining)
    WebhookDelivery.objects.filter(pk=delivery.pk).update(
        status=Status.RETRYING, next_attempt_at=now + timedelta(seconds=delay), lease_until=None
    )
    if delay <= COUNTDOWN_MAX_SECONDS:
        transaction.on_commit(lambda: _queue(delivery.pk, countdown=delay))
    return "retrying"


def _finish(delivery: WebhookDelivery, status: str, *, error: str = "") -> None:
    now = timezone.now()
    values = {"status": status, "lease_until": None, "finished_at": now, "next_attempt_at": None}
    if status == Status.DELIVERED:
        values["delivered_at"] = now
    if error:
        values["last_error"] = error[:300]
    WebhookDelivery.objects.filter(pk=delivery.pk).update(**values)
    # The next event of the same object to this endpoint may be waiting for this one: looked
    # for once this end is committed (see webhook_delivery_run's waiting branch).
    transaction.on_commit(lambda: _queue_next_waiting(delivery.endpoint_id, delivery.object_key, delivery.pk))


def _queue_next_waiting(endpoint_id: int, object_key: str, after_id: int) -> None:
    waiting = (
        WebhookDelivery.objects.filter(
            endpoint_id=endpoint_id, object_key=object_key, pk__gt=after_id, status__in=UNFINISHED
        )
        .order_by("pk")
        .values_list("pk", "status")
        .first()
    )
    if waiting and waiting[1] == Status.QUEUED:
        _queue(waiting[0])


def _queue(delivery_id: int, countdown: float | None = None) -> None:
    from hub.tasks import deliver_webhook

    if countdown:
        deliver_webhook.apply_async((delivery_id,), countdown=countdown)
    else:
        deliver_webhook.delay(delivery_id)


def webhook_delivery_give_up(delivery_id: int, reason: str) -> None:
    """The reaper's answer for a delivery whose runs died again and again: the death counts as
    a failed attempt and the delivery is retried later (or dead-lettered past the window), so
    nothing is lost and a delivery that kills its worker does not take workers down at once."""
    with transaction.atomic():
        delivery = WebhookDelivery.objects.select_for_update().filter(pk=delivery_id, status__in=UNFINISHED).first()
        if delivery is None:
            return
        WebhookDelivery.objects.filter(pk=delivery.pk).update(runs=0)
        if delivery.status == Status.QUEUED:
            transaction.on_commit(lambda: _queue(delivery.pk))
            return
        WebhookAttempt.objects.create(delivery=delivery, at=timezone.now(), error=(WORKER_DIED + " " + reason)[:300])
        WebhookDelivery.objects.filter(pk=delivery.pk).update(attempts=F("attempts") + 1, last_error=WORKER_DIED)
        _retry_later(delivery, timezone.now())


def webhook_deliveries_send_due(*, batch_size: int = 1000) -> int:
    """Queue the retries that are due but were not queued with a countdown (their wait was
    long) or whose message was lost. Returns how many were queued."""
    due = WebhookDelivery.objects.filter(
        status=Status.RETRYING, next_attempt_at__lte=timezone.now() - timedelta(seconds=SWEEP_SLACK_SECONDS)
    ).values_list("pk", "attempts")[:batch_size]
    queued = 0
    for pk, attempts in due:
        if cache.add(f"webhook-due:{pk}:{attempts}", 1, timeout=3600):
            _queue(pk)
            queued += 1
    return queued
