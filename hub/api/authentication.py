"""Bearer tokens for people's API clients (``Authorization: Bearer <token>``)."""

from __future__ import annotations

import hashlib
from datetime import timedelta

from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework import authentication, exceptions

from hub.models import ApiToken

TOKEN_PREFIX = "xyd_"
_LAST_USED_RESOLUTION = timedelta(minutes=1)
_RESOLVED = "_hub_bearer_user"


class Messages:
    INVALID = _("The token is invalid, expired or revoked.")
    MALFORMED = _("The Authorization header must be 'Bearer <token>'.")


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def bearer_token_from(request) -> str | None:
    header = request.META.get("HTTP_AUTHORIZATION", "")
    scheme, _sep, token = header.partition(" ")
    if scheme.lower() != "bearer":
        return None
    token = token.strip()
    if not token or " " in token:
        raise exceptions.AuthenticationFailed(Messages.MALFORMED)
    return token


def token_for(token: str) -> ApiToken | None:
    found = ApiToken.objects.select_related("user", "user__organization").filter(key_hash=hash_token(token)).first()
    if found is None or not found.is_usable or not found.user.is_active:
        return None
    return found


def resolve_bearer_user(request):
    """The user behind the request's bearer token, looked up once per request (the
    idempotency middleware needs it before DRF authenticates). None without a bearer
    header; raises AuthenticationFailed for a bad one."""
    if hasattr(request, _RESOLVED):
        return getattr(request, _RESOLVED)
    token = bearer_token_from(request)
    result = None
    if token is not None:
        api_token = token_for(token)
        if api_token is None:
            raise exceptions.AuthenticationFailed(Messages.INVALID)
        now = timezone.now()
        if api_token.last_used_at is None or now - api_token.last_used_at > _LAST_USED_RESOLUTION:
            ApiToken.objects.filter(pk=api_token.pk).update(last_used_at=now)
        result = (api_token.user, api_token)
    setattr(request, _RESOLVED, result)
    return result


class BearerTokenAuthentication(authentication.BaseAuthentication):
    def authenticate(self, request):
        return resolve_bearer_user(request._request)

    def authenticate_header(self, request):
        return "Bearer"


class BearerTokenScheme(OpenApiAuthenticationExtension):
    target_class = "hub.api.authentication.BearerTokenAuthentication"
    name = "bearerAuth"

    def get_security_definition(self, auto_schema):
        return {"type": "http", "scheme": "bearer"}
