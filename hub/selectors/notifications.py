from __future__ import annotations

from django.db.models import QuerySet

from hub.models import Notification, User


def notifications_for(user: User) -> QuerySet[Notification]:
    """An organization's notices, seen by its people only; the hub operator's (those without
    an organization) by the operators."""
    if user.organization_id is None:
        if user.is_operator:
            return Notification.objects.filter(organization__isnull=True)
        return Notification.objects.none()
    return Notification.objects.filter(organization_id=user.organization_id)


def notifications_unread_count(user: User) -> int:
    """How many of the notices ``user`` sees nobody has read yet (the navigation's count)."""
    return notifications_for(user).filter(read_at__isnull=True).count()
