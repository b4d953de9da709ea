"""A circuit breaker per connector, its state in the shared cache (Redis in production), so
every worker sees the same state: after ``threshold`` consecutive transient failures the
circuit opens for ``cooldown`` seconds and calls fail fast; then exactly one trial call is
let through (half-open), and its outcome closes or re-opens the circuit."""

from __future__ import annotations

import time

from django.conf import settings
from django.core.cache import cache


class CircuitBreaker:
    def __init__(self, connector_id: int, *, threshold: int | None = None, cooldown: float | None = None):
        self.threshold = threshold or settings.HUB_CIRCUIT_THRESHOLD
        self.cooldown = cooldown or settings.HUB_CIRCUIT_COOLDOWN_SECONDS
        prefix = f"circuit:{connector_id}"
        self._failures, self._open_until, self._trial = f"{prefix}:failures", f"{prefix}:open-until", f"{prefix}:trial"

    def allows_call(self) -> bool:
        open_until = cache.get(self._open_until)
        if open_until is None:
            return True
        if time.time() < open_until:
            return False
        # Half-open: the first caller after the cooldown gets the one trial call.
        return cache.add(self._trial, 1, timeout=max(1, int(self.cooldown)))

    def record_success(self) -> None:
        cache.delete_many([self._failures, self._open_until, self._trial])

    def record_failure(self) -> None:
        cache.add(self._failures, 0, timeout=int(self.cooldown * 10))
        failures = cache.incr(self._failures)
        if failures >= self.threshold:
            cache.set(self._open_until, time.time() + self.cooldown, timeout=int(self.cooldown * 10))
            cache.delete(self._trial)

    @property
    def is_open(self) -> bool:
        open_until = cache.get(self._open_until)
        return open_until is not None and time.time() < open_until
