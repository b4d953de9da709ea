"""API tokens: issued on login with username and password, expiring, revocable."""

from __future__ import annotations

import secrets
from datetime import timedelta

from django.conf import settings
from django.contrib.auth import authenticate
from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from hub import audit
from hub.api.authentication import TOKEN_PREFIX, hash_token
from hub.errors import HubError
from hub.models import ApiToken, User


class WrongCredentials(HubError):
    status_code = 401
    code = "wrong_credentials"


class Messages:
    WRONG_CREDENTIALS = _("Wrong username or password.")


def api_token_issue(*, username: str, password: str, request: HttpRequest | None = None) -> tuple[str, ApiToken]:
    """Check the credentials and return a new token (shown once) and its record. ``request``
    is the login's, whose client address the login guard counts (hub.services.logins).

    Raises WrongCredentials (401) for an unknown user, a wrong password or an inactive user;
    LoginRefused (429) when the guard refuses the address or the account.
    """
    # Outside the token's transaction: a lock the guard records on this failure must stay.
    user = authenticate(request, username=username, password=password)
    if user is None:
        raise WrongCredentials(Messages.WRONG_CREDENTIALS)
    return _api_token_create(user)


@transaction.atomic
def _api_token_create(user: User) -> tuple[str, ApiToken]:
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    record = ApiToken.objects.create(
        user=user,
        key_hash=hash_token(token),
        prefix=token[:12],
        expires_at=timezone.now() + settings.HUB_TOKEN_TTL,
    )
    audit.api_token_issued(user=user, token_prefix=record.prefix)
    return token, record


@transaction.atomic
def api_token_revoke(*, user: User, token: ApiToken) -> ApiToken:
    """Revoke one of the user's own tokens; it stops working on the next request."""
    updated = ApiToken.objects.filter(pk=token.pk, user=user, revoked_at__isnull=True).update(revoked_at=timezone.now())
    if updated:
        audit.api_token_revoked(user=user, token_prefix=token.prefix)
    token.refresh_from_db()
    return token


def api_tokens_purge_expired() -> int:
    """Delete tokens expired or revoked more than a day ago; returns how many."""
    cutoff = timezone.now() - timedelta(days=1)
    deleted, _ = ApiToken.objects.filter(expires_at__lt=cutoff).delete()
    revoked, _ = ApiToken.objects.filter(revoked_at__lt=cutoff).delete()
    return deleted + revoked
