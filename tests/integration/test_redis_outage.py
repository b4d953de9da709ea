"""Redis down is not everything down. The hub runs under gunicorn with a worker and its
schedule (celery beat), all on a Redis of the test's own, which the test kills and restarts:
while it is down the API answers (the cache and throttles degrade), /readyz says what is down,
work queued meanwhile waits in the database, and when Redis returns that work is sent and
what was running finishes."""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
from pathlib import Path

import pytest
import requests
from django.contrib.auth.hashers import PBKDF2PasswordHasher

from connectors.models import PullSource
from hub.services.tokens import api_token_issue
from tests.connectors.factories import ConnectorFactory
from tests.hub.factories import PASSWORD
from tests.integration.conftest import ROOT, expected, finished, wait_for, worker_environment

pytestmark = pytest.mark.django_db(transaction=True)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class PrivateRedis:
    """A redis-server of the test's own, to kill and restart without touching the suite's."""

    def __init__(self, directory: Path):
        self.port, self.directory, self.process = free_port(), directory, None
        self.url = f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        binary = shutil.which("redis-server") or "/usr/bin/redis-server"
        self.process = subprocess.Popen(
            [binary, "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
            cwd=self.directory,
            stdout=subprocess.DEVNULL,
        )
        wait_for(self._answers, timeout=10, message="the private Redis")

    def kill(self) -> None:
        self.process.send_signal(signal.SIGKILL)
        self.process.wait(timeout=10)

    def _answers(self) -> bool:
        try:
            with socket.create_connection(("127.0.0.1", self.port), timeout=0.5) as connection:
                connection.sendall(b"PING\r\n")
                return connection.recv(16).startswith(b"+PONG")
        except OSError:
            return False


@pytest.fixture
def private_redis(tmp_path):
    redis = PrivateRedis(tmp_path)
    redis.start()
    yield redis
    if redis.process.poll() is None:
        redis.kill()


def _spawn(arguments: list[str], *, redis: PrivateRedis, log: Path, **extra_env) -> subprocess.Popen:
    env = {**worker_environment(), "REDIS_URL": redis.url, "HUB_JOB_REAP_SECONDS": "1", **extra_env}
    return subprocess.Popen(arguments, cwd=ROOT, env=env, stdout=log.open("w"), stderr=subprocess.STDOUT)


@pytest.fixture
def hub_on_private_redis(private_redis, tmp_path, celery_worker_process):
    """gunicorn, and a worker with its schedule embedded (-B), on the private Redis."""
    port = free_port()
    web_log, worker_log = tmp_path / "web.log", tmp_path / "worker.log"
    web = _spawn(
        [
            sys.executable,
            "-m",
            "gunicorn",
            "hub.wsgi:application",
            "-b",
            f"127.0.0.1:{port}",
            "-w",
            "1",
            "--threads",
            "4",
        ],
        redis=private_redis,
        log=web_log,
    )
    worker = _spawn(
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "hub",
            "worker",
            "-B",
            "--schedule",
            str(tmp_path / "beat"),
            "--queues",
            "default,connectors,imports,webhooks",
            "--concurrency",
            "2",
            "--loglevel",
            "INFO",
            "--without-gossip",
            "--without-mingle",
            "--hostname",
            f"outage-{os.getpid()}@%h",
        ],
        redis=private_redis,
        log=worker_log,
    )
    base_url = f"http://127.0.0.1:{port}"
    try:
        wait_for(lambda: _get(f"{base_url}/healthz") == 200, timeout=30, message=f"gunicorn (log: {web_log})")
        wait_for(lambda: " ready." in worker_log.read_text(), timeout=60, message=f"the worker (log: {worker_log})")
        yield base_url
    finally:
        for process in (web, worker):
            process.terminate()
        for process in (web, worker):
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()
        print("web log:\n" + web_log.read_text()[-3000:] + "\nworker log:\n" + worker_log.read_text()[-5000:])


def _get(url: str) -> int | None:
    try:
        return requests.get(url, timeout=5).status_code
    except requests.RequestException:
        return None


@pytest.fixture
def bank_token(bank_officer, authorized, settings):
    # The hub's own hasher, not the tests' fast one: gunicorn checks the password too.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.PBKDF2PasswordHasher", *settings.PASSWORD_HASHERS]
    bank_officer.password = PBKDF2PasswordHasher().encode(PASSWORD, PBKDF2PasswordHasher().salt())
    bank_officer.save(update_fields=["password"])
    token, _ = api_token_issue(username=bank_officer.username, password=PASSWORD)
    return {"Authorization": f"Bearer {token}"}


def test_with_redis_down_the_api_answers_and_queued_work_is_sent_when_it_returns(
    hub_on_private_redis, private_redis, bank_officer, bank_token, enterprise, authorized, simulators
):
    ConnectorFactory(base_url=simulators(page_size=50, seed="outage").base_url)
    base_url = hub_on_private_redis

    private_redis.kill()

    token = requests.post(
        f"{base_url}/api/v1/auth/token/", json={"username": bank_officer.username, "password": PASSWORD}, timeout=30
    )
    listed = requests.get(f"{base_url}/api/v1/authorizations/", headers=bank_token, timeout=30)
    ready = requests.get(f"{base_url}/readyz", timeout=30)
    pull = requests.post(
        f"{base_url}/api/v1/credit-pulls/", json={"enterprise": enterprise.code}, headers=bank_token, timeout=30
    )

    assert token.status_code == 200, token.text
    assert listed.status_code == 200, listed.text
    # Requests are served, so the instance stays in rotation; what is down is named.
    assert ready.status_code == 200
    assert ready.json()["status"] == "degraded"
    assert ready.json()["checks"]["database"] == "ok"
    assert ready.json()["checks"]["redis"].startswith("error")
    assert pull.status_code == 202, pull.text
    assert pull.json()["status"] == "queued"

    private_redis.start()

    # The worker's schedule sends what waited in the database; the pull runs to its end.
    assert finished(pull.json()["id"], timeout=90).status == "succeeded"
    assert requests.get(f"{base_url}/readyz", timeout=30).json()["status"] == "ok"


def test_a_pull_running_when_redis_dies_finishes_when_it_returns(
    hub_on_private_redis, private_redis, bank_token, enterprise, authorized, simulators
):
    ConnectorFactory(base_url=simulators(latency_ms=150, page_size=4, seed="outage-slow").base_url)
    base_url = hub_on_private_redis
    answer = requests.post(
        f"{base_url}/api/v1/credit-pulls/", json={"enterprise": enterprise.code}, headers=bank_token, timeout=30
    )
    assert answer.status_code == 202, answer.text
    pull_id = answer.json()["id"]
    wait_for(lambda: PullSource.objects.filter(pull_id=pull_id, pages__gte=2).exists(), timeout=60, message="progress")

    private_redis.kill()
    pages = PullSource.objects.get(pull_id=pull_id).pages
    # The pull goes on without Redis (its circuit breaker degrades): more pages arrive.
    wait_for(
        lambda: PullSource.objects.get(pull_id=pull_id).pages > pages + 2, timeout=30, message="pages without Redis"
    )
    private_redis.start()

    pull = finished(pull_id, timeout=120)
    assert pull.status == "succeeded"
    assert pull.sources.get().records == expected(enterprise, authorized.scopes, seed="outage-slow")
