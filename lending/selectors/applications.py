"""Reads of applications and open demands, scoped to the caller."""

from __future__ import annotations

from django.db.models import Q, QuerySet
from django.utils.translation import gettext_lazy as _

from hub.errors import NotFound
from hub.identifiers import region_prefix
from hub.models import User
from lending.models import Application, LoanProduct


def applications_visible_to(user: User, *, open_demands: bool = False) -> QuerySet[Application]:
    """An enterprise sees its own; a bank those addressed to it, or with ``open_demands``
    the unclaimed open demands in regions it serves; the operator all."""
    queryset = Application.objects.select_related("product", "bank", "enterprise__verification")
    if user.is_operator:
        return queryset
    organization = user.organization
    if organization is None:
        return queryset.none()
    if organization.is_enterprise:
        return queryset.filter(enterprise=organization)
    if organization.is_bank:
        if open_demands:
            served = {organization.region_code}
            for codes in LoanProduct.objects.filter(bank=organization, status=LoanProduct.Status.PUBLISHED).values_list(
                "region_codes", flat=True
            ):
                served.update(codes)
            region_filter = Q()
            for code in served:
                region_filter |= Q(region_code__startswith=region_prefix(code))
            return queryset.filter(
                region_filter, product__isnull=True, bank__isnull=True, status=Application.Status.SUBMITTED
            )
        return queryset.filter(bank=organization)
    return queryset.none()


def application_get(*, user: User, application_id: int) -> Application:
    application = (
        applications_visible_to(user).filter(pk=application_id).first()
        or applications_visible_to(user, open_demands=True).filter(pk=application_id).first()
    )
    if application is None:
        raise NotFound(_("Application not found."))
    return application


IN_PROGRESS_FILTER = "in_progress"


def application_list(*, user: User, filters: dict | None = None) -> QuerySet[Application]:
    """The applications a page or the API lists, one way for both. ``filters``: ``open``
    (a bank's claimable open demands instead of its own), ``status`` (one status, or
    ``"in_progress"``). What waits on a deadline comes first by that deadline; the rest newest
    first."""
    filters = filters or {}
    queryset = applications_visible_to(user, open_demands=bool(filters.get("open")))
    status = filters.get("status")
    if status == IN_PROGRESS_FILTER:
        return queryset.filter(status__in=Application.IN_PROGRESS).order_by("accept_due_at", "id")
    if status:
        queryset = queryset.filter(status=status)
    if status == Application.Status.SUBMITTED or filters.get("open"):
        return queryset.order_by("accept_due_at", "id")
    return queryset.order_by("-id")
