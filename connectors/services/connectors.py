"""Writes for connectors: a platform registers one, the operator approves or suspends it,
the scheduled health check records its state."""

from __future__ import annotations

from django.conf import settings
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from connectors import audit, registry
from connectors.base import ConnectorError
from connectors.models import Connector
from hub.categories import ALL_CATEGORIES
from hub.errors import Conflict, Forbidden, InvalidInput, NotFound
from hub.identifiers import region_code_error, region_covers
from hub.models import Organization, User


class Messages:
    PLATFORM_ADMIN_ONLY = _("Only administrators of a city platform can register connectors.")
    OPERATOR_ONLY = _("Only the hub operator can approve or suspend connectors.")
    UNKNOWN_KIND = _("Unknown connector kind %(kind)s; known kinds: %(known)s.")
    REGIONS_EMPTY = _("Name at least one region code.")
    CATEGORIES_EMPTY = _("Name at least one credit category.")
    CATEGORY_UNKNOWN = _("Unknown credit category: %(category)s.")
    LOCATION = _("The location %(problem)s.")
    REGION_OUTSIDE_PLATFORM = _("Region %(code)s lies outside the platform's own region %(area)s.")
    WRONG_STATE = _("The connector is %(status)s; this action does not apply.")


def connector_client(connector: Connector):
    """The kind's client for one connector record (one per thread)."""
    client_class = registry.get(connector.kind)
    return client_class(
        base_url=connector.base_url,
        key_id=connector.key_id,
        secret=connector.secret,
        timeout=settings.HUB_CONNECTOR_TIMEOUT_SECONDS,
    )


@transaction.atomic
def connector_register(
    *,
    actor: User,
    name: str,
    kind: str,
    base_url: str,
    region_codes: list[str],
    categories: list[str],
    key_id: str = "",
    secret: str = "",
) -> Connector:
    """A platform admin registers a connector; it waits for the operator's approval.

    Raises Forbidden (not a platform admin) or InvalidInput naming the field at fault.
    """
    platform = actor.organization
    if platform is None or platform.kind != Organization.Kind.PLATFORM or not actor.is_organization_admin:
        raise Forbidden(Messages.PLATFORM_ADMIN_ONLY)
    if kind not in registry.keys():
        message = Messages.UNKNOWN_KIND % {"kind": kind, "known": ", ".join(registry.keys())}
        raise InvalidInput(message, fields={"kind": [message]})
    problem = registry.get(kind).validate_location(base_url)
    if problem:
        message = Messages.LOCATION % {"problem": problem}
        raise InvalidInput(message, fields={"base_url": [message]})
    if not region_codes:
        raise InvalidInput(Messages.REGIONS_EMPTY, fields={"region_codes": [Messages.REGIONS_EMPTY]})
    for code in region_codes:
        error = region_code_error(code)
        if error:
            raise InvalidInput(error, fields={"region_codes": [error]})
        # A city platform serves the records of its own area: a connector claiming another
        # city's enterprises would answer pulls it has no mandate for.
        if not region_covers([platform.region_code], code):
            message = Messages.REGION_OUTSIDE_PLATFORM % {"code": code, "area": platform.region_code}
            raise InvalidInput(message, fields={"region_codes": [message]})
    if not categories:
        raise InvalidInput(Messages.CATEGORIES_EMPTY, fields={"categories": [Messages.CATEGORIES_EMPTY]})
    for category in categories:
        if category not in ALL_CATEGORIES:
            message = Messages.CATEGORY_UNKNOWN % {"category": category}
            raise InvalidInput(message, fields={"categories": [message]})
    problem = registry.get(kind).validate_credentials(key_id, secret)
    if problem:
        raise InvalidInput(problem, fields={"secret": [problem]})
    connector = Connector.objects.create(
        platform=platform,
        name=name,
        kind=kind,
        base_url=base_url,
        region_codes=sorted(set(region_codes)),
        categories=sorted(set(categories), key=ALL_CATEGORIES.index),
        key_id=key_id,
        secret=secret,
    )
    audit.connector_registered(connector=connector, actor=actor)
    return connector


_TRANSITIONS = {
    "approve": ((Connector.Status.PENDING, Connector.Status.SUSPENDED), Connector.Status.ACTIVE),
    "suspend": ((Connector.Status.PENDING, Connector.Status.ACTIVE), Connector.Status.SUSPENDED),
}


@transaction.atomic
def connector_set_status(*, actor: User, connector_id: int, action: str) -> Connector:
    """``approve`` (pending or suspended → active) or ``suspend`` (→ suspended): the
    operator's decisions. Raises Forbidden, NotFound or Conflict (wrong state)."""
    if not actor.is_operator:
        raise Forbidden(Messages.OPERATOR_ONLY)
    sources, target = _TRANSITIONS[action]
    connector = Connector.objects.select_for_update().filter(pk=connector_id).first()
    if connector is None:
        raise NotFound(_("Connector not found."))
    if connector.status not in sources:
        raise Conflict(Messages.WRONG_STATE % {"status": connector.get_status_display()})
    connector.status = target
    if target == Connector.Status.ACTIVE:
        connector.approved_at = timezone.now()
    connector.save(update_fields=["status", "approved_at"])
    audit.connector_status_changed(connector=connector, actor=actor, status=target)
    if target == Connector.Status.ACTIVE:
        # Learn its health and capabilities now rather than at the next scheduled check.
        from connectors.tasks import check_connector_health

        check_connector_health.delay_on_commit(connector.pk)
    return connector


def connector_check_health(*, connector_id: int) -> Connector:
    """Ask the platform whether it is up; record state, time and consecutive failures."""
    connector = Connector.objects.get(pk=connector_id)
    try:
        report = connector_client(connector).check_health()
    except ConnectorError as error:
        healthy, detail, capabilities = False, f"{error.code}: {error.message}", connector.capabilities
    else:
        healthy, detail, capabilities = report.healthy, report.detail, report.capabilities
    updates = {
        "capabilities": capabilities,
        "health_state": Connector.Health.HEALTHY if healthy else Connector.Health.UNHEALTHY,
        "health_checked_at": timezone.now(),
        "health_detail": detail[:300],
        "health_failures": 0 if healthy else F("health_failures") + 1,
    }
    Connector.objects.filter(pk=connector_id).update(**updates)
    connector.refresh_from_db()
    return connector
