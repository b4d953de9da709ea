"""A day's reconciliation with the national platform (docs/national-uplink.md,
"Reconciliation"): per fact type, the facts of that day (by ``occurred_at``, Asia/Shanghai)
the hub recorded, sent, saw acknowledged, saw rejected and still holds pending, against the
counts the national node answers for the same day; every difference is listed."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

from django.db.models import Count, Q
from django.utils import timezone

from connectors.base import ConnectorError
from connectors.models import UplinkBatch, UplinkFact, UplinkReconciliation
from connectors.national.client import NationalClient
from connectors.national.facts import FACT_TYPES

HUB_COLUMNS = ("recorded", "sent", "acknowledged", "rejected", "pending")
# What each side calls the same count.
COMPARED = (("acknowledged", "accepted"), ("rejected", "rejected"))


def hub_counts(day: date) -> dict[str, dict[str, int]]:
    start = timezone.make_aware(datetime.combine(day, time.min))
    rows = (
        UplinkFact.objects.filter(occurred_at__gte=start, occurred_at__lt=start + timedelta(days=1))
        .values("fact_type")
        .annotate(
            recorded=Count("id"),
            sent=Count("id", filter=Q(batch__isnull=False) | Q(parked=True)),
            acknowledged=Count("id", filter=Q(batch__status=UplinkBatch.Status.ACKNOWLEDGED, parked=False)),
            rejected=Count("id", filter=Q(parked=True)),
        )
    )
    counts = {}
    for row in rows:
        counts[row["fact_type"]] = {
            "recorded": row["recorded"],
            "sent": row["sent"],
            "acknowledged": row["acknowledged"],
            "rejected": row["rejected"],
            "pending": row["recorded"] - row["acknowledged"] - row["rejected"],
        }
    return counts


def differences(hub: dict, national: dict) -> list[dict]:
    listed = []
    for fact_type in sorted(set(hub) | set(national) | set(FACT_TYPES)):
        ours, theirs = hub.get(fact_type, {}), national.get(fact_type, {})
        for hub_column, national_column in COMPARED:
            mine, yours = ours.get(hub_column, 0), theirs.get(national_column, 0)
            if mine != yours:
                listed.append({"type": fact_type, "count": hub_column, "hub": mine, "national": yours})
    return listed


def national_reconcile(*, day: date, client: NationalClient | None = None) -> UplinkReconciliation:
    """Count both sides for ``day`` and store the report (replacing that day's earlier one)."""
    hub = hub_counts(day)
    national: dict = {}
    error = ""
    own_client = client is None
    client = client or NationalClient.from_settings()
    try:
        payload = client.counts(day.isoformat())
        counts = payload.get("counts")
        if payload.get("day") != day.isoformat() or not isinstance(counts, dict):
            error = "bad_response: the counts name another day or none"
        else:
            national = {
                fact_type: {key: value for key, value in row.items() if isinstance(value, int)}
                for fact_type, row in counts.items()
                if isinstance(row, dict)
            }
    except ConnectorError as failure:
        error = f"{failure.code}: {failure}"[:300]
    finally:
        if own_client:
            client.close()
    report, _ = UplinkReconciliation.objects.update_or_create(
        day=day,
        defaults={
            "hub_counts": hub,
            "national_counts": national,
            "differences": [] if error else differences(hub, national),
            "error": error,
            "ran_at": timezone.now(),
        },
    )
    return report
