"""The national link on real Celery workers against the national node simulator over
loopback: every fact type sent and acknowledged; a 503 storm, then recovery, with nothing
lost and nothing twice; a worker killed mid-batch; rejected facts parked while the rest flow;
demands down, claimed, and their outcome up."""

import os
import signal

import pytest
from django.utils import timezone

from connectors.models import NationalDemand, NationalLink, UplinkBatch, UplinkFact
from connectors.national.facts import FACT_TYPES, fact_record
from connectors.national.simulator import NationalConfig, start_national_node
from connectors.tasks import pull_national_demands, send_national_uplink
from hub.celery import app as celery_app
from hub.services.jobs import leased_jobs_reap
from lending.models import Application
from lending.services.applications import application_claim, application_transition
from tests.conftest import require_service
from tests.connectors.national.conftest import NATIONAL_KEY_ID, NATIONAL_SECRET
from tests.connectors.national.flows import every_fact_type
from tests.integration.conftest import SESSION_WORKER, start_worker, stop_worker, wait_for, worker_children, worker_name

pytestmark = pytest.mark.django_db(transaction=True)

LEASE_SECONDS = 8


@pytest.fixture(scope="module")
def national_node():
    node = start_national_node(NationalConfig(key_id=NATIONAL_KEY_ID, secret=NATIONAL_SECRET, province="410000"))
    yield node
    node.stop()


def link_environment(node) -> dict[str, str]:
    return {
        "HUB_NATIONAL_URL": node.base_url,
        "HUB_NATIONAL_KEY_ID": NATIONAL_KEY_ID,
        "HUB_NATIONAL_SECRET": NATIONAL_SECRET,
        "HUB_NATIONAL_REGION_CODE": "410000",
        "HUB_NATIONAL_BATCH_SIZE": "5",
        "HUB_NATIONAL_RETRY_CAP_SECONDS": "2",
        "HUB_NATIONAL_LEASE_SECONDS": str(LEASE_SECONDS),
        "HUB_NATIONAL_WHITELIST_ENTRIES": "1",
        "HUB_CONNECTOR_TIMEOUT_SECONDS": "3",
    }


@pytest.fixture(scope="module")
def national_worker(django_db_setup, django_db_blocker, national_node, tmp_path_factory):
    """A worker of the link's own (the session's worker, if any, stops taking connectors' tasks)."""
    from django.conf import settings
    from django.db import connection

    require_service("Redis", bool(settings.REDIS_URL), "set REDIS_URL (as .ci/run does)")
    with django_db_blocker.unblock():
        require_service("PostgreSQL", connection.vendor == "postgresql", "set DATABASE_URL to PostgreSQL")
    session_worker = worker_name(SESSION_WORKER)
    celery_app.control.cancel_consumer("connectors", destination=[session_worker], reply=True, timeout=1)
    log = tmp_path_factory.mktemp("national-worker") / "worker.log"
    worker = start_worker(log=log, hostname=f"national-{os.getpid()}@%h", environment=link_environment(national_node))
    yield worker
    stop_worker(worker, log)
    celery_app.control.add_consumer("connectors", destination=[session_worker], reply=True, timeout=1)


@pytest.fixture
def link(settings, national_node, national_worker):
    for name, value in link_environment(national_node).items():
        setattr(settings, name, int(value) if value.isdigit() and name != "HUB_NATIONAL_REGION_CODE" else value)
    settings.HUB_NATIONAL_WHITELIST_ENTRIES = True
    national_node.config.unavailable = False
    national_node.config.latency_ms = 0
    national_node.config.reject_types = frozenset()
    return national_node


def kick() -> None:
    """One turn of the schedule, without waiting out the back-off."""
    NationalLink.objects.filter(pk=1).update(retry_at=None)
    send_national_uplink.delay()


def all_acknowledged(keys: set[str], node, *, timeout: float = 90) -> None:
    """The test is the schedule: it queues the sender until every fact has its answer."""

    def done():
        kick()
        pending = UplinkFact.objects.filter(idempotency_key__in=keys, parked=False).exclude(
            batch__status=UplinkBatch.Status.ACKNOWLEDGED
        )
        return not pending.exists() and keys <= set(node.server.received())

    wait_for(done, timeout=timeout, interval=1.5, message="every fact acknowledged")


def record(count: int, fact_type: str = "enterprise_registration") -> set[str]:
    stamp = timezone.now().timestamp()
    return {
        fact_record(
            fact_type, {"n": n}, occurred_at=timezone.now(), key=f"worker:{fact_type}:{stamp}:{n}"
        ).idempotency_key
        for n in range(count)
    }


def test_every_fact_type_is_sent_and_acknowledged_by_the_worker(link, operator, bank, bank_officer):
    every_fact_type(operator=operator, bank=bank, bank_officer=bank_officer, applications=9, prefix="w")
    keys = set(UplinkFact.objects.values_list("idempotency_key", flat=True))

    all_acknowledged(keys, link)

    received = link.server.received()
    assert {received[key].fact_type for key in keys} == set(FACT_TYPES)
    assert all(received[key].accepted and received[key].times == 1 for key in keys)
    assert not UplinkFact.objects.filter(parked=True).exists()


def test_a_503_storm_then_recovery_loses_nothing_and_sends_nothing_twice(link):
    link.config.validate = False
    try:
        link.config.unavailable = True
        keys = record(23)
        wait_for(
            lambda: kick() or NationalLink.get().failures >= 3, timeout=60, interval=1.5, message="failed deliveries"
        )
        assert not keys & set(link.server.received())

        link.config.unavailable = False
        all_acknowledged(keys, link)
    finally:
        link.config.validate = True

    received = link.server.received()
    assert all(received[key].accepted and received[key].times == 1 for key in keys)
    assert NationalLink.get().failures == 0


def test_rejected_facts_are_parked_while_the_rest_flow(link):
    link.config.validate = False
    link.config.reject_types = frozenset({"monthly_statistics"})
    try:
        flowing = record(8) | record(4, "loan_application")
        refused = record(3, "monthly_statistics")
        all_acknowledged(flowing | refused, link)
    finally:
        link.config.validate = True

    parked = UplinkFact.objects.filter(parked=True)
    assert set(parked.values_list("idempotency_key", flat=True)) == refused
    assert set(parked.values_list("reason_code", flat=True)) == {"refused"}
    assert all(link.server.received()[key].accepted for key in flowing)


def test_a_worker_killed_mid_batch_is_followed_by_another_and_nothing_is_stored_twice(
    link, national_node, national_worker, tmp_path
):
    link.config.validate = False
    link.config.latency_ms = 2500  # each batch's answer takes a while: time to kill its worker
    celery_app.control.cancel_consumer(
        "connectors", destination=[worker_name(f"national-{os.getpid()}@%h")], reply=True
    )
    log = tmp_path / "doomed.log"
    doomed = start_worker(
        log=log,
        hostname=f"doomed-national-{os.getpid()}@%h",
        queues="connectors",
        environment={**link_environment(national_node), "HUB_CONNECTOR_TIMEOUT_SECONDS": "10"},
    )
    try:
        keys = record(12)
        send_national_uplink.delay()
        wait_for(lambda: UplinkBatch.objects.filter(status="running").exists(), timeout=30, message="a batch running")
        for pid in [*worker_children(doomed), doomed.pid]:
            os.kill(pid, signal.SIGKILL)
        doomed.wait(timeout=10)
        stranded = UplinkBatch.objects.get(status="running")
    finally:
        celery_app.control.add_consumer(
            "connectors", destination=[worker_name(f"national-{os.getpid()}@%h")], reply=True
        )
        link.config.latency_ms = 0

    # The schedule runs the reaper; here the test does, once the dead run's lease lapsed.
    wait_for(leased_jobs_reap, timeout=LEASE_SECONDS * 4, interval=1, message="the reaper to queue the batch again")
    try:
        all_acknowledged(keys, link)
    finally:
        link.config.validate = True

    stranded.refresh_from_db()
    assert stranded.status == "acknowledged" and stranded.runs == 2
    received = link.server.received()
    assert all(received[key].accepted for key in keys)
    # The killed run's batch may have reached the node before the kill: sent twice, stored once.
    stored = [fact["idempotency_key"] for fact in link.server.facts() if fact["idempotency_key"] in keys]
    assert sorted(stored) == sorted(keys)
    stop_worker(doomed, log)


def test_a_national_demand_comes_down_is_claimed_and_its_outcome_goes_up(link, enterprise, bank_officer):
    national_id = f"CN-W-{int(timezone.now().timestamp())}"
    link.server.add_demand(
        demand_id=national_id,
        uscc=enterprise.code,
        region_code=enterprise.region_code,
        amount="250000.00",
        term_months=24,
    )
    pull_national_demands.delay()
    demand = wait_for(
        lambda: NationalDemand.objects.filter(national_id=national_id).first(), timeout=30, message="the demand"
    )
    application = Application.objects.get(pk=demand.application_id)
    assert application.status == "submitted" and application.enterprise == enterprise

    application_claim(actor=bank_officer, application_id=application.pk)
    application_transition(actor=bank_officer, application_id=application.pk, action="reject", reason_code="other")
    keys = set(
        UplinkFact.objects.filter(fact_type="financing_demand_outcome").values_list("idempotency_key", flat=True)
    )
    all_acknowledged(keys, link)

    outcomes = [
        (fact["data"]["status"], fact["data"]["bank_code"])
        for fact in link.server.facts()
        if fact["type"] == "financing_demand_outcome" and fact["data"]["demand_id"] == national_id
    ]
    assert outcomes == [("claimed", "ZYBANK"), ("rejected", "ZYBANK")]
