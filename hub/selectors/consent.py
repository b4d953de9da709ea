"""Reads of authorizations, and the one question every credit-data read asks: which
authorizations are in force for this bank and this enterprise, right now?"""

from __future__ import annotations

from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from hub.errors import NotFound
from hub.models import Authorization, User


def authorizations_in_force(*, bank_id: int, enterprise_id: int | None = None) -> QuerySet[Authorization]:
    """Active and unexpired at this instant — checked at every read, so a revocation or an
    expiry takes effect on the very next request whatever the scheduled tasks recorded.
    Without ``enterprise_id``, the caller narrows the enterprise itself."""
    queryset = Authorization.objects.filter(
        bank_id=bank_id, status=Authorization.Status.ACTIVE, expires_at__gt=timezone.now()
    )
    if enterprise_id is not None:
        queryset = queryset.filter(enterprise_id=enterprise_id)
    return queryset.order_by("-expires_at", "-id")


def bank_has_authorization_in_force(*, bank_id: int, enterprise_id: int) -> bool:
    return authorizations_in_force(bank_id=bank_id, enterprise_id=enterprise_id).exists()


def authorizations_visible_to(user: User) -> QuerySet[Authorization]:
    """An enterprise sees those it granted, a bank those granted to it, the operator all."""
    queryset = Authorization.objects.select_related("bank", "enterprise__verification").prefetch_related("signatures")
    if user.is_operator:
        return queryset
    organization = user.organization
    if organization is None:
        return queryset.none()
    if organization.is_enterprise:
        return queryset.filter(enterprise=organization)
    if organization.is_bank:
        return queryset.filter(bank=organization)
    return queryset.none()


def authorization_get(*, user: User, authorization_id: int) -> Authorization:
    authorization = authorizations_visible_to(user).filter(pk=authorization_id).first()
    if authorization is None:
        raise NotFound(_("Authorization not found."))
    return authorization
