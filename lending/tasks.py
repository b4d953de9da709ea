from __future__ import annotations

from celery import shared_task

from lending.services.applications import applications_record_deadlines_approaching
from lending.services.national_statistics import national_monthly_statistics_record
from lending.services.policies import policy_push


@shared_task(name="lending.push_policy")
def push_policy(policy_id: int) -> int:
    return policy_push(policy_id=policy_id)


@shared_task(name="lending.record_deadlines_approaching")
def record_deadlines_approaching() -> int:
    return applications_record_deadlines_approaching()


@shared_task(name="lending.record_national_monthly_statistics")
def record_national_monthly_statistics() -> int:
    return national_monthly_statistics_record()
