"""The event types an endpoint can subscribe to, and the notice each leaves for the
organization's people (item 2 of the webhooks issue: a bank without a system of its own sees
the same events in the hub). Titles and bodies are stored by message id (hub.messages) and
read in each reader's language; a body's parameters come from the event's data."""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from hub.models import Notification


@dataclass(frozen=True)
class EventType:
    label: Promise
    notice_kind: str | None
    notice_title: Promise | None = None
    notice_body: Promise | None = None


TEST_EVENT = "webhook.test"

EVENT_TYPES: dict[str, EventType] = {
    "application.submitted": EventType(
        _("An application was submitted"),
        Notification.Kind.APPLICATION,
        _("New application"),
        _("Application %(application)s was submitted to your bank, amount %(amount)s yuan."),
    ),
    "application.withdrawn": EventType(
        _("An application was withdrawn"),
        Notification.Kind.APPLICATION,
        _("Application withdrawn"),
        _("The enterprise withdrew application %(application)s."),
    ),
    "demand.posted": EventType(
        _("An open demand was posted in your region"),
        Notification.Kind.DEMAND,
        _("New open demand in your region"),
        _("Open demand %(application)s was posted in region %(region_code)s, amount %(amount)s yuan."),
    ),
    "authorization.granted": EventType(
        _("An enterprise granted an authorization"),
        Notification.Kind.CONSENT,
        _("Authorization granted"),
        _("Enterprise %(enterprise)s granted authorization %(authorization)s, valid until %(expires_at)s."),
    ),
    "authorization.revoked": EventType(
        _("An enterprise revoked an authorization"),
        Notification.Kind.CONSENT,
        _("Authorization revoked"),
        _("Enterprise %(enterprise)s revoked authorization %(authorization)s."),
    ),
    "authorization.expiring": EventType(
        _("An authorization expires within 7 days"),
        Notification.Kind.CONSENT,
        _("Authorization expiring"),
        _("Authorization %(authorization)s of enterprise %(enterprise)s expires at %(expires_at)s."),
    ),
    "deadline.approaching": EventType(
        _("A deadline is approaching"),
        Notification.Kind.DEADLINE,
        _("Deadline approaching"),
        _("Application %(application)s must be accepted or rejected by %(due_at)s."),
    ),
    "whitelist.published": EventType(
        _("A whitelist was published for your region"),
        Notification.Kind.WHITELIST,
        _("Whitelist published"),
        _(
            "Whitelist %(whitelist)s (version %(version)s, %(entries)s enterprises) was published for region %(region_code)s."
        ),
    ),
    "match.created": EventType(
        _("A match was created"),
        Notification.Kind.MATCH,
        _("New match"),
        _("Match %(match)s with enterprise %(enterprise)s was created; first contact is due by %(contact_due_on)s."),
    ),
    "credit_pull.finished": EventType(
        _("A credit pull finished"),
        Notification.Kind.CREDIT_PULL,
        _("Credit pull finished"),
        _("Credit pull %(credit_pull)s for enterprise %(enterprise)s ended %(status)s."),
    ),
}

# The test event is sent to the one endpoint it is asked for, whatever it subscribed to.
ALL_EVENT_TYPES = [*EVENT_TYPES, TEST_EVENT]


EVENT_TYPE_CHOICES = [(key, event_type.label) for key, event_type in EVENT_TYPES.items()]


def event_type_choices() -> list[tuple[str, Promise]]:
    return EVENT_TYPE_CHOICES
