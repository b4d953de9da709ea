from __future__ import annotations

from celery import shared_task
from django.db import InterfaceError, OperationalError

from hub.services.jobs import JobBusy
from whitelist.services.imports import import_fail, import_run
from whitelist.services.whitelists import new_entries_push


@shared_task(bind=True, name="whitelist.run_import", max_retries=30)
def run_import(self, import_id: int) -> str:
    try:
        return import_run(import_id=import_id)
    except JobBusy as busy:
        # Another delivery holds the lease (or held it when its worker died): retry after it.
        raise self.retry(countdown=busy.retry_after) from None
    except (OperationalError, InterfaceError) as error:
        # The database went away for a moment; what staging committed is kept and the retry
        # resumes once the lease it held has run out.
        if self.request.retries >= self.max_retries:
            import_fail(import_id, f"database unavailable: {error.__class__.__name__}")
            raise
        raise self.retry(exc=error, countdown=60) from error


@shared_task(bind=True, name="whitelist.push_new_entries", max_retries=30)
def push_new_entries(self, version_id: int, previous_version_id: int | None, actor_id: int) -> int:
    try:
        return new_entries_push(version_id=version_id, previous_version_id=previous_version_id, actor_id=actor_id)
    except (OperationalError, InterfaceError) as error:
        # The database went away for a moment: the push runs again and skips what it pushed.
        raise self.retry(exc=error, countdown=60) from error
