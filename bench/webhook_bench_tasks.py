"""The no-op task bench/webhooks.py measures the Celery worker's own rate with; the bench's
worker loads it with ``--include``. Never imported by the hub itself."""

import os

import redis
from celery import shared_task

_redis = None


@shared_task(name="bench.webhooks.noop", ignore_result=True)
def noop() -> None:
    global _redis
    if _redis is None:
        _redis = redis.Redis.from_url(os.environ["REDIS_URL"])
    _redis.incr("bench:webhooks:noop")
