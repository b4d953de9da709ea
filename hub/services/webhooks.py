"""Webhook endpoints: an organization's admins register where its system wants events, with
the event types it wants; the secret is shown once (on creation and rotation); they pause,
resume, replay and send a test event. Deliveries themselves are in
hub.services.webhook_deliveries."""

from __future__ import annotations

import socket
from datetime import datetime
from urllib.parse import urlsplit

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from hub import audit
from hub.errors import Forbidden, InvalidInput, NotFound
from hub.models import User, WebhookDelivery, WebhookEndpoint, WebhookEvent
from hub.net.addresses import AddressRefused, checked_addresses, host_refusal
from hub.selectors.webhooks import webhook_endpoints_for, webhook_events_for
from hub.services.events import deliveries_queue, test_event_record
from hub.webhooks.catalogue import EVENT_TYPES
from hub.webhooks.signing import secret_generate

# How many events one replay of a time range may send again.
REPLAY_RANGE_LIMIT = 10_000


class Messages:
    ADMINS_ONLY = _("Only an administrator of the organization manages its webhooks.")
    NOT_FOUND = _("Webhook endpoint not found.")
    EVENT_NOT_FOUND = _("Event not found.")
    URL_SCHEME = _("Use an https URL.")
    URL_REFUSED = _("The URL %(problem)s.")
    URL_NO_HOST = _("The URL names no host.")
    EVENT_TYPES_EMPTY = _("Choose at least one event type.")
    EVENT_TYPE_UNKNOWN = _("Unknown event type: %(type)s.")
    RANGE_ORDER = _("The end of the range must be after its start.")
    RANGE_TOO_LARGE = _("The range holds more than %(limit)s events; replay a shorter one.")


def _require_admin(actor: User) -> None:
    if not actor.is_organization_admin:
        raise Forbidden(Messages.ADMINS_ONLY)


def webhook_endpoint_managed(actor: User, endpoint_id: int, *, lock: bool = False) -> WebhookEndpoint:
    endpoints = webhook_endpoints_for(actor)
    if lock:
        endpoints = endpoints.select_for_update()
    endpoint = endpoints.filter(pk=endpoint_id).first()
    if endpoint is None:
        raise NotFound(Messages.NOT_FOUND)
    _require_admin(actor)
    return endpoint


def webhook_url_validate(url: str) -> str:
    """An endpoint's URL: https to a public address (plain http and non-public addresses only
    where hub.net.addresses allows them: loopback with DEBUG, HUB_OUTBOUND_ALLOWED_NETWORKS).
    The host is resolved now as well, and again at every connection. Raises InvalidInput
    naming ``url``."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https"):
        raise InvalidInput(Messages.URL_SCHEME, fields={"url": [Messages.URL_SCHEME]})
    if not parts.hostname:
        raise InvalidInput(Messages.URL_NO_HOST, fields={"url": [Messages.URL_NO_HOST]})
    encrypted = parts.scheme == "https"
    problem = host_refusal(parts.hostname, encrypted=encrypted)
    if problem is None:
        try:
            checked_addresses(parts.hostname, parts.port or (443 if encrypted else 80), encrypted=encrypted)
        except AddressRefused as refusal:
            problem = str(refusal).removeprefix(parts.hostname).strip()
        except (socket.gaierror, UnicodeError, OSError):
            pass  # not resolvable now: checked again at every connection
    if problem:
        message = Messages.URL_REFUSED % {"problem": problem}
        raise InvalidInput(message, fields={"url": [message]})
    return url


def _event_types_validate(event_types: list[str]) -> list[str]:
    if not event_types:
        raise InvalidInput(Messages.EVENT_TYPES_EMPTY, fields={"event_types": [Messages.EVENT_TYPES_EMPTY]})
    for event_type in event_types:
        if event_type not in EVENT_TYPES:
            message = Messages.EVENT_TYPE_UNKNOWN % {"type": event_type}
            raise InvalidInput(message, fields={"event_types": [message]})
    return list(dict.fromkeys(event_types))


@transaction.atomic
def webhook_endpoint_create(
    *, actor: User, url: str, event_types: list[str], description: str = ""
) -> tuple[WebhookEndpoint, str]:
    """Register an endpoint for the actor's organization. Returns it and its secret, which is
    shown this once (it is stored encrypted). Raises Forbidden, InvalidInput."""
    _require_admin(actor)
    secret = secret_generate()
    endpoint = WebhookEndpoint.objects.create(
        organization_id=actor.organization_id,
        url=webhook_url_validate(url),
        event_types=_event_types_validate(event_types),
        description=description,
        secret=secret,
    )
    audit.webhook_endpoint_created(endpoint=endpoint, actor=actor)
    return endpoint, secret


@transaction.atomic
def webhook_endpoint_update(
    *,
    actor: User,
    endpoint_id: int,
    url: str | None = None,
    event_types: list[str] | None = None,
    description: str | None = None,
) -> WebhookEndpoint:
    """Change an endpoint's URL, event types or description. Raises NotFound, Forbidden, InvalidInput."""
    endpoint = webhook_endpoint_managed(actor, endpoint_id, lock=True)
    before = {"url": endpoint.url, "event_types": endpoint.event_types, "description": endpoint.description}
    if url is not None:
        endpoint.url = webhook_url_validate(url)
    if event_types is not None:
        endpoint.event_types = _event_types_validate(event_types)
    if description is not None:
        endpoint.description = description
    endpoint.save()
    changed = [name for name, value in before.items() if getattr(endpoint, name) != value]
    if changed:
        audit.webhook_endpoint_changed(endpoint=endpoint, actor=actor, changed=changed)
    return endpoint


@transaction.atomic
def webhook_endpoint_delete(*, actor: User, endpoint_id: int) -> None:
    """Remove an endpoint with its deliveries. Raises NotFound, Forbidden."""
    endpoint = webhook_endpoint_managed(actor, endpoint_id, lock=True)
    audit.webhook_endpoint_deleted(endpoint=endpoint, actor=actor)
    endpoint.delete()


@transaction.atomic
def webhook_endpoint_pause(*, actor: User, endpoint_id: int) -> WebhookEndpoint:
    """Stop sending; events keep being recorded for it and wait. Raises NotFound, Forbidden."""
    endpoint = webhook_endpoint_managed(actor, endpoint_id, lock=True)
    endpoint.status = WebhookEndpoint.Status.PAUSED
    endpoint.save(update_fields=["status", "updated_at"])
    audit.webhook_endpoint_paused(endpoint=endpoint, actor=actor)
    return endpoint


@transaction.atomic
def webhook_endpoint_resume(*, actor: User, endpoint_id: int) -> WebhookEndpoint:
    """Send again (also an endpoint disabled by a 410): what waited is queued now, in order.
    Raises NotFound, Forbidden."""
    endpoint = webhook_endpoint_managed(actor, endpoint_id, lock=True)
    was = endpoint.status
    endpoint.status = WebhookEndpoint.Status.ACTIVE
    endpoint.disabled_reason = ""
    endpoint.save(update_fields=["status", "disabled_reason", "updated_at"])
    audit.webhook_endpoint_resumed(endpoint=endpoint, actor=actor, was=was)
    waiting = list(
        WebhookDelivery.objects.filter(endpoint=endpoint, status=WebhookDelivery.Status.QUEUED)
        .order_by("id")
        .values_list("pk", flat=True)
    )
    if waiting:
        transaction.on_commit(lambda: _queue_all(waiting))
    return endpoint


def _queue_all(delivery_ids: list[int]) -> None:
    from hub.tasks import deliver_webhook

    for delivery_id in delivery_ids:
        deliver_webhook.delay(delivery_id)


@transaction.atomic
def webhook_endpoint_rotate_secret(*, actor: User, endpoint_id: int) -> tuple[WebhookEndpoint, str]:
    """A new secret, shown this once; the previous one keeps signing alongside it for
    HUB_WEBHOOK_ROTATION_OVERLAP_HOURS. Raises NotFound, Forbidden."""
    endpoint = webhook_endpoint_managed(actor, endpoint_id, lock=True)
    secret = secret_generate()
    endpoint.previous_secret = endpoint.secret
    endpoint.previous_secret_until = timezone.now() + settings.HUB_WEBHOOK_ROTATION_OVERLAP
    endpoint.secret = secret
    endpoint.save(update_fields=["secret", "previous_secret", "previous_secret_until", "updated_at"])
    audit.webhook_endpoint_rotated(endpoint=endpoint, actor=actor)
    return endpoint, secret


@transaction.atomic
def webhook_test_send(*, actor: User, endpoint_id: int) -> WebhookDelivery:
    """Send a ``webhook.test`` event to one endpoint. Raises NotFound, Forbidden."""
    endpoint = webhook_endpoint_managed(actor, endpoint_id)
    event = test_event_record(endpoint=endpoint)
    return event.deliveries.get()


def _subscribed(actor: User, event: WebhookEvent, endpoint_id: int | None) -> list[WebhookEndpoint]:
    if endpoint_id is not None:
        return [webhook_endpoint_managed(actor, endpoint_id)]
    return [
        endpoint
        for endpoint in webhook_endpoints_for(actor).exclude(status=WebhookEndpoint.Status.DISABLED)
        if event.type in endpoint.event_types
    ]


@transaction.atomic
def webhook_event_replay(*, actor: User, event_id: str, endpoint_id: int | None = None) -> list[WebhookDelivery]:
    """Deliver one event again (with the same ``webhook-id``, so a receiver that has it can drop
    it) to one endpoint, or to every endpoint subscribed to its type. Raises NotFound, Forbidden."""
    _require_admin(actor)
    event = webhook_events_for(actor).filter(public_id=event_id).first()
    if event is None:
        raise NotFound(Messages.EVENT_NOT_FOUND)
    return deliveries_queue(event, _subscribed(actor, event, endpoint_id))


@transaction.atomic
def webhook_events_replay_range(
    *, actor: User, since: datetime, until: datetime, endpoint_id: int | None = None, event_type: str | None = None
) -> int:
    """Deliver again every event of the organization that occurred in [since, until), in the
    order they occurred. Returns how many deliveries were queued. Raises NotFound, Forbidden,
    InvalidInput (an empty or too large range)."""
    _require_admin(actor)
    if until <= since:
        raise InvalidInput(Messages.RANGE_ORDER, fields={"until": [Messages.RANGE_ORDER]})
    events = webhook_events_for(actor).filter(occurred_at__gte=since, occurred_at__lt=until)
    if event_type:
        events = events.filter(type=event_type)
    if events.count() > REPLAY_RANGE_LIMIT:
        message = Messages.RANGE_TOO_LARGE % {"limit": REPLAY_RANGE_LIMIT}
        raise InvalidInput(message, fields={"since": [message]})
    endpoint = [webhook_endpoint_managed(actor, endpoint_id)] if endpoint_id is not None else None
    endpoints = endpoint or list(webhook_endpoints_for(actor).exclude(status=WebhookEndpoint.Status.DISABLED))
    queued = 0
    for event in events.order_by("occurred_at", "id").iterator():
        queued += len(deliveries_queue(event, [e for e in endpoints if endpoint or event.type in e.event_types]))
    return queued
