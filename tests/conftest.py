"""Fixtures shared by every test: personas, API clients, and the rules for services.

Personas (STYLE.md rule 8): ``operator`` (hub operator), ``enterprise_admin`` and its
``enterprise``, ``bank_officer`` of ``bank``, ``regulator_user``, ``platform_admin`` and an
``outsider`` — an admin of another enterprise.
"""

from __future__ import annotations

import ipaddress
import os

import pytest
from django.conf import settings as django_settings
from django.core.cache import cache
from django.utils import translation
from rest_framework.test import APIClient

from hub.celery import app as celery_app
from hub.services.tokens import api_token_issue
from tests.hub.factories import PASSWORD, OrganizationFactory, UserFactory

IN_CI = os.environ.get("CI") == "true"


def require_service(name: str, available: bool, how: str) -> None:
    """Skip a test that needs a real service outside CI; in CI the same test fails."""
    if available:
        return
    message = f"needs {name}: {how}"
    if IN_CI:
        pytest.fail(message, pytrace=False)
    pytest.skip(message)


def pytest_sessionfinish(session, exitstatus):
    reporter = session.config.pluginmanager.get_plugin("terminalreporter")
    skipped = len(reporter.stats.get("skipped", [])) if reporter else 0
    if IN_CI and skipped and session.exitstatus == 0:
        reporter.write_line(f"CI=true: {skipped} test(s) were skipped; in CI every test must run.", red=True)
        session.exitstatus = 1


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    # Production hashing is deliberately slow; tests create many users.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def _is_transactional(request) -> bool:
    marker = request.node.get_closest_marker("django_db")
    return bool(marker and marker.kwargs.get("transaction")) or bool(
        {"transactional_db", "live_server"} & set(request.fixturenames)
    )


@pytest.fixture(autouse=True)
def _audit_guard_lets_sqlite_flush(request, django_db_blocker):
    """Transactional tests empty every table afterwards. PostgreSQL does that with TRUNCATE,
    which the audit guard allows; SQLite only has DELETE, which the guard refuses, so the
    guard is lifted for that reset and put back for the next test."""
    from django.db import connection

    from hub import audit_guard

    uses_db = request.node.get_closest_marker("django_db") or {"db", "transactional_db", "live_server"} & set(
        request.fixturenames
    )
    if not uses_db or connection.vendor != "sqlite":
        yield
        return
    with django_db_blocker.unblock():
        audit_guard.install(connection)
    yield
    if _is_transactional(request):
        with django_db_blocker.unblock():
            audit_guard.lift(connection)


@pytest.fixture(autouse=True)
def _audit_checkpoints_of_this_test(settings, tmp_path_factory):
    """Each test writes its audit checkpoints to a directory of its own, and sends none."""
    settings.HUB_AUDIT_CHECKPOINT_DIR = tmp_path_factory.mktemp("audit-checkpoints")
    settings.HUB_AUDIT_CHECKPOINT_URL = ""


@pytest.fixture(autouse=True)
def _simulators_on_loopback_allowed(settings):
    """The reference platforms of the tests listen on loopback, which connectors may reach
    only when allowed explicitly: the tests allow it as `make run` does
    (HUB_OUTBOUND_ALLOWED_NETWORKS); the tests of the refusals take it away."""
    settings.HUB_OUTBOUND_ALLOWED_NETWORKS = [ipaddress.ip_network("127.0.0.0/8")]


@pytest.fixture(autouse=True)
def _default_language():
    """Every test starts in the hub's default language, whatever an earlier one activated
    (a language left active made the schema snapshot read its labels in English)."""
    translation.activate(django_settings.LANGUAGE_CODE)
    yield
    translation.activate(django_settings.LANGUAGE_CODE)


@pytest.fixture(autouse=True)
def _fresh_cache():
    cache.clear()
    yield
    cache.clear()


@pytest.fixture(autouse=True)
def _tasks_in_process(request):
    """Unit tests run tasks in-process; integration tests send them to the real worker."""
    eager = request.node.get_closest_marker("integration") is None
    previous = celery_app.conf.task_always_eager
    celery_app.conf.task_always_eager = eager
    yield
    celery_app.conf.task_always_eager = previous


# --- personas ---------------------------------------------------------------------------------


@pytest.fixture
def operator(db):
    return UserFactory(operator=True, username="operator")


@pytest.fixture
def enterprise(db):
    return OrganizationFactory(kind="enterprise", name="郑州某某科技有限公司", region_code="410105")


@pytest.fixture
def enterprise_admin(enterprise):
    return UserFactory(organization=enterprise, role="admin", username="ent-admin")


@pytest.fixture
def bank(db):
    return OrganizationFactory(kind="bank", code="ZYBANK", name="中原银行", region_code="410100")


@pytest.fixture
def bank_officer(bank):
    return UserFactory(organization=bank, role="staff", username="bank-officer")


@pytest.fixture
def bank_admin(bank):
    """The bank's administrator: manages its people and its webhooks."""
    return UserFactory(organization=bank, role="admin", username="bank-admin")


@pytest.fixture
def regulator_user(db):
    regulator = OrganizationFactory(kind="regulator", code="PBC-HN", name="人民银行河南省分行", region_code="410000")
    return UserFactory(organization=regulator, role="admin", username="regulator")


@pytest.fixture
def platform_admin(db):
    platform = OrganizationFactory(kind="platform", code="ZZ-CREDIT", name="郑州市信用平台", region_code="410100")
    return UserFactory(organization=platform, role="admin", username="platform-admin")


@pytest.fixture
def outsider(db):
    other = OrganizationFactory(kind="enterprise", name="洛阳另一家公司", region_code="410300")
    return UserFactory(organization=other, role="admin", username="outsider")


# --- API clients ------------------------------------------------------------------------------


@pytest.fixture
def anonymous_client():
    return APIClient()


@pytest.fixture
def logged_in(client):
    """``logged_in(user)`` → the test client with that user's session (the pages' way in)."""

    def login(user):
        client.force_login(user)
        return client

    return login


@pytest.fixture
def api_client_for():
    """``api_client_for(user)`` → an APIClient sending that user's fresh bearer token."""

    def make(user):
        token, _record = api_token_issue(username=user.username, password=PASSWORD)
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")
        client.user = user
        return client

    return make
