"""The event outbox (the webhooks issue, items 1 and 2): what happened to an organization's
applications, demands, consents, deadlines, whitelists, matches and pulls, written in the
transaction of the change, for its webhook endpoints and its notices.

The app that owns a change calls :func:`event_record` inside that change's transaction: the
event row, one delivery per subscribed endpoint and the notice commit or roll back with it, so
nothing is sent for a change that was rolled back and nothing committed is lost (the delivery
task is queued once the transaction commits, and the reaper and the due-delivery sweep queue
again whatever a lost message left waiting)."""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterable
from datetime import datetime

from django.db import IntegrityError, transaction
from django.utils import timezone

from hub.messages import message_id, stored_message
from hub.models import WebhookDelivery, WebhookEndpoint, WebhookEvent
from hub.services.notifications import notification_send
from hub.webhooks.catalogue import EVENT_TYPES, TEST_EVENT

_PARAMETER = re.compile(r"%\((\w+)\)s")


def event_public_id() -> str:
    """A ``webhook-id``: unique, and the same on every attempt and replay of one event."""
    return "msg_" + uuid.uuid4().hex


def event_record(
    *,
    type: str,
    organization_ids: Iterable[int],
    object_type: str,
    object_id,
    data: dict,
    dedupe_key: str | None = None,
    occurred_at: datetime | None = None,
) -> list[WebhookEvent]:
    """Record that ``type`` happened to ``object_type`` ``object_id``, for each organization
    concerned: an event (its ``data`` the payload: ids, codes, statuses and times, never credit
    or personal data), a delivery to each of the organization's active or paused endpoints
    subscribed to the type, and a notice for its people. Call it inside the change's
    transaction. With ``dedupe_key`` (made unique per organization), an organization that has
    had the event before gets nothing again. Returns the events written."""
    if type not in EVENT_TYPES:
        raise ValueError(f"unknown event type {type!r}")
    occurred_at = occurred_at or timezone.now()
    object_key = f"{object_type}:{object_id}"
    events = []
    for organization_id in dict.fromkeys(organization_ids):
        key = f"{dedupe_key}:{organization_id}" if dedupe_key else None
        if key and WebhookEvent.objects.filter(dedupe_key=key).exists():
            continue
        try:
            with transaction.atomic():
                event = WebhookEvent.objects.create(
                    public_id=event_public_id(),
                    organization_id=organization_id,
                    type=type,
                    object_key=object_key,
                    data=data,
                    dedupe_key=key,
                    occurred_at=occurred_at,
                )
        except IntegrityError:  # the same scheduled event recorded by a concurrent run
            continue
        endpoints = [
            endpoint
            for endpoint in WebhookEndpoint.objects.filter(
                organization_id=organization_id,
                status__in=[WebhookEndpoint.Status.ACTIVE, WebhookEndpoint.Status.PAUSED],
            )
            if type in endpoint.event_types
        ]
        deliveries_queue(event, endpoints)
        _notice(event)
        events.append(event)
    return events


def test_event_record(*, endpoint: WebhookEndpoint) -> WebhookEvent:
    """A ``webhook.test`` event for one endpoint only (the page's and the API's test button)."""
    event = WebhookEvent.objects.create(
        public_id=event_public_id(),
        organization_id=endpoint.organization_id,
        type=TEST_EVENT,
        object_key=f"webhook_endpoint:{endpoint.pk}",
        data={"endpoint": endpoint.pk},
        occurred_at=timezone.now(),
    )
    deliveries_queue(event, [endpoint])
    return event


def deliveries_queue(event: WebhookEvent, endpoints: list[WebhookEndpoint]) -> list[WebhookDelivery]:
    """A delivery of ``event`` to each endpoint, its task queued once the transaction commits."""
    deliveries = WebhookDelivery.objects.bulk_create(
        [WebhookDelivery(event=event, endpoint=endpoint, object_key=event.object_key) for endpoint in endpoints]
    )
    if deliveries:
        ids = [delivery.pk for delivery in deliveries]
        transaction.on_commit(lambda: _send(ids))
    return deliveries


def _send(delivery_ids: list[int]) -> None:
    from hub.tasks import deliver_webhook

    for delivery_id in delivery_ids:
        deliver_webhook.delay(delivery_id)


def _notice(event: WebhookEvent) -> None:
    event_type = EVENT_TYPES[event.type]
    if event_type.notice_kind is None:
        return
    body = event_type.notice_body
    params = {name: _text(event.data.get(name, "")) for name in _PARAMETER.findall(message_id(body))}
    notification_send(
        organization_id=event.organization_id,
        kind=event_type.notice_kind,
        title=stored_message(event_type.notice_title),
        body=stored_message(body, **params),
        data={"event": event.public_id, "type": event.type, "object": event.object_key},
    )


def _text(value) -> str:
    if isinstance(value, list):
        return ", ".join(str(item) for item in value)
    return "" if value is None else str(value)
