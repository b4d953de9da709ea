from __future__ import annotations

from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from hub.errors import NotFound
from hub.models import Notification, User
from hub.selectors.notifications import notifications_for


def notification_mark_read(*, user: User, notification_id: int) -> Notification:
    """Mark one of the organization's notices as read (idempotent). Raises NotFound."""
    notification = notifications_for(user).filter(pk=notification_id).first()
    if notification is None:
        raise NotFound(_("Notification not found."))
    if notification.read_at is None:
        Notification.objects.filter(pk=notification.pk, read_at__isnull=True).update(read_at=timezone.now())
        notification.refresh_from_db()
    return notification
