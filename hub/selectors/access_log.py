"""The enterprise's access log: every read of its credit data, and every purge of it under the
retention policy with its deletion receipt, from the audit chain."""

from __future__ import annotations

from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from hub.audit import CREDIT_DATA_ACTIONS
from hub.errors import NotFound
from hub.models import AuditEvent, Organization, User


def access_log_events(*, user: User, uscc: str) -> QuerySet[AuditEvent]:
    """Only the enterprise itself reads its access log (404 for anyone else)."""
    organization = user.organization
    if organization is None or not organization.is_enterprise or organization.code != uscc:
        raise NotFound(_("Enterprise not found."))
    return AuditEvent.objects.filter(organization_id=organization.pk, action__in=CREDIT_DATA_ACTIONS)


def access_log_rows(events: list[AuditEvent]) -> list[dict]:
    """Events → rows naming the reader's organization; one query for the whole page."""
    # A purge has no actor: the bank whose authorization's records went is named in its data.
    organizations = Organization.objects.in_bulk(
        {event.actor_organization_id or event.data.get("bank") for event in events} - {None}
    )
    rows = []
    for event in events:
        reader = organizations.get(event.actor_organization_id or event.data.get("bank"))
        authorizations = event.data.get("authorizations") or (
            [event.data["authorization"]] if event.data.get("authorization") else []
        )
        purposes = event.data.get("purposes") or ([event.data["purpose"]] if event.data.get("purpose") else [])
        rows.append(
            {
                "at": event.at,
                "organization": {"code": reader.code, "name": reader.name, "kind": reader.kind} if reader else None,
                "user": event.actor_username,
                "action": event.action,
                "categories": event.data.get("categories", []),
                "purpose": purposes[0] if purposes else None,
                "authorization": authorizations[0] if authorizations else None,
                # A purge's signed deletion receipt (verify it against the JWKS); None for reads.
                "receipt": event.data.get("receipt"),
                "released": event.data.get("released"),
                "deleted": event.data.get("deleted"),
            }
        )
    return rows
