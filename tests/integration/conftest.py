"""A real Celery worker on Redis, working on the test database (PostgreSQL).

The worker is a separate process started once per session; tests that use it need data
that is committed (``transactional_db``), since the worker reads over its own connection.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import pytest
from django.conf import settings
from django.db import connection

from hub.celery import app as celery_app
from tests.conftest import require_service

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


@pytest.fixture(scope="session")
def celery_worker_process(django_db_setup, django_db_blocker, tmp_path_factory):
    require_service("Redis", bool(settings.REDIS_URL), "set REDIS_URL (as .ci/run does)")
    with django_db_blocker.unblock():
        require_service("PostgreSQL", connection.vendor == "postgresql", "set DATABASE_URL to PostgreSQL")
        test_database = connection.settings_dict["NAME"]
    parts = urlsplit(os.environ["DATABASE_URL"])
    database_url = urlunsplit(parts._replace(path=f"/{test_database}"))
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "CELERY_TASK_ALWAYS_EAGER": "0",
        "HUB_TASK_MAX_DELIVERIES": "3",
        # A killed run's lease lapses quickly, so the re-delivered task resumes soon.
        "HUB_PULL_LEASE_SECONDS": "8",
    }
    log = tmp_path_factory.mktemp("worker") / "worker.log"
    celery_app.control.purge()
    worker = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "hub",
            "worker",
            "--queues",
            "default,connectors,imports",
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
            f"test-{os.getpid()}@%h",
        ],
        cwd=ROOT,
        env=env,
        stdout=log.open("w"),
        stderr=subprocess.STDOUT,
    )
    try:
        wait_for(lambda: celery_app.control.ping(timeout=0.5), timeout=60, message=f"the worker (log: {log})")
        yield worker
    finally:
        worker.terminate()
        try:
            worker.wait(timeout=20)
        except subprocess.TimeoutExpired:
            worker.kill()
        print(f"worker log: {log}\n" + log.read_text()[-3000:])
