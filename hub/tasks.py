"""Scheduled housekeeping. Tasks are thin: ids in, one service call (STYLE.md rule 6)."""

from __future__ import annotations

import logging
import random

from celery import shared_task
from django.conf import settings
from django.utils import timezone

from hub.audit_checkpoints import CheckpointNotDelivered, checkpoint_send, checkpoint_write
from hub.models import IdempotencyRecord
from hub.services.consent import authorizations_record_expiring, authorizations_record_expiry
from hub.services.deferred_tasks import deferred_tasks_send
from hub.services.jobs import leased_jobs_reap
from hub.services.tokens import api_tokens_purge_expired
from hub.services.webhook_deliveries import webhook_deliveries_send_due, webhook_delivery_run

logger = logging.getLogger(__name__)

# Deliveries of one checkpoint to HUB_AUDIT_CHECKPOINT_URL; the waits between them grow
# (full jitter) to half an hour at most, about an hour in all. A checkpoint lists every chain,
# so one that is never delivered loses nothing the next one does not say.
CHECKPOINT_SEND_ATTEMPTS = 8
CHECKPOINT_SEND_CAP_SECONDS = 3600


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


@shared_task(name="hub.tasks.record_authorizations_expiring")
def record_authorizations_expiring() -> int:
    return authorizations_record_expiring()


# Routed to the webhooks queue by name (CELERY_TASK_ROUTES).
@shared_task(name="hub.webhooks.deliver")
def deliver_webhook(delivery_id: int) -> str:
    return webhook_delivery_run(delivery_id=delivery_id)


@shared_task(name="hub.webhooks.send_due_deliveries")
def send_due_webhook_deliveries() -> int:
    return webhook_deliveries_send_due()


@shared_task(name="hub.tasks.reap_stranded_jobs")
def reap_stranded_jobs() -> int:
    return leased_jobs_reap()


@shared_task(name="hub.tasks.send_deferred_tasks")
def send_deferred_tasks() -> int:
    return deferred_tasks_send()


@shared_task(name="hub.tasks.write_audit_checkpoint")
def write_audit_checkpoint() -> str:
    name, written = checkpoint_write()
    if not written:
        return f"{name} (unchanged)"
    if settings.HUB_AUDIT_CHECKPOINT_URL:
        send_audit_checkpoint.delay(name)
    return name


@shared_task(bind=True, name="hub.tasks.send_audit_checkpoint", max_retries=CHECKPOINT_SEND_ATTEMPTS - 1)
def send_audit_checkpoint(self, name: str) -> str:
    try:
        checkpoint_send(name)
    except CheckpointNotDelivered as error:
        if error.permanent or self.request.retries >= self.max_retries:
            logger.error("audit checkpoint %s was not delivered to the checkpoint URL: %s", name, error)
            return "not delivered"
        logger.warning("audit checkpoint %s: delivery failed (%s), trying again", name, error)
        # Exponential backoff with full jitter.
        countdown = random.uniform(0, min(CHECKPOINT_SEND_CAP_SECONDS, 30 * 2**self.request.retries))
        retry = self.retry(countdown=countdown, throw=False)
        if self.request.is_eager:
            return retry  # without a broker, apply() makes the next attempt at once
        raise retry from None
    return "delivered"
