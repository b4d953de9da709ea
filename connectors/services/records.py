"""Storing validated records: normalized, encrypted, one row per (connector, category,
source_id) however often a platform serves it."""

from __future__ import annotations

import json
from datetime import date

from django.db import transaction
from django.utils import timezone

from connectors.categories import OCCURRED_ON_FIELD, record_errors
from connectors.models import Connector, CreditRecord, CreditRecordHold
from connectors.record_keys import FINGERPRINT_INDEX, category_key, source_key
from hub.crypto import blind_index


def record_fingerprint(category: str, data: dict, occurred_on: str | None) -> str:
    """Keyed, as the other indexes: a plain hash of a guessable record would confirm a guess."""
    canonical = json.dumps(
        {"category": category, "data": data, "occurred_on": occurred_on},
        sort_keys=True,
        ensure_ascii=False,
        separators=(",", ":"),
    )
    return blind_index(canonical, purpose=FINGERPRINT_INDEX)


def partition_records(
    raw_records: list, *, allowed_categories: set[str], lookback: dict[str, date] | None = None
) -> tuple[dict, int]:
    """Valid records keyed by (category, source_id) — a record repeated in the page counts
    once — and the number skipped for breaking the schema or being outside the request.
    A valid record dated before its category's ``lookback`` bound (the retention policy's)
    is left out without counting as skipped: the platform answered more than was asked."""
    valid: dict[tuple[str, str], dict] = {}
    skipped = 0
    for record in raw_records:
        if record_errors(record) or record["category"] not in allowed_categories:
            skipped += 1
            continue
        bound = (lookback or {}).get(record["category"])
        if bound is not None and (occurred_on := _occurred_on(record)) is not None and occurred_on < bound:
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


def records_store(
    *, enterprise_id: int, connector: Connector, records: dict[tuple[str, str], dict], authorization_id: int | None
) -> int:
    """Insert new records and update changed ones; unchanged ones are left alone. Every
    record of the page, changed or not, is held by ``authorization_id`` (the pull's), which
    keeps it stored until retention releases that authorization (connectors/services/
    retention.py); None holds nothing (records loaded outside any pull). Call inside the
    transaction that also advances the source's cursor. Returns rows written."""
    if not records:
        return 0
    assert transaction.get_connection().in_atomic_block, "store records in the source's transaction"
    keys = {(category, source_id): source_key(category, source_id) for category, source_id in records}
    existing = {
        # Both columns of the unique index: a platform may serve millions of records.
        key: (record_id, fingerprint)
        # Locked (in key order, as every page locks them), so a purge cannot delete a row
        # between this read and the hold below: it either went before, or waits.
        for key, record_id, fingerprint in CreditRecord.objects.filter(
            connector=connector, source_key__in=keys.values()
        )
        .order_by("source_key")
        .select_for_update(no_key=True)
        .values_list("source_key", "pk", "fingerprint")
    }
    now = timezone.now()
    rows = []
    for (category, source_id), record in records.items():
        fingerprint = record_fingerprint(category, record["data"], record.get("occurred_on"))
        if existing.get(keys[(category, source_id)], (None, None))[1] == fingerprint:
            continue
        rows.append(
            CreditRecord(
                enterprise_id=enterprise_id,
                connector=connector,
                category=category,
                category_key=category_key(enterprise_id, category),
                source_id=source_id,
                source_key=keys[(category, source_id)],
                occurred_on=_occurred_on(record),
                data=record["data"],
                fingerprint=fingerprint,
                fetched_at=now,
                repair_notice_due_on=_repair_notice_due_on(record),
            )
        )
    if rows:
        rows.sort(key=lambda row: row.source_key)
        CreditRecord.objects.bulk_create(
            rows,
            batch_size=500,
            update_conflicts=True,
            unique_fields=["connector", "source_key"],
            update_fields=[
                "enterprise",
                "category_key",
                "occurred_on",
                "data",
                "fingerprint",
                "fetched_at",
                "repair_notice_due_on",
            ],
        )
    if authorization_id is not None:
        _hold(authorization_id, connector, existing, [row.source_key for row in rows if row.source_key not in existing])
    return len(rows)


def _hold(authorization_id: int, connector: Connector, existing: dict, written_keys: list[str]) -> None:
    record_ids = {record_id for record_id, _fingerprint in existing.values()}
    if written_keys:
        # The ids of rows just inserted (an upsert keeps the id of a row it updated).
        record_ids.update(
            CreditRecord.objects.filter(connector=connector, source_key__in=written_keys).values_list("pk", flat=True)
        )
    CreditRecordHold.objects.bulk_create(
        [CreditRecordHold(authorization_id=authorization_id, record_id=record_id) for record_id in sorted(record_ids)],
        batch_size=1000,
        ignore_conflicts=True,
    )
