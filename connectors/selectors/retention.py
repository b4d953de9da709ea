"""Reads of the retention policies (connectors/models/retention.py)."""

from __future__ import annotations

from connectors.models import RetentionPolicy


def retention_policies() -> list[RetentionPolicy]:
    """Every purpose's policy with its categories' look-backs (the operator's page)."""
    return list(RetentionPolicy.objects.prefetch_related("lookbacks").order_by("purpose"))


def retention_policy_of(purpose: str) -> RetentionPolicy | None:
    """The policy of a purpose (None: the purpose has none, so nothing caps or purges it)."""
    return RetentionPolicy.objects.filter(purpose=purpose).prefetch_related("lookbacks").first()
