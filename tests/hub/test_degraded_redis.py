"""With Redis unreachable, the cache answers as an empty cache that stores nothing (and says
so once in the log), so throttles, circuit breakers and delivery counts degrade instead of
failing requests; /readyz names Redis as down but keeps the instance in rotation."""

import logging

import pytest
from django.core.cache import cache
from django.test import override_settings

from hub import cache as degrading

NOWHERE = "redis://127.0.0.1:1/0"  # nothing listens on port 1


@pytest.fixture
def redis_down():
    caches = {"default": {"BACKEND": "hub.cache.DegradingRedisCache", "LOCATION": NOWHERE}}
    with override_settings(REDIS_URL=NOWHERE, CACHES=caches):
        degrading._Outage.until = 0.0
        yield
    # The outage this process noticed is over once the real cache is back.
    degrading._Outage.until = 0.0


def test_an_unreachable_redis_answers_as_an_empty_cache(redis_down, caplog):
    with caplog.at_level(logging.WARNING, logger="hub.cache"):
        cache.set("a", 1)
        assert cache.get("a") is None
        assert cache.get("a", "default") == "default"
        assert cache.add("b", 1) is False
        assert cache.incr("count", 3) == 3
        assert cache.get_many(["a", "b"]) == {}
        assert cache.has_key("a") is False
        cache.delete_many(["a", "b"])

    warnings = [record.message for record in caplog.records]
    assert len(warnings) == 1 and "Redis is unreachable" in warnings[0]


def test_an_outage_is_not_asked_about_again_at_every_call(redis_down, monkeypatch):
    cache.get("a")  # the first call finds Redis down
    asked = []
    monkeypatch.setattr(degrading.RedisCacheClient, "get", lambda *args: asked.append(args))

    assert cache.get("a") is None
    assert asked == []


@pytest.mark.django_db
def test_readyz_names_redis_as_down_and_stays_in_rotation(redis_down, client):
    response = client.get("/readyz")

    assert response.status_code == 200
    assert response.json()["status"] == "degraded"
    assert response.json()["checks"]["database"] == "ok"
    assert response.json()["checks"]["redis"] == "error: ConnectionError"


@pytest.mark.django_db
def test_throttled_api_calls_are_served_while_redis_is_down(redis_down, api_client_for, bank_officer):
    response = api_client_for(bank_officer).get("/api/v1/authorizations/")

    assert response.status_code == 200
