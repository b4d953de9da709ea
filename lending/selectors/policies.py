"""Reads of published policies: what a publisher has sent, with how many it reached."""

from __future__ import annotations

from django.db.models import QuerySet

from hub.models import User
from lending.models import Policy


def policies_visible_to(user: User) -> QuerySet[Policy]:
    """The operator sees every policy; a regulator those its organization published; nobody
    else any (enterprises read theirs as notices)."""
    queryset = Policy.objects.select_related("publisher")
    if user.is_operator:
        return queryset
    organization = user.organization
    if organization is None or not organization.is_regulator:
        return queryset.none()
    return queryset.filter(publisher=organization)
