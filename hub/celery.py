"""The Celery application (``celery -A hub worker``), configured from Django settings.

Two guarantees beyond Celery's defaults:

* tasks are acknowledged late and re-queued when their worker dies (settings), so a crash
  never loses work — and every task is written to be safe to run twice;
* a task whose worker dies again and again is *parked* (``hub.models.ParkedTask``) after
  ``HUB_TASK_MAX_DELIVERIES`` deliveries instead of taking workers down forever;
* a task that cannot be queued because the broker is down waits in the database
  (``hub.models.DeferredTask``) and is sent when the broker is back, so neither the request
  that queued it fails nor the work is lost.
"""

from __future__ import annotations

import os
from datetime import UTC, datetime, timedelta

from celery import Celery
from celery.contrib.django.task import DjangoTask
from kombu.exceptions import OperationalError as BrokerUnreachable

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "hub.settings")

PARKED_MESSAGE = "Delivered {deliveries} times without finishing: its worker died during every run (killed, out of memory or crashed)."


class HubTask(DjangoTask):
    """Django's task class (``delay_on_commit``: queue only once the transaction commits)
    that also counts deliveries of each task id in the shared cache.

    The count is raised when a run starts and cleared when the run ends in any way the
    worker survives (success, exception, retry). So only runs that kill their worker leave it
    standing, and a redelivered task over the limit is parked instead of run.
    """

    def __call__(self, *args, **kwargs):
        if self.request.is_eager or not self.request.id:
            return super().__call__(*args, **kwargs)
        from django.conf import settings
        from django.core.cache import cache

        key = f"task-deliveries:{self.request.id}"
        cache.add(key, 0, timeout=int(settings.CELERY_BROKER_VISIBILITY_TIMEOUT) * 4)
        deliveries = cache.incr(key)
        if deliveries > settings.HUB_TASK_MAX_DELIVERIES:
            self._park(deliveries - 1)
            cache.delete(key)
            return None
        try:
            return super().__call__(*args, **kwargs)
        finally:
            cache.delete(key)

    def apply_async(self, args=None, kwargs=None, **options):
        try:
            return super().apply_async(args, kwargs, **options)
        except BrokerUnreachable as error:
            if self.app.conf.task_always_eager:
                raise
            from hub.services.deferred_tasks import deferred_task_store

            deferred_task_store(
                task_name=self.name,
                task_id=options.get("task_id") or "",
                args=list(args or []),
                kwargs=dict(kwargs or {}),
                not_before=_not_before(options),
                error=error,
            )
            return None

    def _park(self, deliveries: int) -> None:
        from hub.models import ParkedTask

        ParkedTask.objects.get_or_create(
            task_id=self.request.id,
            defaults={
                "task_name": self.name,
                "args": list(self.request.args or []),
                "kwargs": dict(self.request.kwargs or {}),
                "deliveries": deliveries,
                "error": PARKED_MESSAGE.format(deliveries=deliveries),
            },
        )


def _not_before(options: dict) -> datetime | None:
    """When a task queued with ``countdown`` or ``eta`` (a retry's) may run."""
    if options.get("eta"):
        return options["eta"]
    if options.get("countdown"):
        return datetime.now(UTC) + timedelta(seconds=float(options["countdown"]))
    return None


app = Celery("hub", task_cls=HubTask)
app.config_from_object("django.conf:settings", namespace="CELERY")


app.autodiscover_tasks()
