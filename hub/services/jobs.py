"""Leased jobs (``hub.models.jobs.LeasedJob``): claiming one is a conditional UPDATE whose row
count says who won, so any number of deliveries of one task run the job once at a time; a
run keeps its lease while it works; the reaper queues again the jobs whose run died."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.core.cache import cache
from django.db import DatabaseError, connections, transaction
from django.db.models import F, Q
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.module_loading import import_string

from hub.errors import HubError

logger = logging.getLogger(__name__)


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


# --- keeping a lease, and looking after jobs whose run died ---------------------------------------


@contextmanager
def job_lease_kept(model, job_id: int, *, lease: timedelta, running: str):
    """Renew the job's lease from a background thread while the block runs, every third of
    the lease, so a lease can be short however long one step of the work takes (a large SQL
    statement, a slow platform). When the process dies, so does the thread: the lease then
    lapses within one lease and the reaper queues the job again.

    A job run inside a transaction that has not committed (a task run in-process within a
    request or a test) is invisible to another connection, so no thread is started for it."""
    if transaction.get_connection().in_atomic_block:
        yield
        return
    stop = threading.Event()

    def keep() -> None:
        try:
            while not stop.wait(lease.total_seconds() / 3):
                try:
                    job_renew_lease(model, job_id, lease=lease, running=running)
                except DatabaseError:  # the next turn tries again; the lease has two more thirds
                    logger.warning("could not renew the lease of %s %s", model._meta.label, job_id, exc_info=True)
        finally:
            connections.close_all()  # this thread's own connection

    keeper = threading.Thread(target=keep, name=f"lease-{model._meta.model_name}-{job_id}", daemon=True)
    keeper.start()
    try:
        yield
    finally:
        stop.set()
        keeper.join(timeout=lease.total_seconds())


@dataclass(frozen=True)
class LeasedJobKind:
    """A kind of leased job the reaper looks after; each app registers its own in ``ready()``."""

    model: type
    # The dotted path of the Celery task that runs or resumes one job of this kind (by its id);
    # imported when needed, since tasks import the services that register the kind.
    task: str
    queued: str
    running: str
    # Ends a job whose runs kept dying, with the reason (``JOB_ABANDONED``).
    give_up: Callable[[int, str], object]


JOB_ABANDONED = "Its run died {runs} times without finishing (the worker was killed, ran out of memory or crashed)."
REAP_BATCH = 500
# Remembers that a job was queued again after a given number of runs, so a job waiting in a
# backlog is not queued again at every turn of the reaper; a run that claims it and dies makes
# a new number, and so a new turn.
_REQUEUED_KEY = "job-requeued:{label}:{pk}:{runs}"

_kinds: dict[str, LeasedJobKind] = {}


def register_leased_job_kind(kind: LeasedJobKind) -> None:
    _kinds[kind.model._meta.label] = kind


def leased_jobs_reap() -> int:
    """Queue again every job that no run is working on: one whose lease lapsed while it was
    running (its worker died: the broker would re-deliver its task only after the visibility
    timeout, an hour by default), or one still queued ``HUB_JOB_QUEUED_GRACE_SECONDS`` after it
    was created (its message was lost, say the broker was down when it was sent). Running a job
    twice is safe (a run claims the lease, resumes where the last stopped, and a finished job
    is left as it is). A job whose runs died ``HUB_TASK_MAX_DELIVERIES`` times is given up
    instead, as a task that keeps killing its worker is parked. Returns how many were handled."""
    now = timezone.now()
    waited_too_long = now - timedelta(seconds=settings.HUB_JOB_QUEUED_GRACE_SECONDS)
    handled = 0
    for label, kind in sorted(_kinds.items()):
        stranded = kind.model.objects.filter(
            Q(status=kind.running, lease_until__lt=now) | Q(status=kind.queued, created_at__lt=waited_too_long)
        ).values_list("pk", "runs")[:REAP_BATCH]
        for pk, runs in stranded:
            if runs >= settings.HUB_TASK_MAX_DELIVERIES:
                logger.error("%s %s abandoned after %s runs", label, pk, runs)
                kind.give_up(pk, JOB_ABANDONED.format(runs=runs))
            elif cache.add(_REQUEUED_KEY.format(label=label, pk=pk, runs=runs), 1, timeout=_requeued_memory()):
                logger.warning("%s %s queued again: no run holds it", label, pk)
                import_string(kind.task).delay(pk)
            else:
                continue
            handled += 1
    return handled


def _requeued_memory() -> int:
    # Until the broker itself would have re-delivered the first message.
    return int(settings.CELERY_BROKER_VISIBILITY_TIMEOUT)
