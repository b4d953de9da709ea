"""Tasks on a real worker: delivered after commit, re-delivered when a worker dies, parked
when they keep killing it."""

from datetime import timedelta

import pytest
from django.utils import timezone

from hub.models import IdempotencyRecord, ParkedTask
from hub.tasks import purge_idempotency_keys
from tests.integration.conftest import wait_for
from tests.integration.worker_tasks import kill_own_worker

pytestmark = pytest.mark.django_db(transaction=True)


def test_a_scheduled_task_runs_on_the_worker(celery_worker_process):
    record = IdempotencyRecord.objects.create(scope="s", key="old", request_hash="h")
    IdempotencyRecord.objects.filter(pk=record.pk).update(created_at=timezone.now() - timedelta(days=2))

    purge_idempotency_keys.delay()

    wait_for(lambda: not IdempotencyRecord.objects.filter(pk=record.pk).exists(), timeout=30, message="the purge")


def test_a_task_that_keeps_killing_its_worker_is_parked_with_its_error(celery_worker_process):
    result = kill_own_worker.delay()

    parked = wait_for(lambda: ParkedTask.objects.filter(task_id=result.id).first(), timeout=90, message="parking")

    assert parked.task_name == "tests.integration.kill_own_worker"
    assert parked.deliveries == 3
    assert "worker died" in parked.error
    # The worker survived its children's deaths and still takes work.
    assert celery_worker_process.poll() is None
    test_a_scheduled_task_runs_on_the_worker(celery_worker_process)
