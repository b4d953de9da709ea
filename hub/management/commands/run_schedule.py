"""Run the periodic tasks of CELERY_BEAT_SCHEDULE in this process, for the embedded default
(`make run`: no broker, so no celery beat). Each task runs in-process at its interval, the
first time at start; a task that fails is logged and tried again at its next turn."""

from __future__ import annotations

import logging
import signal
import time

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from hub.celery import app

logger = logging.getLogger(__name__)


class Command(BaseCommand):
    help = __doc__

    def add_arguments(self, parser):
        parser.add_argument("--once", action="store_true", help="run every scheduled task once and exit")

    def handle(self, *args, once: bool, **options):
        if settings.REDIS_URL and not once:
            raise CommandError("With a broker, run celery beat instead (deploy/beat.sh).")
        schedule = {
            name: (entry["task"], entry["schedule"].total_seconds())
            for name, entry in settings.CELERY_BEAT_SCHEDULE.items()
        }
        app.loader.import_default_modules()  # every app's tasks, as a worker would find them
        due = dict.fromkeys(schedule, 0.0)
        signal.signal(signal.SIGTERM, _raise_keyboard_interrupt)
        try:
            while True:
                now = time.monotonic()
                for name, (task, interval) in schedule.items():
                    if due[name] <= now:
                        self._run(name, task)
                        due[name] = now + interval
                if once:
                    return
                time.sleep(max(1.0, min(due.values()) - time.monotonic()))
        except KeyboardInterrupt:
            pass

    def _run(self, name: str, task: str) -> None:
        try:
            result = app.tasks[task].apply().get(propagate=True)
        except Exception:  # logged with its traceback; the schedule goes on
            logger.exception("scheduled task %s failed", name)
        else:
            self.stdout.write(f"{name}: {result}")


def _raise_keyboard_interrupt(signum, frame):
    raise KeyboardInterrupt
