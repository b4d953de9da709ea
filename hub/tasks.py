"""Scheduled housekeeping. Tasks are thin: ids in, one service call (STYLE.md rule 6)."""

from __future__ import annotations

from celery import shared_task
from django.conf import settings
from django.utils import timezone

from hub.models import IdempotencyRecord
from hub.services.consent import authorizations_record_expiry
from hub.services.deferred_tasks import deferred_tasks_send
from hub.services.jobs import leased_jobs_reap
from hub.services.tokens import api_tokens_purge_expired


@shared_task(name="hub.tasks.purge_idempotency_keys")
def purge_idempotency_keys() -> int:
    cutoff = timezone.now() - settings.HUB_IDEMPOTENCY_TTL
    deleted, _ = IdempotencyRecord.objects.filter(created_at__lt=cutoff).delete()
    return deleted


@shared_task(name="hub.tasks.purge_expired_tokens")
def purge_expired_tokens() -> int:
    return api_tokens_purge_expired()


@shared_task(name="hub.tasks.record_authorization_expiry")
def record_authorization_expiry() -> int:
    return authorizations_record_expiry()


@shared_task(name="hub.tasks.reap_stranded_jobs")
def reap_stranded_jobs() -> int:
    return leased_jobs_reap()


@shared_task(name="hub.tasks.send_deferred_tasks")
def send_deferred_tasks() -> int:
    return deferred_tasks_send()
