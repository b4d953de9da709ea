"""Reads of webhook endpoints, events and deliveries, scoped to the caller's organization: a
person sees their own organization's only (another organization's are not found)."""

from __future__ import annotations

from datetime import datetime

from django.db.models import Count, Q, QuerySet

from hub.models import User, WebhookAttempt, WebhookDelivery, WebhookEndpoint, WebhookEvent


def webhook_endpoints_for(user: User) -> QuerySet[WebhookEndpoint]:
    if user.organization_id is None:
        return WebhookEndpoint.objects.none()
    return WebhookEndpoint.objects.filter(organization_id=user.organization_id).order_by("id")


def webhook_endpoints_with_counts(user: User) -> QuerySet[WebhookEndpoint]:
    """The endpoints with how many of their deliveries are delivered, on their way, dead."""
    Status = WebhookDelivery.Status
    return webhook_endpoints_for(user).annotate(
        delivered=Count("deliveries", filter=Q(deliveries__status=Status.DELIVERED)),
        pending=Count("deliveries", filter=Q(deliveries__status__in=[Status.QUEUED, Status.SENDING, Status.RETRYING])),
        dead=Count("deliveries", filter=Q(deliveries__status=Status.DEAD)),
    )


def webhook_events_for(user: User) -> QuerySet[WebhookEvent]:
    if user.organization_id is None:
        return WebhookEvent.objects.none()
    return WebhookEvent.objects.filter(organization_id=user.organization_id)


def webhook_deliveries_for(
    user: User,
    *,
    status: str | None = None,
    endpoint_id: int | None = None,
    event_type: str | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
) -> QuerySet[WebhookDelivery]:
    """The organization's deliveries, newest first, filtered as the page and the API ask."""
    if user.organization_id is None:
        return WebhookDelivery.objects.none()
    deliveries = WebhookDelivery.objects.filter(endpoint__organization_id=user.organization_id).select_related(
        "event", "endpoint"
    )
    if status:
        deliveries = deliveries.filter(status=status)
    if endpoint_id:
        deliveries = deliveries.filter(endpoint_id=endpoint_id)
    if event_type:
        deliveries = deliveries.filter(event__type=event_type)
    if since:
        deliveries = deliveries.filter(event__occurred_at__gte=since)
    if until:
        deliveries = deliveries.filter(event__occurred_at__lt=until)
    return deliveries.order_by("-id")


def webhook_attempts_of(delivery: WebhookDelivery) -> QuerySet[WebhookAttempt]:
    return delivery.attempt_log.order_by("id")


def webhook_delivery_of(user: User, delivery_id: int) -> WebhookDelivery | None:
    """One of the organization's deliveries with its event and endpoint (None: not theirs)."""
    return webhook_deliveries_for(user).filter(pk=delivery_id).first()


def webhook_recent_deliveries(user: User, endpoint_id: int, *, limit: int = 20) -> list[WebhookDelivery]:
    return list(webhook_deliveries_for(user, endpoint_id=endpoint_id)[:limit])
