"""Reads of connectors and pulls, scoped to the caller's organization."""

from __future__ import annotations

from django.db.models import Prefetch, QuerySet
from django.utils.translation import gettext_lazy as _

from connectors.models import Connector, CreditPull, PullSource
from hub.errors import NotFound
from hub.models import User


def connectors_visible_to(user: User) -> QuerySet[Connector]:
    """A platform sees its own connectors; the operator sees all; nobody else any."""
    queryset = Connector.objects.select_related("platform")
    if user.is_operator:
        return queryset
    if user.organization is not None and user.organization.is_platform:
        return queryset.filter(platform_id=user.organization_id)
    return queryset.none()


def connector_get(*, user: User, connector_id: int) -> Connector:
    connector = connectors_visible_to(user).filter(pk=connector_id).first()
    if connector is None:
        raise NotFound(_("Connector not found."))
    return connector


def pulls_visible_to(user: User) -> QuerySet[CreditPull]:
    """A bank sees the pulls it started; nobody else sees any."""
    if user.organization is None or not user.organization.is_bank:
        return CreditPull.objects.none()
    sources = PullSource.objects.select_related("connector").order_by("pk")
    return (
        CreditPull.objects.filter(bank_id=user.organization_id)
        .select_related("enterprise")
        .prefetch_related(Prefetch("sources", queryset=sources))
    )


def pull_get(*, user: User, pull_id: int) -> CreditPull:
    pull = pulls_visible_to(user).filter(pk=pull_id).first()
    if pull is None:
        raise NotFound(_("Credit pull not found."))
    return pull
