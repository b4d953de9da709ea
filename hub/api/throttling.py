"""Rate limits per organization (people of one organization share a budget), per user for
the hub operator, and per client address for anonymous calls. Counters live in the cache,
which is Redis in production, so every process shares them. The client's address is the one
hub.client_address reads: X-Forwarded-For counts only from the configured proxies."""

from __future__ import annotations

from rest_framework.settings import api_settings
from rest_framework.throttling import SimpleRateThrottle

from hub.client_address import client_address


class _SettingsRateThrottle(SimpleRateThrottle):
    def get_rate(self):
        # Read at request time rather than import time, so settings overrides apply.
        return api_settings.DEFAULT_THROTTLE_RATES[self.scope]

    def get_ident(self, request):
        # DRF's own reads X-Forwarded-For from anyone (with NUM_PROXIES unset, as sent).
        return client_address(request)


class OrganizationRateThrottle(_SettingsRateThrottle):
    scope = "organization"

    def get_cache_key(self, request, view):
        user = request.user
        if not user or not user.is_authenticated:
            return None
        ident = f"org:{user.organization_id}" if user.organization_id else f"user:{user.pk}"
        return f"throttle:{self.scope}:{ident}"


class AnonymousRateThrottle(_SettingsRateThrottle):
    scope = "anonymous"

    def get_cache_key(self, request, view):
        if request.user and request.user.is_authenticated:
            return None
        return f"throttle:{self.scope}:{self.get_ident(request)}"
