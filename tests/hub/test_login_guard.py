"""Password guessing: every login path (the token API, the login page, the administration's
login, and anything else that calls ``authenticate()``) goes through one guard that counts
failures per client address and per account. Too many from one address → refused for the rest
of the window (429 with Retry-After in the API, the form's error on pages); too many on one
account → the account is locked for a while, in the database, audited once and its
organization (the hub operator, for an operator account) told once. Unknown accounts answer
exactly as known ones, so the answers never say whether an account exists."""

import os
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.contrib.auth import authenticate
from django.contrib.auth.models import AnonymousUser
from django.core.cache import cache
from django.utils import timezone
from django.utils.html import escape
from django.utils.translation import override

from hub.client_address import trusted_proxies_parse
from hub.models import AuditEvent, Notification, User
from hub.services.logins import LoginRefused, Messages
from hub.web.errors import DomainErrorMiddleware
from tests.conftest import require_service
from tests.hub.factories import PASSWORD, UserFactory

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parents[2]
TOKEN_URL = "/api/v1/auth/token/"
WRONG = "Wrong-horse-1"


def token_attempt(client, username="bank-officer", password=WRONG, **extra):
    return client.post(TOKEN_URL, {"username": username, "password": password}, format="json", **extra)


def page_attempt(client, url, username="bank-officer", password=WRONG, **extra):
    return client.post(url, {"username": username, "password": password}, **extra)


def form_errors(response) -> list[str]:
    return list(response.context["form"].non_field_errors())


def lock_message(minutes=15) -> str:
    return Messages.ACCOUNT_LOCKED % {"minutes": minutes}


def is_address_message(text: str) -> bool:
    return text in {Messages.ADDRESS_THROTTLED % {"minutes": minutes} for minutes in range(1, 16)}


@pytest.fixture
def later(monkeypatch):
    """``later(minutes)`` moves the hub's clock forward."""
    real_now = timezone.now

    def move(minutes):
        monkeypatch.setattr(timezone, "now", lambda: real_now() + timedelta(minutes=minutes))

    return move


@pytest.fixture
def bank_admin(bank):
    return UserFactory(organization=bank, role="admin", username="bank-admin")


# --- per address ---------------------------------------------------------------------------


def test_75_wrong_passwords_with_a_new_forwarded_address_each_are_throttled_well_before_75(anonymous_client):
    responses = [
        token_attempt(anonymous_client, username=f"guess{n}", HTTP_X_FORWARDED_FOR=f"203.0.113.{n}") for n in range(75)
    ]

    statuses = [response.status_code for response in responses]
    assert statuses[:20] == [401] * 20
    assert statuses[20:] == [429] * 55
    refused = responses[20]
    assert refused.json()["error"]["code"] == "login_throttled"
    assert 0 < int(refused["Retry-After"]) <= 15 * 60


def test_the_address_limit_refuses_even_the_right_password(anonymous_client, bank_officer):
    for n in range(20):
        token_attempt(anonymous_client, username=f"guess{n}")

    response = token_attempt(anonymous_client, password=PASSWORD)

    assert response.status_code == 429
    assert response.json()["error"]["code"] == "login_throttled"


def test_behind_a_trusted_proxy_each_forwarded_client_has_its_own_budget(anonymous_client, bank_officer, settings):
    settings.HUB_TRUSTED_PROXIES = trusted_proxies_parse(["127.0.0.1"])
    for n in range(20):
        token_attempt(anonymous_client, username=f"guess{n}", HTTP_X_FORWARDED_FOR="203.0.113.9")

    guesser = token_attempt(anonymous_client, username="guess99", HTTP_X_FORWARDED_FOR="203.0.113.9")
    colleague = token_attempt(anonymous_client, password=PASSWORD, HTTP_X_FORWARDED_FOR="198.51.100.20")

    assert guesser.status_code == 429
    assert colleague.status_code == 200


def test_an_ipv6_network_counts_as_one_address(anonymous_client):
    statuses = [
        token_attempt(anonymous_client, username=f"guess{n}", REMOTE_ADDR=f"2001:db8:1:2::{n + 1:x}").status_code
        for n in range(21)
    ]

    assert statuses[-1] == 429


# --- per account ------------------------------------------------------------------------------


def test_an_account_is_locked_after_five_failures_and_then_refuses_the_right_password(anonymous_client, bank_officer):
    statuses = [token_attempt(anonymous_client).status_code for _ in range(5)]
    right = token_attempt(anonymous_client, password=PASSWORD)

    assert statuses == [401, 401, 401, 401, 429]
    assert right.status_code == 429
    assert right.json()["error"] == {"code": "account_locked", "message": lock_message()}
    assert 14 * 60 < int(right["Retry-After"]) <= 15 * 60
    bank_officer.refresh_from_db()
    assert bank_officer.locked_until > timezone.now() + timedelta(minutes=14)


def test_during_a_lock_a_wrong_and_a_right_password_get_the_same_answer(anonymous_client, bank_officer):
    for _ in range(5):
        token_attempt(anonymous_client)

    wrong, right = token_attempt(anonymous_client), token_attempt(anonymous_client, password=PASSWORD)

    assert (wrong.status_code, wrong.json()) == (right.status_code, right.json())


def test_an_unknown_account_answers_exactly_as_a_known_one(anonymous_client, bank_officer):
    known = [token_attempt(anonymous_client).json() for _ in range(6)]
    unknown = [token_attempt(anonymous_client, username="nobody").json() for _ in range(6)]

    assert known == unknown


def test_the_count_ignores_case_and_width_of_the_username(anonymous_client, bank_officer):
    for username in ["Bank-Officer", "BANK-OFFICER", "ｂａｎｋ-officer", "bank-officer"]:
        token_attempt(anonymous_client, username=username)

    assert token_attempt(anonymous_client).json()["error"]["code"] == "account_locked"


def test_a_successful_login_resets_the_accounts_count(anonymous_client, bank_officer):
    for _ in range(4):
        token_attempt(anonymous_client)
    assert token_attempt(anonymous_client, password=PASSWORD).status_code == 200

    statuses = [token_attempt(anonymous_client).status_code for _ in range(4)]

    assert statuses == [401] * 4
    assert token_attempt(anonymous_client, password=PASSWORD).status_code == 200


def test_the_lock_lapses(anonymous_client, bank_officer, later):
    for _ in range(5):
        token_attempt(anonymous_client)

    later(16)

    assert token_attempt(anonymous_client, password=PASSWORD).status_code == 200


def test_after_a_lock_lapses_the_account_has_its_full_count_again(anonymous_client, bank_officer, later):
    for _ in range(5):
        token_attempt(anonymous_client)
    later(16)

    statuses = [token_attempt(anonymous_client).status_code for _ in range(5)]

    assert statuses == [401, 401, 401, 401, 429]


def test_a_lock_survives_a_cache_flush(anonymous_client, bank_officer):
    for _ in range(5):
        token_attempt(anonymous_client)

    cache.clear()

    assert token_attempt(anonymous_client, password=PASSWORD).json()["error"]["code"] == "account_locked"


def test_the_lock_is_audited_and_the_organization_told_once(anonymous_client, bank_officer, bank):
    for _ in range(12):
        token_attempt(anonymous_client)

    (event,) = AuditEvent.objects.filter(action="account.locked")
    assert event.chain == f"org:{bank.pk}" and event.object_id == str(bank_officer.pk)
    assert event.data["username"] == "bank-officer" and event.data["failures"] == 5
    (notice,) = Notification.objects.filter(kind=Notification.Kind.SECURITY)
    assert notice.organization_id == bank.pk
    assert notice.data["username"] == "bank-officer"
    with override("en"):
        english = notice.rendered_title
    with override("zh-hans"):
        chinese = notice.rendered_title
    assert "bank-officer" in english and "bank-officer" in chinese and english != chinese


def test_a_second_lock_after_the_first_lapsed_is_told_again(anonymous_client, bank_officer, later):
    for _ in range(5):
        token_attempt(anonymous_client)
    later(16)
    for _ in range(5):
        token_attempt(anonymous_client)

    assert AuditEvent.objects.filter(action="account.locked").count() == 2
    assert Notification.objects.filter(kind=Notification.Kind.SECURITY).count() == 2


def test_a_locked_account_keeps_its_sessions_and_tokens(api_client_for, anonymous_client, bank_officer):
    client = api_client_for(bank_officer)
    for _ in range(5):
        token_attempt(anonymous_client)

    assert client.get("/api/v1/me/").status_code == 200


def test_every_password_check_goes_through_the_guard(bank_officer):
    # Any login path added later calls authenticate() and so meets the same guard.
    assert django_settings.AUTHENTICATION_BACKENDS == ["hub.backends.GuardedModelBackend"]
    for _ in range(4):
        assert authenticate(username="bank-officer", password=WRONG) is None

    with pytest.raises(LoginRefused):
        authenticate(username="bank-officer", password=WRONG)
    with pytest.raises(LoginRefused):
        authenticate(username="bank-officer", password=PASSWORD)


def test_a_page_that_meets_a_refused_login_answers_429_not_500(rf, bank_officer):
    request = rf.post("/any-page/", REMOTE_ADDR="203.0.113.5")
    request.user = AnonymousUser()
    for _ in range(4):
        authenticate(request, username="bank-officer", password=WRONG)
    with pytest.raises(LoginRefused) as refusal:
        authenticate(request, username="bank-officer", password=WRONG)

    response = DomainErrorMiddleware(lambda request: None).process_exception(request, refusal.value)

    assert response.status_code == 429 and int(response["Retry-After"]) > 0
    assert escape(lock_message()) in response.content.decode()


# --- the login page and the administration's login ----------------------------------------------


def test_the_login_page_is_throttled_per_address(client, bank_officer):
    for n in range(20):
        assert page_attempt(client, "/login/", username=f"guess{n}").status_code == 200

    response = page_attempt(client, "/login/", password=PASSWORD)

    (error,) = form_errors(response)
    assert is_address_message(error) and "_auth_user_id" not in client.session


def test_the_login_page_locks_an_account_without_saying_whether_it_exists(client, bank_officer):
    for _ in range(5):
        page_attempt(client, "/login/")
    for _ in range(5):
        page_attempt(client, "/login/", username="nobody")

    known = page_attempt(client, "/login/", password=PASSWORD)
    unknown = page_attempt(client, "/login/", username="nobody", password=PASSWORD)

    assert form_errors(known) == form_errors(unknown) == [lock_message()]
    assert "_auth_user_id" not in client.session


def test_the_login_page_logs_in_with_the_right_password(client, bank_officer):
    response = page_attempt(client, "/login/", password=PASSWORD)

    assert response.status_code == 302 and client.session["_auth_user_id"] == str(bank_officer.pk)


def test_the_administration_login_locks_an_operator_and_tells_the_hub_operator(client, operator):
    for _ in range(5):
        page_attempt(client, "/admin/login/", username="operator")

    response = page_attempt(client, "/admin/login/", username="operator", password=PASSWORD)

    assert form_errors(response) == [lock_message()]
    (event,) = AuditEvent.objects.filter(action="account.locked")
    assert event.chain == "hub"
    other_operator = UserFactory(operator=True, username="operator2")
    client.force_login(other_operator)
    notices = client.get("/notices/")
    assert notices.status_code == 200
    with override("zh-hans"):
        title = Notification.objects.get(kind=Notification.Kind.SECURITY).rendered_title
    assert title in notices.content.decode()


def test_the_administration_login_is_throttled_per_address(client, operator):
    for n in range(20):
        page_attempt(client, "/admin/login/", username=f"guess{n}")

    response = page_attempt(client, "/admin/login/", username="operator", password=PASSWORD)

    (error,) = form_errors(response)
    assert is_address_message(error) and "_auth_user_id" not in client.session


# --- unlocking ------------------------------------------------------------------------------------


def lock(client, username="bank-officer"):
    for _ in range(5):
        token_attempt(client, username=username)


def test_an_organization_admin_unlocks_a_member_and_it_is_audited(
    anonymous_client, logged_in, bank_officer, bank_admin
):
    lock(anonymous_client)
    page = logged_in(bank_admin)

    assert "data-locked" in page.get("/").content.decode()
    response = page.post(f"/people/{bank_officer.pk}/unlock/")

    assert response.status_code == 302
    bank_officer.refresh_from_db()
    assert bank_officer.locked_until is None
    (event,) = AuditEvent.objects.filter(action="account.unlocked")
    assert event.actor_username == "bank-admin" and event.object_id == str(bank_officer.pk)
    assert token_attempt(anonymous_client, password=PASSWORD).status_code == 200


def test_staff_and_other_organizations_cannot_unlock(anonymous_client, logged_in, bank_officer, outsider, bank):
    lock(anonymous_client)
    colleague = UserFactory(organization=bank, role="staff")

    assert logged_in(outsider).post(f"/people/{bank_officer.pk}/unlock/").status_code == 404
    assert logged_in(colleague).post(f"/people/{bank_officer.pk}/unlock/").status_code == 302  # told why
    assert User.objects.get(pk=bank_officer.pk).locked_until is not None


def test_the_operator_unlocks_from_the_administration(anonymous_client, logged_in, bank_officer, operator):
    lock(anonymous_client)

    response = logged_in(operator).post(
        "/admin/hub/user/", {"action": "unlock_accounts", "_selected_action": [bank_officer.pk]}
    )

    assert response.status_code == 302
    assert User.objects.get(pk=bank_officer.pk).locked_until is None
    (event,) = AuditEvent.objects.filter(action="account.unlocked")
    assert event.actor_username == "operator" and event.chain.startswith("org:")
    assert token_attempt(anonymous_client, password=PASSWORD).status_code == 200


# --- shared by every process ------------------------------------------------------------------------


@pytest.mark.needs_redis
def test_failures_counted_in_another_process_count_here(anonymous_client):
    require_service("Redis", bool(django_settings.REDIS_URL), "set REDIS_URL (as .ci/run does)")
    script = (
        "import django; django.setup()\n"
        "from hub.services.logins import login_failure_record\n"
        "for n in range(20):\n"
        "    login_failure_record(username=f'elsewhere{n}', address='203.0.113.77')\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", script], cwd=ROOT, env=os.environ.copy(), capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, result.stderr

    response = token_attempt(anonymous_client, username="guess", REMOTE_ADDR="203.0.113.77")

    assert response.status_code == 429 and response.json()["error"]["code"] == "login_throttled"
