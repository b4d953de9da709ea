"""Tasks that waited in the database while the broker was down (``hub.models.DeferredTask``):
``hub.celery.HubTask`` keeps a task here when it cannot be queued, and the schedule sends them
once the broker answers again, so work queued during a Redis outage is done when it returns."""

from __future__ import annotations

import logging
from datetime import datetime

from celery import current_app
from django.db import transaction
from django.utils import timezone
from kombu.exceptions import OperationalError as BrokerUnreachable

from hub.models import DeferredTask

logger = logging.getLogger(__name__)

SEND_BATCH = 500


def deferred_task_store(
    *, task_name: str, task_id: str, args: list, kwargs: dict, not_before: datetime | None, error: Exception
) -> DeferredTask:
    """Keep a task the broker did not take, to be sent by :func:`deferred_tasks_send`."""
    logger.warning("the broker is unreachable (%s): task %s waits in the database", error.__class__.__name__, task_name)
    return DeferredTask.objects.create(
        task_name=task_name,
        task_id=task_id,
        args=args,
        kwargs=kwargs,
        not_before=not_before,
        error=f"{error.__class__.__name__}: {error}"[:300],
    )


def deferred_tasks_send() -> int:
    """Send the deferred tasks, oldest first; returns how many were sent. Each is deleted in the
    transaction that locks it (so two schedulers never send one twice) once the broker took it;
    at the first one the broker refuses, the rest wait for the next turn. A task sent and then
    not deleted (the database failed in between) is sent again, which every task allows."""
    sent = 0
    for _ in range(SEND_BATCH):
        with transaction.atomic():
            deferred = DeferredTask.objects.select_for_update(skip_locked=True).order_by("deferred_at", "pk").first()
            if deferred is None:
                return sent
            countdown = (
                max(0.0, (deferred.not_before - timezone.now()).total_seconds()) if deferred.not_before else None
            )
            try:
                current_app.send_task(
                    deferred.task_name,
                    args=deferred.args,
                    kwargs=deferred.kwargs,
                    task_id=deferred.task_id or None,
                    countdown=countdown,
                )
            except BrokerUnreachable:
                logger.warning("the broker is still unreachable: %s deferred tasks wait", DeferredTask.objects.count())
                return sent
            deferred.delete()
            sent += 1
    return sent
