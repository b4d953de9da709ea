"""Claiming leased jobs (``hub.models.jobs.LeasedJob``): a conditional UPDATE whose row count
says who won, so any number of deliveries of one task run the job once at a time."""

from __future__ import annotations

from datetime import timedelta

from django.db.models import F, Q
from django.db.models.functions import Coalesce
from django.utils import timezone

from hub.errors import HubError


class JobBusy(HubError):
    """Another run holds the job's lease; try again after ``retry_after`` seconds."""

    def __init__(self, retry_after: float):
        super().__init__("the job is being run elsewhere", code="busy")
        self.retry_after = retry_after


def job_claim(model, job_id: int, *, lease: timedelta, running: str, claimable: tuple[str, ...]) -> bool:
    """Take the job's lease if it is in a ``claimable`` status and nobody holds an unexpired
    lease; it becomes ``running``. True when this run won."""
    now = timezone.now()
    return bool(
        model.objects.filter(pk=job_id, status__in=claimable)
        .filter(Q(lease_until__isnull=True) | Q(lease_until__lt=now))
        .update(status=running, lease_until=now + lease, started_at=Coalesce("started_at", now), runs=F("runs") + 1)
    )


def job_renew_lease(model, job_id: int, *, lease: timedelta, running: str) -> None:
    """Keep the lease while the work progresses, so a lease can be short."""
    model.objects.filter(pk=job_id, status=running).update(lease_until=timezone.now() + lease)


def job_busy(model, job_id: int) -> JobBusy:
    """The answer for a run that lost the claim: come back when the holder's lease lapses."""
    lease_until = model.objects.values_list("lease_until", flat=True).get(pk=job_id)
    remaining = (lease_until - timezone.now()).total_seconds() if lease_until else 1
    return JobBusy(retry_after=max(1.0, remaining))
