"""What the operator's page of the national link reads (connectors/national_views.py)."""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings
from django.db.models import Count, Q

from connectors.models import NationalDemand, NationalLink, UplinkBatch, UplinkFact, UplinkReconciliation

PARKED_SHOWN = 50
REPORTS_SHOWN = 14


@dataclass(frozen=True)
class LinkOverview:
    configured: bool
    url: str
    link: NationalLink
    pending: int
    parked: int
    open_batch: UplinkBatch | None
    last_batches: list[UplinkBatch]
    demands: dict[str, int]


def national_link_overview() -> LinkOverview:
    pending = UplinkFact.objects.filter(batch__isnull=True, parked=False).count()
    parked = UplinkFact.objects.filter(parked=True).count()
    demands = NationalDemand.objects.aggregate(
        placed=Count("id", filter=Q(status=NationalDemand.Status.PLACED)),
        unplaced=Count("id", filter=Q(status=NationalDemand.Status.UNPLACED)),
    )
    return LinkOverview(
        configured=bool(settings.HUB_NATIONAL_URL),
        url=settings.HUB_NATIONAL_URL,
        link=NationalLink.get(),
        pending=pending,
        parked=parked,
        open_batch=UplinkBatch.objects.filter(status__in=UplinkBatch.OPEN).first(),
        last_batches=list(UplinkBatch.objects.order_by("-id")[:10]),
        demands=demands,
    )


def parked_facts(*, limit: int = PARKED_SHOWN):
    return UplinkFact.objects.filter(parked=True).order_by("-parked_at", "-id")[:limit]


def reconciliation_reports(*, limit: int = REPORTS_SHOWN):
    return UplinkReconciliation.objects.order_by("-day")[:limit]
