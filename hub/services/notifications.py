from __future__ import annotations

from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from hub.errors import NotFound
from hub.messages import stored_message
from hub.models import Notification, User
from hub.selectors.notifications import notifications_for


def notification_send(
    *, organization_id: int | None, kind: str, title, body, data: dict | None = None, dedupe_key: str | None = None
) -> Notification | None:
    """Leave a notice for an organization's people (``organization_id`` None: for the hub
    operator); with ``dedupe_key``, at most once (returns None when it was sent before).

    ``title`` and ``body`` are each free text (kept as written), a text marked for
    translation, or a :func:`~hub.messages.stored_message`: the last two are stored by id and
    read in each reader's language."""
    title_text, title_message = _text_or_message(title)
    body_text, body_message = _text_or_message(body)
    values = {
        "organization_id": organization_id,
        "kind": kind,
        "title": title_text[:200],
        "body": body_text,
        "message": {"title": title_message, "body": body_message} if title_message or body_message else None,
        "data": data or {},
    }
    if dedupe_key is not None:
        notification, created = Notification.objects.get_or_create(dedupe_key=dedupe_key, defaults=values)
        return notification if created else None
    return Notification.objects.create(**values)


def _text_or_message(value) -> tuple[str, dict | None]:
    if isinstance(value, dict):
        return "", value
    if isinstance(value, Promise):
        return "", stored_message(value)
    return str(value), None


def notification_mark_read(*, user: User, notification_id: int) -> Notification:
    """Mark one of the organization's notices as read (idempotent). Raises NotFound."""
    notification = notifications_for(user).filter(pk=notification_id).first()
    if notification is None:
        raise NotFound(_("Notification not found."))
    if notification.read_at is None:
        Notification.objects.filter(pk=notification.pk, read_at__isnull=True).update(read_at=timezone.now())
        notification.refresh_from_db()
    return notification
