from __future__ import annotations

from django.db import models

from hub.fields import EncryptedTextField


class IdempotencyRecord(models.Model):
    """The first response to a creating POST, replayed for a repeat with the same
    ``Idempotency-Key`` from the same caller within 24 hours (see hub/idempotency.py)."""

    class State(models.TextChoices):
        IN_PROGRESS = "in_progress"
        DONE = "done"

    scope = models.CharField(max_length=40)
    key = models.CharField(max_length=255)
    request_hash = models.CharField(max_length=64)
    state = models.CharField(max_length=16, choices=State.choices, default=State.IN_PROGRESS)
    response_status = models.PositiveSmallIntegerField(null=True)
    response_content_type = models.CharField(max_length=100, blank=True)
    # Responses can carry secrets (a new API token), so they are encrypted like credit data.
    response_body = EncryptedTextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["scope", "key"], name="idempotency_scope_key_unique")]


class ParkedTask(models.Model):
    """A task delivered more often than ``HUB_TASK_MAX_DELIVERIES`` without finishing (it
    keeps killing its worker, or keeps timing out). Parked instead of looping forever; an
    operator inspects it and re-queues it by hand."""

    task_id = models.CharField(max_length=64, unique=True)
    task_name = models.CharField(max_length=200)
    args = models.JSONField(default=list)
    kwargs = models.JSONField(default=dict)
    deliveries = models.PositiveIntegerField()
    error = models.TextField()
    parked_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"{self.task_name} [{self.task_id}]"


class DeferredTask(models.Model):
    """A task that could not be queued because the broker was unreachable (Redis down): kept
    here, and sent by the schedule (``hub.tasks.send_deferred_tasks``) once the broker is back,
    oldest first. Its arguments are ids, as every task's are (STYLE.md rule 6)."""

    task_name = models.CharField(max_length=200)
    task_id = models.CharField(max_length=64, blank=True)
    args = models.JSONField(default=list)
    kwargs = models.JSONField(default=dict)
    # A retry's countdown or eta: the task is sent to run no earlier than this.
    not_before = models.DateTimeField(null=True, blank=True)
    error = models.CharField(max_length=300)
    deferred_at = models.DateTimeField(auto_now_add=True, db_index=True)

    def __str__(self) -> str:
        return f"{self.task_name} {self.args}"
