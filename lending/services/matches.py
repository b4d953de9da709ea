"""Matches: one lifecycle for every bank–enterprise pairing (DESIGN.md §4 step 8).

intent → contacted → negotiating → signed → disbursed, or failed with a reason. A match
that comes from an application follows the application; matches from matchmaking events
and whitelists are moved by the bank's follow-up.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from hub.errors import Conflict, Forbidden, InvalidInput, NotFound
from hub.identifiers import region_code_error, region_covers
from hub.models import Organization, User
from hub.selectors.verification import enterprise_holder
from hub.services.events import event_record
from lending import audit
from lending.models import Application, Match, MatchmakingEvent
from lending.selectors.products import banks_serving

MatchStatus = Match.Status

# Forward moves a bank may record by hand; ``failed`` is allowed from any open state.
MATCH_TRANSITIONS: dict[str, tuple[str, ...]] = {
    MatchStatus.CONTACTED: (MatchStatus.INTENT,),
    MatchStatus.NEGOTIATING: (MatchStatus.INTENT, MatchStatus.CONTACTED),
    MatchStatus.SIGNED: (MatchStatus.INTENT, MatchStatus.CONTACTED, MatchStatus.NEGOTIATING),
    MatchStatus.DISBURSED: (MatchStatus.SIGNED,),
    MatchStatus.FAILED: (MatchStatus.INTENT, MatchStatus.CONTACTED, MatchStatus.NEGOTIATING, MatchStatus.SIGNED),
}
OPEN_STATUSES = Match.OPEN_STATUSES

# Application status → the match status it means.
_FOLLOWS = {
    Application.Status.SUBMITTED: MatchStatus.INTENT,
    Application.Status.ACCEPTED: MatchStatus.CONTACTED,
    Application.Status.APPROVED: MatchStatus.NEGOTIATING,
    Application.Status.SIGNED: MatchStatus.SIGNED,
    Application.Status.DISBURSED: MatchStatus.DISBURSED,
    Application.Status.REJECTED: MatchStatus.FAILED,
    Application.Status.WITHDRAWN: MatchStatus.FAILED,
}


class Messages:
    APPLICATION_DRIVEN = _("This match follows its application; move the application instead.")
    WRONG_STATE = _("The match is %(status)s; it cannot become %(target)s.")
    AMOUNT_NEEDED = _("Give the amount signed or disbursed.")
    REASON_NEEDED = _("Give the reason the match failed.")
    ORGANIZER_ONLY = _("Only city platforms and regulators organize matchmaking events.")
    UNKNOWN_BANK = _("No bank with this code.")
    # One message for a code nobody registered and for an enterprise of another area: an
    # organizer learns neither whether, nor where, an enterprise outside its event is registered.
    NOT_IN_EVENT_REGION = _("No enterprise of this event's region has this unified social credit code.")
    BANK_NOT_SERVING = _("This bank neither sits in nor offers products over the event's region.")
    EVENT_OUTSIDE_AREA = _("An organization holds events only inside its own region (%(area)s).")


def _stamp(match: Match, status: str, now) -> None:
    match.status = status
    if status in (MatchStatus.CONTACTED, MatchStatus.NEGOTIATING, MatchStatus.SIGNED) and not match.contacted_at:
        match.contacted_at = now
    if status == MatchStatus.SIGNED:
        match.signed_at = now
    if status == MatchStatus.DISBURSED:
        match.disbursed_at = now
    if status in (MatchStatus.DISBURSED, MatchStatus.FAILED):
        match.closed_at = now


def match_create(
    *,
    bank: Organization,
    enterprise: Organization,
    source: str,
    actor: User,
    category: str = "",
    intended_amount: Decimal | None = None,
    event: MatchmakingEvent | None = None,
    application: Application | None = None,
    whitelist_entry_id: int | None = None,
    contact_days: int | None = None,
) -> Match:
    """A new pairing; the bank must record contact within ``contact_days`` (default from
    settings). Call inside the caller's transaction."""
    now = timezone.now()
    days = contact_days if contact_days is not None else settings.LENDING_CONTACT_DAYS
    match = Match.objects.create(
        bank=bank,
        enterprise=enterprise,
        enterprise_code=enterprise.code,
        enterprise_name=enterprise.name,
        source=source,
        application=application,
        event=event,
        whitelist_entry_id=whitelist_entry_id,
        region_code=enterprise.region_code,
        category=category,
        intended_amount=intended_amount,
        created_at=now,
        contact_due_at=now + timedelta(days=days),
    )
    audit.match_changed(match=match, actor=actor, from_status="")
    event_record(
        type="match.created",
        organization_ids=[bank.pk],
        object_type="match",
        object_id=match.pk,
        data={
            "match": match.pk,
            "enterprise": match.enterprise_code,
            "source": source,
            "status": match.status,
            "application": application.pk if application else None,
            "event": event.pk if event else None,
            "category": category,
            "created_at": now.isoformat(),
            "contact_due_on": match.contact_due_at.date().isoformat(),
        },
    )
    return match


@dataclass(frozen=True)
class Listing:
    """A published whitelist entry for one bank to follow up; the enterprise may not be
    registered yet (its region then comes from the code's region digits)."""

    bank: Organization
    uscc: str
    name: str
    enterprise: Organization | None
    whitelist_entry_id: int
    intended_amount: Decimal | None


def matches_create_for_listings(
    *, listings: list[Listing], category: str, contact_days: int, actor: User
) -> list[Match]:
    """A match per listing, written together with its audit events (a published whitelist
    brings thousands at once). Call inside the caller's transaction."""
    now = timezone.now()
    matches = Match.objects.bulk_create(
        Match(
            bank=listing.bank,
            enterprise=listing.enterprise,
            enterprise_code=listing.uscc,
            enterprise_name=listing.name,
            source=Match.Source.WHITELIST,
            whitelist_entry_id=listing.whitelist_entry_id,
            region_code=listing.enterprise.region_code if listing.enterprise else listing.uscc[2:8],
            category=category,
            intended_amount=listing.intended_amount,
            created_at=now,
            contact_due_at=now + timedelta(days=contact_days),
        )
        for listing in listings
    )
    if any(match.pk is None for match in matches):  # a database that cannot return the new ids
        keys = {(match.whitelist_entry_id, match.bank_id) for match in matches}
        matches = [
            match
            for match in Match.objects.filter(
                source=Match.Source.WHITELIST, whitelist_entry_id__in={key[0] for key in keys}
            ).order_by("pk")
            if (match.whitelist_entry_id, match.bank_id) in keys
        ]
    audit.matches_created(matches=matches, actor=actor)
    return matches


def match_follow_application(application: Application, *, actor: User) -> None:
    """Keep the application's match in step with it (created once the bank is known)."""
    if application.bank_id is None:
        return
    match = Match.objects.filter(application=application).first()
    if match is None:
        match = match_create(
            bank=application.bank,
            enterprise=application.enterprise,
            source=Match.Source.APPLICATION,
            actor=actor,
            category=application.category,
            intended_amount=application.amount,
            application=application,
        )
    target = _FOLLOWS[application.status]
    if match.status == target:
        return
    before = match.status
    now = timezone.now()
    _stamp(match, target, now)
    match.signed_amount = application.signed_amount
    match.disbursed_amount = application.disbursed_amount
    if target == MatchStatus.FAILED:
        match.failure_reason = application.reason or application.get_status_display()
    match.save()
    audit.match_changed(match=match, actor=actor, from_status=before)


@transaction.atomic
def match_progress(
    *, actor: User, match_id: int, status: str, amount: Decimal | None = None, reason: str = ""
) -> Match:
    """The bank records follow-up of a match from an event or a whitelist.

    Raises NotFound, Forbidden (application-driven match), Conflict (not a forward move)
    or InvalidInput (missing amount or reason)."""
    match = Match.objects.select_for_update().filter(pk=match_id, bank_id=actor.organization_id).first()
    if match is None:
        raise NotFound(_("Match not found."))
    if match.source == Match.Source.APPLICATION:
        raise Forbidden(Messages.APPLICATION_DRIVEN)
    if match.status not in MATCH_TRANSITIONS.get(status, ()):
        raise Conflict(
            Messages.WRONG_STATE % {"status": match.get_status_display(), "target": status}, code="wrong_state"
        )
    if status in (MatchStatus.SIGNED, MatchStatus.DISBURSED) and amount is None:
        raise InvalidInput(Messages.AMOUNT_NEEDED, fields={"amount": [Messages.AMOUNT_NEEDED]})
    if status == MatchStatus.FAILED and not reason:
        raise InvalidInput(Messages.REASON_NEEDED, fields={"reason": [Messages.REASON_NEEDED]})
    before = match.status
    _stamp(match, status, timezone.now())
    if status == MatchStatus.SIGNED:
        match.signed_amount = amount
    if status == MatchStatus.DISBURSED:
        match.disbursed_amount = amount
    if status == MatchStatus.FAILED:
        match.failure_reason = reason
    match.save()
    audit.match_changed(match=match, actor=actor, from_status=before)
    return match


@transaction.atomic
def event_create(*, actor: User, title: str, region_code: str, held_on, description: str = "") -> MatchmakingEvent:
    organizer = actor.organization
    if organizer is None or not (organizer.is_platform or organizer.is_regulator):
        raise Forbidden(Messages.ORGANIZER_ONLY)
    error = region_code_error(region_code)
    if error:
        raise InvalidInput(error, fields={"region_code": [error]})
    if not region_covers([organizer.region_code], region_code):
        message = Messages.EVENT_OUTSIDE_AREA % {"area": organizer.region_code}
        raise InvalidInput(message, fields={"region_code": [message]})
    event = MatchmakingEvent.objects.create(
        organizer=organizer, title=title, region_code=region_code, held_on=held_on, description=description
    )
    audit.event_created(event=event, actor=actor)
    return event


@transaction.atomic
def event_record_intent(
    *, actor: User, event_id: int, bank_code: str, uscc: str, amount: Decimal | None = None, category: str = ""
) -> Match:
    """An intent signed at a matchmaking event becomes a match the bank must follow up."""
    event = MatchmakingEvent.objects.filter(pk=event_id, organizer_id=actor.organization_id).first()
    if event is None:
        raise NotFound(_("Matchmaking event not found."))
    bank = Organization.objects.filter(kind=Organization.Kind.BANK, code=bank_code, is_active=True).first()
    if bank is None:
        raise InvalidInput(Messages.UNKNOWN_BANK, fields={"bank": [Messages.UNKNOWN_BANK]})
    if bank not in banks_serving(event.region_code):
        raise InvalidInput(Messages.BANK_NOT_SERVING, fields={"bank": [Messages.BANK_NOT_SERVING]})
    enterprise = enterprise_holder(uscc)
    if enterprise is None or not region_covers([event.region_code], enterprise.region_code):
        raise InvalidInput(Messages.NOT_IN_EVENT_REGION, fields={"enterprise": [Messages.NOT_IN_EVENT_REGION]})
    return match_create(
        bank=bank,
        enterprise=enterprise,
        source=Match.Source.EVENT,
        actor=actor,
        category=category,
        intended_amount=amount,
        event=event,
    )
