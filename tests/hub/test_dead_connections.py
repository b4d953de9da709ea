"""When PostgreSQL drops the hub's connections (a restart, a failover, an administrator's
pg_terminate_backend), the next requests are answered by live connections: a connection is
checked before a request gets it, and the first dead one found sends the whole pool through
the same check, so no request meets a dead connection or waits for the pool to heal."""

from concurrent.futures import ThreadPoolExecutor

import pytest
import requests
from django.db import connection

from tests.conftest import require_service


def _terminate_every_other_connection() -> int:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity"
            " WHERE datname = current_database() AND pid <> pg_backend_pid()"
        )
        (terminated,) = cursor.fetchone()
    return terminated


@pytest.mark.django_db(transaction=True)
def test_requests_after_the_servers_connections_were_terminated_are_answered(live_server):
    require_service("PostgreSQL", connection.vendor == "postgresql", "set DATABASE_URL to a PostgreSQL database")
    url = f"{live_server.url}/readyz"
    # Many requests at once, so the pool holds many connections when they are cut: a pool
    # that found its dead connections one at a time, backing off between them, made the first
    # request wait out the pool's timeout.
    with ThreadPoolExecutor(max_workers=10) as threads:
        warm = list(threads.map(lambda _: requests.get(url, timeout=30).status_code, range(40)))
    assert warm == [200] * 40

    assert _terminate_every_other_connection() >= 2

    with requests.Session() as session:
        answers = [session.get(url, timeout=30) for _ in range(20)]

    assert [answer.status_code for answer in answers] == [200] * 20
    assert {answer.json()["checks"]["database"] for answer in answers} == {"ok"}


@pytest.mark.django_db(transaction=True)
def test_concurrent_requests_after_the_connections_were_terminated_are_answered(live_server):
    require_service("PostgreSQL", connection.vendor == "postgresql", "set DATABASE_URL to a PostgreSQL database")
    url = f"{live_server.url}/readyz"
    with ThreadPoolExecutor(max_workers=10) as threads:
        assert list(threads.map(lambda _: requests.get(url, timeout=30).status_code, range(40))) == [200] * 40
        assert _terminate_every_other_connection() >= 2
        answers = list(threads.map(lambda _: requests.get(url, timeout=30), range(40)))

    assert [answer.status_code for answer in answers] == [200] * 40
