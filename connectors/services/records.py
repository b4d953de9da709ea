"""Storing validated records: normalized, encrypted, one row per (connector, category,
source_id) however often a platform serves it."""

from __future__ import annotations

import hashlib
import json
from datetime import date

from django.db import transaction
from django.utils import timezone

from connectors.categories import OCCURRED_ON_FIELD, record_errors
from connectors.models import Connector, CreditRecord


def record_fingerprint(category: str, data: dict, occurred_on: str | None) -> str:
    canonical = json.dumps(
        {"category": category, "data": data, "occurred_on": occurred_on},
        sort_keys=True,
        ensure_ascii=False,
        separators=(",", ":"),
    )
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def partition_records(raw_records: list, *, allowed_categories: set[str]) -> tuple[dict, int]:
    """Valid records keyed by (category, source_id) — a record repeated in the page counts
    once — and the number skipped for breaking the schema or being outside the request."""
    valid: dict[tuple[str, str], dict] = {}
    skipped = 0
    for record in raw_records:
        if record_errors(record) or record["category"] not in allowed_categories:
            skipped += 1
            continue
        valid[(record["category"], record["source_id"])] = record
    return valid, skipped


def _occurred_on(record: dict) -> date | None:
    value = record.get("occurred_on") or record["data"].get(OCCURRED_ON_FIELD.get(record["category"], ""))
    try:
        return date.fromisoformat(value) if isinstance(value, str) else None
    except ValueError:
        return None


def _repair_notice_due_on(record: dict) -> date | None:
    """For an unrepaired penalty, the day its publicity period ends (信用修复主动告知)."""
    data = record["data"]
    if record["category"] != "penalty" or data.get("repaired"):
        return None
    try:
        return date.fromisoformat(data["publicity_ends_on"])
    except (KeyError, TypeError, ValueError):
        return None


def records_store(*, enterprise_id: int, connector: Connector, records: dict[tuple[str, str], dict]) -> int:
    """Insert new records and update changed ones; unchanged ones are left alone. Call
    inside the transaction that also advances the source's cursor. Returns rows written."""
    if not records:
        return 0
    assert transaction.get_connection().in_atomic_block, "store records in the source's transaction"
    categories = {category for category, _source_id in records}
    source_ids = {source_id for _category, source_id in records}
    existing = {
        (category, source_id): fingerprint
        # All three columns of the unique index: a platform may serve millions of records.
        for category, source_id, fingerprint in CreditRecord.objects.filter(
            connector=connector, category__in=categories, source_id__in=source_ids
        ).values_list("category", "source_id", "fingerprint")
    }
    now = timezone.now()
    rows = []
    for (category, source_id), record in records.items():
        fingerprint = record_fingerprint(category, record["data"], record.get("occurred_on"))
        if existing.get((category, source_id)) == fingerprint:
            continue
        rows.append(
            CreditRecord(
                enterprise_id=enterprise_id,
                connector=connector,
                category=category,
                source_id=source_id,
                occurred_on=_occurred_on(record),
                data=record["data"],
                fingerprint=fingerprint,
                fetched_at=now,
                repair_notice_due_on=_repair_notice_due_on(record),
            )
        )
    if rows:
        CreditRecord.objects.bulk_create(
            rows,
            batch_size=500,
            update_conflicts=True,
            unique_fields=["connector", "category", "source_id"],
            update_fields=["enterprise", "occurred_on", "data", "fingerprint", "fetched_at", "repair_notice_due_on"],
        )
    return len(rows)
