from __future__ import annotations

from django.db.models import QuerySet

from hub.models import Notification, User


def notifications_for(user: User) -> QuerySet[Notification]:
    """An organization's notices, seen by its people only."""
    if user.organization_id is None:
        return Notification.objects.none()
    return Notification.objects.filter(organization_id=user.organization_id)
