"""A real Celery worker on Redis, working on the test database (PostgreSQL).

The worker is a separate process started once per session; tests that use it need data
that is committed (``transactional_db``), since the worker reads over its own connection.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import pytest
from django.conf import settings
from django.db import connection

from connectors.models import CreditPull
from connectors.models.pulls import FINISHED
from connectors.simulator.data import records_for
from connectors.simulator.server import SimulatorConfig, start_simulator
from hub.celery import app as celery_app
from tests.conftest import require_service
from tests.connectors.factories import SECRET, AuthorizationFactory

ROOT = Path(__file__).resolve().parents[2]


def pytest_collection_modifyitems(items):
    for item in items:
        if "tests/integration/" in str(item.fspath):
            item.add_marker(pytest.mark.integration)


def worker_children(worker: subprocess.Popen) -> list[int]:
    """The pool processes of a prefork worker: where its tasks run."""
    children = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == worker.pid:
            children.append(int(stat.parent.name))
    return children


def wait_for(predicate, *, timeout: float, interval: float = 0.2, message: str = "condition"):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        result = predicate()
        if result:
            return result
        time.sleep(interval)
    raise AssertionError(f"timed out after {timeout}s waiting for {message}")


def worker_environment() -> dict[str, str]:
    """The environment of a worker on the test database (committed data only)."""
    parts = urlsplit(os.environ["DATABASE_URL"])
    database_url = urlunsplit(parts._replace(path=f"/{connection.settings_dict['NAME']}"))
    return {
        **os.environ,
        "DATABASE_URL": database_url,
        "CELERY_TASK_ALWAYS_EAGER": "0",
        "HUB_TASK_MAX_DELIVERIES": "3",
        # A killed run's lease lapses quickly, so the re-delivered task resumes soon.
        "HUB_PULL_LEASE_SECONDS": "8",
        "HUB_WEBHOOK_LEASE_SECONDS": "6",
        # The simulators listen on loopback (as tests/conftest.py allows in this process).
        "HUB_OUTBOUND_ALLOWED_NETWORKS": "127.0.0.0/8",
    }


def start_worker(
    *, log: Path, hostname: str, queues: str = "default,connectors,imports,webhooks", environment: dict | None = None
) -> subprocess.Popen:
    """A prefork worker of two processes, answering a ping before this returns; ``environment``
    adds to (or overrides) the worker's."""
    worker = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "hub",
            "worker",
            "--queues",
            queues,
            "--concurrency",
            "2",
            "--pool",
            "prefork",
            "--loglevel",
            "INFO",
            "--without-gossip",
            "--without-mingle",
            "--include",
            "tests.integration.worker_tasks",
            "--hostname",
            hostname,
        ],
        cwd=ROOT,
        env={**worker_environment(), **(environment or {})},
        stdout=log.open("w"),
        stderr=subprocess.STDOUT,
    )
    full_name = worker_name(hostname)
    try:
        wait_for(
            lambda: celery_app.control.ping(destination=[full_name], timeout=0.5),
            timeout=60,
            message=f"the worker {full_name} (log: {log})",
        )
    except BaseException:
        worker.kill()  # a worker left behind would take later tests' tasks
        raise
    return worker


def stop_worker(worker: subprocess.Popen, log: Path) -> None:
    worker.terminate()
    try:
        worker.wait(timeout=20)
    except subprocess.TimeoutExpired:
        worker.kill()
    print(f"worker log: {log}\n" + log.read_text()[-3000:])


SESSION_WORKER = f"test-{os.getpid()}@%h"


@pytest.fixture(scope="session")
def celery_worker_process(django_db_setup, django_db_blocker, tmp_path_factory):
    require_service("Redis", bool(settings.REDIS_URL), "set REDIS_URL (as .ci/run does)")
    with django_db_blocker.unblock():
        require_service("PostgreSQL", connection.vendor == "postgresql", "set DATABASE_URL to PostgreSQL")
    log = tmp_path_factory.mktemp("worker") / "worker.log"
    celery_app.control.purge()
    worker = start_worker(log=log, hostname=SESSION_WORKER)
    try:
        yield worker
    finally:
        stop_worker(worker, log)


def worker_name(hostname: str) -> str:
    """A worker's name as the broker knows it (``%h`` is this machine's host name)."""
    return hostname.replace("%h", socket.gethostname())


# --- credit pulls on the worker ---------------------------------------------------------------


@pytest.fixture
def simulators():
    running = []

    def start(**overrides):
        simulator = start_simulator(
            SimulatorConfig(**{"key_id": "hub", "secret": SECRET, "seed": "worker", **overrides})
        )
        running.append(simulator)
        return simulator

    yield start
    for simulator in running:
        simulator.stop()


@pytest.fixture
def authorized(enterprise, bank, enterprise_admin):
    return AuthorizationFactory(enterprise=enterprise, bank=bank, granted_by=enterprise_admin)


def expected(enterprise, categories, seed="worker"):
    return sum(len(records_for(enterprise.code, category, seed=seed)) for category in categories)


def finished(pull_id, timeout=120):
    return wait_for(
        lambda: (pull := CreditPull.objects.get(pk=pull_id)).status in FINISHED and pull,
        timeout=timeout,
        interval=0.3,
        message=f"pull {pull_id} to finish",
    )
