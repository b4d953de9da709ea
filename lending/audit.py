"""Audit events of the lending app, one function per event type, appended to the hub's
hash-chained log in the caller's transaction."""

from __future__ import annotations

from hub.audit import NewEvent, append_event, append_events


def product_changed(*, product, actor, action: str):
    return append_event(
        action=f"product.{action}",
        actor=actor,
        organization_id=product.bank_id,
        object_type="loan_product",
        object_id=product.pk,
        data={"name": product.name, "status": product.status},
    )


def application_changed(*, application, actor, from_status: str, data: dict | None = None):
    """Recorded in the enterprise's chain: it is the enterprise's application."""
    return append_event(
        action=f"application.{application.status}",
        actor=actor,
        organization_id=application.enterprise_id,
        object_type="application",
        object_id=application.pk,
        data={"from": from_status, "to": application.status, "bank": application.bank_id, **(data or {})},
    )


def _match_event(match, actor, from_status: str) -> NewEvent:
    """In the enterprise's chain, or the bank's when the enterprise is not registered."""
    return NewEvent(
        action=f"match.{match.status}",
        actor=actor,
        organization_id=match.enterprise_id or match.bank_id,
        object_type="match",
        object_id=match.pk,
        data={
            "from": from_status,
            "to": match.status,
            "bank": match.bank_id,
            "source": match.source,
            "enterprise": match.enterprise_code,
        },
    )


def match_changed(*, match, actor, from_status: str):
    return append_events([_match_event(match, actor, from_status)])[0]


def matches_created(*, matches, actor):
    """One event per match, as match_changed would write them, appended together."""
    return append_events([_match_event(match, actor, "") for match in matches])


def event_created(*, event, actor):
    return append_event(
        action="matchmaking_event.created",
        actor=actor,
        organization_id=event.organizer_id,
        object_type="matchmaking_event",
        object_id=event.pk,
        data={"title": event.title, "held_on": event.held_on.isoformat()},
    )


def policy_published(*, policy, actor):
    return append_event(
        action="policy.published",
        actor=actor,
        organization_id=actor.organization_id,
        object_type="policy",
        object_id=policy.pk,
        data={"title": policy.title, "targeting": policy.targeting},
    )


def calendar_loaded(*, actor, days: int, created: int, updated: int, first, last):
    """In the hub's chain: the calendar sets every bank's deadlines."""
    return append_event(
        action="calendar.loaded",
        actor=actor,
        organization_id=None,
        object_type="working_calendar",
        object_id=f"{first.isoformat()}..{last.isoformat()}",
        data={"days": days, "created": created, "updated": updated},
    )


def loan_created(*, loan, actor):
    """In the bank's chain: the loan book is the bank's."""
    return append_event(
        action="loan.created",
        actor=actor,
        organization_id=loan.bank_id,
        object_type="loan",
        object_id=loan.pk,
        data={
            "application": loan.application_id,
            "enterprise": loan.enterprise_id,
            "amount": str(loan.amount),
            "rate": str(loan.rate),
            "first_loan": loan.first_loan,
            "pure_credit": loan.pure_credit,
            "renewal": loan.renewal,
        },
    )


def loan_reports_received(*, bank_id: int, actor, created: int, corrected: int, unchanged: int, source: str):
    return append_event(
        action="loan_reports.received",
        actor=actor,
        organization_id=bank_id,
        object_type="loan_reports",
        object_id=source,
        data={"created": created, "corrected": corrected, "unchanged": unchanged},
    )


def loan_reports_corrected(*, corrections, actor):
    """One event per corrected month, with the figures as they were and as they are."""
    return append_events(
        [
            NewEvent(
                action="loan_report.corrected",
                actor=actor,
                organization_id=report.loan.bank_id,
                object_type="loan_report",
                object_id=report.pk,
                data={
                    "loan": report.loan_id,
                    "month": report.month.strftime("%Y-%m"),
                    "before": before,
                    "after": after,
                },
            )
            for report, before, after in corrections
        ]
    )
