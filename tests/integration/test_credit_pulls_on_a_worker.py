"""Credit pulls on a real Celery worker, against real simulated platforms over loopback,
on PostgreSQL and Redis: fan-out, flaky platforms, and a worker killed mid-pull."""

import os
import signal

import pytest

from connectors.models import CreditRecord, PullSource
from connectors.models.pulls import FINISHED
from tests.connectors.factories import ConnectorFactory
from tests.integration.conftest import expected, finished, wait_for, worker_children

pytestmark = pytest.mark.django_db(transaction=True)

URL = "/api/v1/credit-pulls/"


def test_a_full_pull_across_several_platforms_on_the_worker(
    celery_worker_process, api_client_for, bank_officer, enterprise, authorized, simulators
):
    for _ in range(3):
        ConnectorFactory(base_url=simulators(page_size=20).base_url, region_codes=["410000"])

    response = api_client_for(bank_officer).post(URL, {"enterprise": enterprise.code}, format="json")

    assert response.status_code == 202 and response.json()["status"] == "queued"
    pull = finished(response.json()["id"])
    assert pull.status == "succeeded"
    per_source = expected(enterprise, authorized.scopes)
    assert list(pull.sources.values_list("records", flat=True)) == [per_source] * 3
    assert CreditRecord.objects.count() == 3 * per_source


def test_flaky_platforms_end_every_pull_in_a_definite_state_without_duplicates(
    celery_worker_process, api_client_for, bank_officer, enterprise, authorized, simulators
):
    # A third of calls fail (503 or 429), records come malformed and repeated.
    for seed in ("flaky-1", "flaky-2"):
        simulator = simulators(
            error_rate=0.25, rate_limit_rate=0.08, malformed_rate=0.1, duplicate_rate=0.2, page_size=10, seed=seed
        )
        ConnectorFactory(base_url=simulator.base_url)
    client = api_client_for(bank_officer)

    pull_ids = [client.post(URL, {"enterprise": enterprise.code}, format="json").json()["id"] for _ in range(3)]

    for pull_id in pull_ids:
        pull = finished(pull_id, timeout=180)
        assert pull.status in ("succeeded", "partial", "failed")
        assert all(source.status in FINISHED for source in pull.sources.all())
    keys = list(CreditRecord.objects.values_list("connector_id", "category", "source_id"))
    assert len(keys) == len(set(keys)) > 0
    assert PullSource.objects.filter(skipped__gt=0).exists()


def test_a_worker_killed_mid_pull_leaves_a_pull_that_completes_once(
    celery_worker_process, api_client_for, bank_officer, enterprise, authorized, simulators
):
    simulator = simulators(latency_ms=150, page_size=4, seed="slow")
    ConnectorFactory(base_url=simulator.base_url)
    pull_id = api_client_for(bank_officer).post(URL, {"enterprise": enterprise.code}, format="json").json()["id"]
    wait_for(lambda: PullSource.objects.filter(pull_id=pull_id, pages__gte=3).exists(), timeout=60, message="progress")

    for pid in worker_children(celery_worker_process):
        os.kill(pid, signal.SIGKILL)

    pull = finished(pull_id, timeout=120)
    assert pull.status == "succeeded"
    assert pull.runs == 2  # the killed run and the one that resumed it
    assert CreditRecord.objects.count() == expected(enterprise, authorized.scopes, seed="slow")
    assert celery_worker_process.poll() is None
