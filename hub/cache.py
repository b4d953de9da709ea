"""The cache on Redis, degrading when Redis is down instead of failing every request.

The cache holds nothing the hub cannot do without: throttle counters, circuit breakers,
delivery counts, short-lived memos. So when Redis cannot be reached, a cache call logs a
warning and answers as an empty cache would (nothing found, nothing stored, a count starting
over); requests are served and pulls go on, without throttling or shared circuits until
Redis returns. After a failure, Redis is not asked again for ``RETRY_AFTER_SECONDS``, so an
outage costs each request nothing but a dictionary lookup. ``/readyz`` asks Redis directly
(``redis_reachable``) and says what is down.

Settings: ``BACKEND = "hub.cache.DegradingRedisCache"``, as hub/settings.py sets with REDIS_URL.
"""

from __future__ import annotations

import logging
import threading
import time

from django.core.cache.backends.redis import RedisCache, RedisCacheClient
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

logger = logging.getLogger(__name__)

RETRY_AFTER_SECONDS = 2.0
UNREACHABLE = (RedisConnectionError, RedisTimeoutError)


class _Outage:
    """When Redis last failed, for every cache of this process (each thread has its own
    cache object, and all of them should stop asking at once)."""

    lock = threading.Lock()
    until = 0.0

    @classmethod
    def ongoing(cls) -> bool:
        return time.monotonic() < cls.until

    @classmethod
    def begin(cls, error: Exception) -> None:
        with cls.lock:
            started = cls.until == 0.0
            cls.until = time.monotonic() + RETRY_AFTER_SECONDS
        if started:
            logger.warning("Redis is unreachable (%s): the cache and throttles are degraded", error.__class__.__name__)

    @classmethod
    def end(cls) -> None:
        if cls.until:
            with cls.lock:
                cls.until = 0.0
            logger.warning("Redis is reachable again: the cache and throttles are back")


def _degrading(method_name: str, unreachable_answer):
    """A client method that answers ``unreachable_answer(*args)`` while Redis is down."""
    method = getattr(RedisCacheClient, method_name)

    def call(self, *args):
        if _Outage.ongoing():
            return unreachable_answer(*args)
        try:
            result = method(self, *args)
        except UNREACHABLE as error:
            _Outage.begin(error)
            return unreachable_answer(*args)
        _Outage.end()
        return result

    call.__name__ = method_name
    return call


class DegradingRedisCacheClient(RedisCacheClient):
    # What an empty cache that stores nothing would answer.
    add = _degrading("add", lambda key, value, timeout: False)
    get = _degrading("get", lambda key, default: default)
    set = _degrading("set", lambda key, value, timeout: None)
    touch = _degrading("touch", lambda key, timeout: False)
    delete = _degrading("delete", lambda key: False)
    get_many = _degrading("get_many", lambda keys: {})
    has_key = _degrading("has_key", lambda key: False)
    # A count whose key was lost starts over: the first increment after an outage is `delta`.
    incr = _degrading("incr", lambda key, delta: delta)
    set_many = _degrading("set_many", lambda data, timeout: list(data))
    delete_many = _degrading("delete_many", lambda keys: None)
    clear = _degrading("clear", lambda: False)


class DegradingRedisCache(RedisCache):
    def __init__(self, server, params):
        super().__init__(server, params)
        self._class = DegradingRedisCacheClient  # Django sets its own client class in __init__


def redis_reachable(cache) -> str:
    """``"ok"``, or ``"error: <what>"`` when Redis does not answer a ping: asked directly, past
    the degrading, for ``/readyz``."""
    try:
        cache._cache.get_client(write=True).ping()
    except UNREACHABLE as error:
        return f"error: {error.__class__.__name__}"
    return "ok"
