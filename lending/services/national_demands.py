"""Financing demands posted on the national platform, placed in the hub as open demands
(docs/national-uplink.md, "Downlink"): banks serving the enterprise's region see and claim
them as they do the hub's own, and each step goes back up as a financing_demand_outcome fact
(lending/services/applications.py records it with every change)."""

from __future__ import annotations

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from connectors.models import NationalDemand
from connectors.national.downlink import IncomingDemand, Placement, national_platform_account
from hub.models import Organization, Verification
from hub.selectors.working_days import add_working_days
from lending.models import Application
from lending.models.applications import OPEN_DEMAND
from lending.services.applications import _is_whitelisted, _record

PURPOSE = _("Financing demand posted on the national platform (%(id)s)")


@transaction.atomic
def national_demand_place(demand: IncomingDemand) -> Placement:
    """Open a demand of the hub for the enterprise that verified the demand's USCC, or say why
    not (``enterprise_not_registered``, ``enterprise_unverified``)."""
    holder = (
        Verification.objects.filter(uscc=demand.uscc, status__in=Verification.HOLDING)
        .select_related("enterprise")
        .first()
    )
    if holder is None:
        registered = Organization.objects.filter(kind=Organization.Kind.ENTERPRISE, code=demand.uscc).exists()
        return Placement(reason="enterprise_unverified" if registered else "enterprise_not_registered")
    if holder.status != Verification.Status.VERIFIED:
        return Placement(reason="enterprise_unverified")
    enterprise = holder.enterprise
    now = timezone.now()
    application = Application.objects.create(
        enterprise=enterprise,
        amount=demand.amount,
        term_months=demand.term_months,
        purpose=str(PURPOSE % {"id": demand.national_id})[:200],
        region_code=enterprise.region_code,
        category=OPEN_DEMAND,
        whitelisted=_is_whitelisted(enterprise),
        submitted_at=now,
        accept_due_at=add_working_days(now, settings.LENDING_ACCEPT_WORKING_DAYS),
    )
    # Before the application's record, so its submission is not reported back up as a new demand.
    NationalDemand.objects.create(
        national_id=demand.national_id,
        uscc=demand.uscc,
        region_code=demand.region_code,
        status=NationalDemand.Status.PLACED,
        application_id=application.pk,
    )
    _record(application, None, national_platform_account())
    return Placement(application_id=application.pk)
