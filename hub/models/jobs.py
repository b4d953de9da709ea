"""One shape for every long-running job (a credit pull, a whitelist import, and the
deliveries, uplink batches and purges to come): a database row with a status, timestamps and
a lease. The lease keeps two deliveries of one task from running the job at once; a run whose
worker died lets it lapse, and the next delivery resumes. Claiming and renewing are in
``hub.services.jobs``."""

from __future__ import annotations

from django.db import models


class LeasedJob(models.Model):
    """Status is each job's own (its states differ); the rest is shared."""

    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    lease_until = models.DateTimeField(null=True, blank=True)
    # How many runs claimed it: more than one means a delivery resumed after another.
    runs = models.PositiveIntegerField(default=0)

    class Meta:
        abstract = True
