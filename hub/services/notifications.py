from __future__ import annotations

from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from hub.errors import NotFound
from hub.models import Notification, User
from hub.selectors.notifications import notifications_for


def notification_send(
    *, organization_id: int, kind: str, title: str, body: str, data: dict | None = None, dedupe_key: str | None = None
) -> Notification | None:
    """Leave a notice for an organization's people; with ``dedupe_key``, at most once
    (returns None when it was sent before)."""
    if dedupe_key is not None:
        notification, created = Notification.objects.get_or_create(
            dedupe_key=dedupe_key,
            defaults={
                "organization_id": organization_id,
                "kind": kind,
                "title": title,
                "body": body,
                "data": data or {},
            },
        )
        return notification if created else None
    return Notification.objects.create(
        organization_id=organization_id, kind=kind, title=str(title), body=str(body), data=data or {}
    )


def notification_mark_read(*, user: User, notification_id: int) -> Notification:
    """Mark one of the organization's notices as read (idempotent). Raises NotFound."""
    notification = notifications_for(user).filter(pk=notification_id).first()
    if notification is None:
        raise NotFound(_("Notification not found."))
    if notification.read_at is None:
        Notification.objects.filter(pk=notification.pk, read_at__isnull=True).update(read_at=timezone.now())
        notification.refresh_from_db()
    return notification
