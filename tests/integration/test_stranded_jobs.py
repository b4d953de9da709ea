"""A worker that dies whole (its main process too, as a machine would) takes its task's
message with it: the broker re-delivers it only after the visibility timeout, an hour by
default. The reaper queues the job again as soon as its lease lapses, so another worker
finishes it in about one lease."""

import os
import signal

import pytest

from connectors.models import CreditRecord, PullSource
from hub.celery import app as celery_app
from hub.services.jobs import leased_jobs_reap
from tests.connectors.factories import ConnectorFactory
from tests.integration.conftest import (
    SESSION_WORKER,
    expected,
    finished,
    start_worker,
    stop_worker,
    wait_for,
    worker_children,
    worker_name,
)
from tests.integration.test_credit_pulls_on_a_worker import URL

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def session_worker_off_the_connectors_queue(celery_worker_process):
    """The session's worker stops taking pulls while a worker of the test's own takes one."""
    session_worker = worker_name(SESSION_WORKER)
    celery_app.control.cancel_consumer("connectors", destination=[session_worker], reply=True)
    yield lambda: celery_app.control.add_consumer("connectors", destination=[session_worker], reply=True)
    celery_app.control.add_consumer("connectors", destination=[session_worker], reply=True)


@pytest.fixture
def doomed_worker(tmp_path):
    """A worker of the test's own on the connectors queue, gone when the test ends whatever
    happens: one left behind would take later tests' pulls."""
    log = tmp_path / "doomed-worker.log"
    worker = start_worker(log=log, hostname=f"doomed-{os.getpid()}@%h", queues="connectors")
    yield worker
    if worker.poll() is None:
        for pid in worker_children(worker):
            os.kill(pid, signal.SIGKILL)
        stop_worker(worker, log)


def test_a_pull_whose_worker_died_whole_is_finished_by_another_after_one_lease(
    session_worker_off_the_connectors_queue,
    doomed_worker,
    api_client_for,
    bank_officer,
    enterprise,
    authorized,
    simulators,
):
    ConnectorFactory(base_url=simulators(latency_ms=150, page_size=4, seed="slow").base_url)
    doomed = doomed_worker
    pull_id = api_client_for(bank_officer).post(URL, {"enterprise": enterprise.code}, format="json").json()["id"]
    wait_for(lambda: PullSource.objects.filter(pull_id=pull_id, pages__gte=3).exists(), timeout=60, message="progress")

    for pid in [*worker_children(doomed), doomed.pid]:
        os.kill(pid, signal.SIGKILL)
    doomed.wait(timeout=10)
    session_worker_off_the_connectors_queue()  # a live worker takes pulls again

    # The schedule runs the reaper every HUB_JOB_REAP_SECONDS; here the test is the schedule.
    # The worker's lease is 8 s: the pull is queued again once that has lapsed.
    wait_for(leased_jobs_reap, timeout=30, interval=1, message="the reaper to queue the pull again")

    pull = finished(pull_id, timeout=60)
    assert pull.status == "succeeded"
    assert pull.runs == 2  # the run that died and the one that resumed it
    assert CreditRecord.objects.count() == expected(enterprise, authorized.scopes, seed="slow")
