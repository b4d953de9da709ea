"""Reads of matches and matchmaking events, scoped to the caller."""

from __future__ import annotations

from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from hub.errors import NotFound
from hub.identifiers import region_prefix
from hub.models import User
from hub.selectors.organizations import owned_or_in_region
from lending.models import Match, MatchmakingEvent


def matches_visible_to(user: User) -> QuerySet[Match]:
    queryset = Match.objects.select_related("bank", "enterprise", "event")
    if user.is_operator:
        return queryset
    organization = user.organization
    if organization is None:
        return queryset.none()
    if organization.is_bank:
        return queryset.filter(bank=organization)
    if organization.is_enterprise:
        return queryset.filter(enterprise=organization)
    if organization.is_regulator:
        return queryset.filter(region_code__startswith=region_prefix(organization.region_code))
    return queryset.filter(event__organizer=organization)


OPEN_FILTER = "open"


def match_list(*, user: User, filters: dict | None = None) -> QuerySet[Match]:
    """The matches a page or the API lists, one way for both. ``filters``: ``source``,
    ``event`` (an event id), ``status`` (one status, or ``"open"``: still to work on, by
    contact deadline; otherwise newest first)."""
    filters = filters or {}
    queryset = matches_visible_to(user)
    if filters.get("source"):
        queryset = queryset.filter(source=filters["source"])
    if filters.get("event"):
        queryset = queryset.filter(event_id=filters["event"])
    status = filters.get("status")
    if status == OPEN_FILTER:
        return queryset.filter(status__in=Match.OPEN_STATUSES).order_by("contact_due_at", "id")
    if status:
        queryset = queryset.filter(status=status)
    return queryset.order_by("-id")


def match_get(*, user: User, match_id: int) -> Match:
    match = matches_visible_to(user).filter(pk=match_id).first()
    if match is None:
        raise NotFound(_("Match not found."))
    return match


def events_visible_to(user: User) -> QuerySet[MatchmakingEvent]:
    queryset = MatchmakingEvent.objects.select_related("organizer")
    if user.is_operator:
        return queryset
    organization = user.organization
    if organization is None:
        return queryset.none()
    if organization.is_regulator or organization.is_platform:
        return owned_or_in_region(queryset, organization, owner="organizer")
    return queryset.filter(matches__in=matches_visible_to(user)).distinct()


def event_get(*, user: User, event_id: int) -> MatchmakingEvent:
    event = events_visible_to(user).filter(pk=event_id).first()
    if event is None:
        raise NotFound(_("Matchmaking event not found."))
    return event
