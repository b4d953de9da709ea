"""The documented production settings over a real gunicorn, as nginx reaches it: a request
that nginx says arrived over HTTPS (``X-Forwarded-Proto: https``) gets HSTS and the content
security policy; one that arrived over plain HTTP is sent to HTTPS."""

from __future__ import annotations

import http.client
import socket
import subprocess
import sys
import time

import pytest

from tests.deploy.helpers import DEPLOY, ROOT, production_env

HOST = "hub.example.org"


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def production_gunicorn(tmp_path):
    """gunicorn started as deploy/web.sh starts it, with deploy/hub.env.example's settings
    (real keys, SQLite instead of PostgreSQL: these pages read no table)."""
    port = _free_port()
    env = production_env(DATABASE_URL=f"sqlite:///{tmp_path / 'hub.sqlite3'}", STATIC_ROOT=str(tmp_path / "static"))
    env |= {"GUNICORN_BIND": f"127.0.0.1:{port}", "GUNICORN_WORKERS": "1", "HOME": str(tmp_path)}
    process = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "--config", str(DEPLOY / "gunicorn.conf.py"), "hub.wsgi:application"],
        cwd=ROOT,
        env=env | {"PYTHONPATH": str(ROOT)},
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                if process.poll() is not None or time.monotonic() > deadline:
                    output = process.stdout.read().decode() if process.poll() is not None else ""
                    pytest.fail(f"gunicorn did not start: {output}", pytrace=False)
                time.sleep(0.2)
        yield port
    finally:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def _get(port: int, path: str, **headers: str) -> http.client.HTTPResponse:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    connection.request("GET", path, headers={"Host": HOST, **headers})
    response = connection.getresponse()
    response.read()
    connection.close()
    return response


def test_a_request_nginx_received_over_https_gets_hsts_for_a_year(production_gunicorn):
    response = _get(production_gunicorn, "/login/", **{"X-Forwarded-Proto": "https"})

    assert response.status == 200
    assert response.getheader("Strict-Transport-Security") == "max-age=31536000; includeSubDomains"
    assert "script-src 'self'" in response.getheader("Content-Security-Policy", "")


def test_a_request_nginx_received_over_plain_http_is_sent_to_https_without_hsts(production_gunicorn):
    response = _get(production_gunicorn, "/login/", **{"X-Forwarded-Proto": "http"})

    assert response.status == 301
    assert response.getheader("Location") == f"https://{HOST}/login/"
    assert response.getheader("Strict-Transport-Security") is None


def test_the_health_checks_answer_over_plain_http(production_gunicorn):
    response = _get(production_gunicorn, "/healthz")

    assert response.status == 200
