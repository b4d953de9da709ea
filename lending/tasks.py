from __future__ import annotations

from celery import shared_task

from lending.services.policies import policy_push


@shared_task(name="lending.push_policy")
def push_policy(policy_id: int) -> int:
    return policy_push(policy_id=policy_id)
