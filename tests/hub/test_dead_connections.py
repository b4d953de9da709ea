"""When PostgreSQL drops the hub's connections (a restart, a failover, an administrator's
pg_terminate_backend), the next requests are answered by live connections: a pooled
connection is checked before it is handed out, so no request meets a dead one."""

import pytest
import requests
from django.db import connection

from tests.conftest import require_service


@pytest.mark.django_db(transaction=True)
def test_requests_after_the_servers_connections_were_terminated_are_answered(live_server):
    require_service("PostgreSQL", connection.vendor == "postgresql", "set DATABASE_URL to a PostgreSQL database")
    with requests.Session() as session:
        # Several at once, so the pool holds more than one connection when they are cut.
        for _ in range(5):
            assert session.get(f"{live_server.url}/readyz", timeout=10).status_code == 200

        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity"
                " WHERE datname = current_database() AND pid <> pg_backend_pid()"
            )
            (terminated,) = cursor.fetchone()
        assert terminated >= 1

        answers = [session.get(f"{live_server.url}/readyz", timeout=10) for _ in range(20)]

    assert [answer.status_code for answer in answers] == [200] * 20
    assert {answer.json()["checks"]["database"] for answer in answers} == {"ok"}
