"""The login guard (防暴力破解): counts failed password logins per client address and per
account, refuses an address that has failed too often, and locks an account after repeated
failures.

Every password check of the hub calls ``django.contrib.auth.authenticate()``, whose only
backend is :class:`hub.backends.GuardedModelBackend`; it calls :func:`login_attempt_check`
before the password is looked at, then :func:`login_failure_record` or
:func:`login_success_record`. So the token API, the login page, the administration's login
and any login path added later meet the same guard.

Counts live in the cache (Redis in production, shared by every process); a lock is also kept
on the user in the database, so it survives a cache flush. Accounts are counted by their
normalized username (NFKC, case-folded) whether or not they exist, and an unknown account
"locks" exactly like a known one: no answer tells which usernames exist.

A lock is a lever for denial of service: anyone who knows a username can lock it by guessing.
So a lock is short (HUB_LOGIN_LOCK_MINUTES) and ends by itself; it refuses password logins
only, never the person's open sessions or API tokens; the person is told to wait and whom to
ask, the organization's administrators (the hub operator, for an operator account) are told
once per lock and may unlock at once; and one address can fail only
HUB_LOGIN_FAILURES_PER_ADDRESS times per window, which bounds how many accounts one attacker
keeps locked.
"""

from __future__ import annotations

import hashlib
import ipaddress
import math
import unicodedata
from datetime import UTC, datetime, timedelta

from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from hub import audit
from hub.errors import Forbidden, NotFound, TooManyAttempts
from hub.messages import stored_message
from hub.models import Notification, User
from hub.services.notifications import notification_send


class LoginRefused(TooManyAttempts):
    """A login refused before its password was checked: the address or the account must
    wait ``retry_after`` seconds."""

    code = "login_refused"


class Messages:
    ADDRESS_THROTTLED = _("Too many failed logins from your network. Try again in %(minutes)s minutes.")
    ACCOUNT_LOCKED = _(
        "Too many failed logins for this account, so it is locked for now. Try again in %(minutes)s minutes,"
        " or ask your organization's administrator to unlock it."
    )
    LOCKED_NOTICE_TITLE = _("Account %(username)s locked after failed logins")
    LOCKED_NOTICE_BODY = _(
        "Wrong passwords were typed %(failures)s times for %(username)s (the last from %(address)s), so its"
        " password logins are refused until %(until)s; its open sessions and API tokens keep working. If that"
        " was not the person, someone may be guessing the password. An administrator can unlock it earlier"
        " from the list of people (the hub operator in the administration, under Users)."
    )
    UNKNOWN_ADDRESS = _("an unknown address")
    ADMIN_ONLY = _("Only an administrator of the account's organization or the hub operator can unlock it.")
    MEMBER_NOT_FOUND = _("Person not found.")


_ACCOUNT_FAILURES = "login:failures:account:"
_ADDRESS_FAILURES = "login:failures:address:"
_ACCOUNT_LOCK = "login:locked:"
# Under the address's or account's key: when its window opened (for Retry-After).
_OPENED = ":opened"


def login_attempt_check(*, username: str, address: str | None) -> None:
    """Before a password is checked. Raises LoginRefused (429) when ``address`` (None: not
    known, not counted) has used up its failures in the window, or when the account is
    locked; a refusal for a lock counts as a failure of the address."""
    now = timezone.now()
    if address is not None:
        key = _address_key(address)
        if (cache.get(key) or 0) >= settings.HUB_LOGIN_FAILURES_PER_ADDRESS:
            raise LoginRefused(
                Messages.ADDRESS_THROTTLED % {"minutes": _minutes(_window_left(key, now))},
                code="login_throttled",
                retry_after=_window_left(key, now),
            )
    until = _locked_until(username, now)
    if until is not None:
        if address is not None:
            _count(_address_key(address), now)
        raise _account_locked(until, now)


def login_failure_record(*, username: str, address: str | None) -> None:
    """After a wrong password, an unknown or an inactive account: counts the failure for the
    address and the account. The account's HUB_LOGIN_FAILURES_PER_ACCOUNT-th failure in the
    window locks it (audited, its administrators told) and raises LoginRefused (429).

    Call it outside any transaction that will roll back: the lock must stay."""
    now = timezone.now()
    if address is not None:
        _count(_address_key(address), now)
    failures = _count(_account_key(username), now)
    if failures >= settings.HUB_LOGIN_FAILURES_PER_ACCOUNT:
        until = _account_lock(username=username, failures=failures, address=address, now=now)
        raise _account_locked(until, now)


def login_success_record(*, username: str) -> None:
    """The right password: the account's count of failures starts again."""
    key = _account_key(username)
    cache.delete_many([key, key + _OPENED])


@transaction.atomic
def account_unlock(*, actor: User, user: User) -> User:
    """End the account's lock at once, and its count of failures. The hub operator may unlock
    anyone, an administrator the people of their organization. Audited when a lock was ended.

    Raises NotFound (a person of another organization), Forbidden (not an administrator)."""
    if not actor.is_operator:
        if actor.organization_id is None or actor.organization_id != user.organization_id:
            raise NotFound(Messages.MEMBER_NOT_FOUND)
        if not actor.is_organization_admin:
            raise Forbidden(Messages.ADMIN_ONLY)
    ended = User.objects.filter(pk=user.pk, locked_until__gt=timezone.now()).update(locked_until=None)
    User.objects.filter(pk=user.pk, locked_until__isnull=False).update(locked_until=None)
    digest = _digest(user.get_username())
    cache.delete_many([_ACCOUNT_LOCK + digest, _ACCOUNT_FAILURES + digest, _ACCOUNT_FAILURES + digest + _OPENED])
    if ended:
        audit.account_unlocked(user=user, actor=actor)
    user.locked_until = None
    return user


# --- locks --------------------------------------------------------------------------------------


def _account_lock(*, username: str, failures: int, address: str | None, now: datetime) -> datetime:
    """Lock the account named ``username`` until now + HUB_LOGIN_LOCK_MINUTES: in the cache
    (whether or not it exists) and on the user. Audit and notice once per lock: the
    conditional update lets only the first of concurrent failures through."""
    until = now + timedelta(seconds=settings.HUB_LOGIN_LOCK_SECONDS)
    digest = _digest(username)
    cache.set(_ACCOUNT_LOCK + digest, until.timestamp(), timeout=settings.HUB_LOGIN_LOCK_SECONDS + 60)
    cache.delete_many([_ACCOUNT_FAILURES + digest, _ACCOUNT_FAILURES + digest + _OPENED])
    user = (
        User.objects.filter(username=username).first()
        or User.objects.filter(username__iexact=_normalized(username)).first()
    )
    if user is None:
        return until
    with transaction.atomic():
        locked = (
            User.objects.filter(pk=user.pk)
            .filter(Q(locked_until__isnull=True) | Q(locked_until__lte=now))
            .update(locked_until=until)
        )
        if locked:
            audit.account_locked(user=user, failures=failures, locked_until=until, address=address)
            parameters = {"username": user.get_username(), "failures": failures}
            notification_send(
                organization_id=user.organization_id,
                kind=Notification.Kind.SECURITY,
                title=stored_message(Messages.LOCKED_NOTICE_TITLE, username=user.get_username()),
                body=stored_message(
                    Messages.LOCKED_NOTICE_BODY,
                    **parameters,
                    address=address or Messages.UNKNOWN_ADDRESS,
                    until=timezone.localtime(until).strftime("%Y-%m-%d %H:%M"),
                ),
                data={**parameters, "locked_until": until.isoformat()},
                dedupe_key=f"account-locked:{user.pk}:{int(until.timestamp())}",
            )
    return until


def _locked_until(username: str, now: datetime) -> datetime | None:
    marker = cache.get(_ACCOUNT_LOCK + _digest(username))
    if marker is not None and marker > now.timestamp():
        return datetime.fromtimestamp(marker, UTC)
    # The cache may have been flushed: the database keeps the locks of existing accounts.
    return User.objects.filter(username=username, locked_until__gt=now).values_list("locked_until", flat=True).first()


def _account_locked(until: datetime, now: datetime) -> LoginRefused:
    seconds = max(1, math.ceil((until - now).total_seconds()))
    return LoginRefused(
        Messages.ACCOUNT_LOCKED % {"minutes": _minutes(seconds)}, code="account_locked", retry_after=seconds
    )


# --- counts ---------------------------------------------------------------------------------------


def _count(key: str, now: datetime) -> int:
    """One more failure under ``key`` in its window, which opens at its first failure."""
    window = settings.HUB_LOGIN_WINDOW_SECONDS
    if cache.add(key, 1, timeout=window):
        cache.set(key + _OPENED, now.timestamp(), timeout=window)
        return 1
    try:
        return cache.incr(key)
    except ValueError:  # the window closed between the two calls
        cache.add(key, 1, timeout=window)
        cache.set(key + _OPENED, now.timestamp(), timeout=window)
        return 1


def _window_left(key: str, now: datetime) -> int:
    window = settings.HUB_LOGIN_WINDOW_SECONDS
    opened = cache.get(key + _OPENED)
    if opened is None:
        return window
    return max(1, min(window, math.ceil(opened + window - now.timestamp())))


def _minutes(seconds: int) -> int:
    return max(1, math.ceil(seconds / 60))


def _normalized(username: str) -> str:
    return unicodedata.normalize("NFKC", username).strip().casefold()


def _digest(username: str) -> str:
    # Usernames stay out of the cache, and any text makes a plain key.
    return hashlib.sha256(_normalized(username).encode("utf-8")).hexdigest()


def _account_key(username: str) -> str:
    return _ACCOUNT_FAILURES + _digest(username)


def _address_key(address: str) -> str:
    """An IPv4 address counts alone; an IPv6 address by its /64, which one subscriber holds
    whole (counting single IPv6 addresses would give a guesser 2**64 budgets)."""
    try:
        parsed = ipaddress.ip_address(address)
    except ValueError:
        return _ADDRESS_FAILURES + (address or "unknown")
    if parsed.version == 6:
        return _ADDRESS_FAILURES + str(ipaddress.ip_network(f"{parsed}/64", strict=False))
    return _ADDRESS_FAILURES + str(parsed)
