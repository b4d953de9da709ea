"""The wire format of the national uplink protocol, version 1 (docs/national-uplink.md),
shared by the hub's client and the simulator so both follow one text."""

from __future__ import annotations

import json

from django.utils import timezone

PROTOCOL = "national-uplink/1"
BATCHES_PATH = "/v1/facts/batches"
COUNTS_PATH = "/v1/facts/counts"
DEMANDS_PATH = "/v1/demands"
HEALTH_PATH = "/v1/health"

#: Why the national side rejects a fact (the acknowledgement's ``reason``); it may name others.
REJECTION_REASONS = ("schema_invalid", "unknown_type", "unknown_enterprise", "outside_province", "refused")


def dumps(payload) -> bytes:
    return json.dumps(payload, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def envelope(*, sequence: int, fact_type: str, schema: str, idempotency_key: str, occurred_at, data: dict) -> dict:
    """One fact as sent: the envelope around its type's data."""
    return {
        "sequence": sequence,
        "type": fact_type,
        "schema": schema,
        "idempotency_key": idempotency_key,
        "occurred_at": timezone.localtime(occurred_at).isoformat(timespec="seconds"),
        "data": data,
    }


def batch_body(*, batch_id: str, region_code: str, facts: list[dict]) -> bytes:
    return dumps({"protocol": PROTOCOL, "batch_id": batch_id, "province": region_code, "facts": facts})


class AcknowledgementError(ValueError):
    """The national side's answer is no acknowledgement of the batch sent."""


def parse_acknowledgement(payload: dict, *, batch_id: str) -> tuple[set[int], dict[int, tuple[str, str]]]:
    """The accepted sequences, and the rejected ones with (reason code, detail)."""
    if payload.get("batch_id") != batch_id:
        raise AcknowledgementError("the acknowledgement names another batch")
    accepted, rejected = payload.get("accepted"), payload.get("rejected")
    if not isinstance(accepted, list) or not isinstance(rejected, list):
        raise AcknowledgementError("the acknowledgement has no accepted or rejected list")
    if not all(isinstance(sequence, int) for sequence in accepted):
        raise AcknowledgementError("an accepted sequence is no integer")
    refusals: dict[int, tuple[str, str]] = {}
    for item in rejected:
        if not (
            isinstance(item, dict) and isinstance(item.get("sequence"), int) and isinstance(item.get("reason"), str)
        ):
            raise AcknowledgementError("a rejected fact has no sequence or reason")
        detail = item.get("detail")
        refusals[item["sequence"]] = (item["reason"][:64], detail[:500] if isinstance(detail, str) else "")
    return set(accepted), refusals
