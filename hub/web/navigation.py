"""What the navigation shows on every page: the count of unread notices (a context processor)."""

from __future__ import annotations

from django.utils.functional import SimpleLazyObject

from hub.selectors.notifications import notifications_unread_count


def navigation(request) -> dict:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    # Counted only when a page's navigation shows it.
    return {"unread_notices": SimpleLazyObject(lambda: notifications_unread_count(user))}
