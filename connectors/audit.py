"""Audit events of the connectors app, one function per event type, appended to the hub's
hash-chained log in the caller's transaction. Reads of credit data are what the enterprise's
access log shows (hub.audit.CREDIT_DATA_ACTIONS names them)."""

from __future__ import annotations

from hub.audit import NewEvent, append_event, append_events
from hub.models import AuditEvent, User


def credit_pull_started(*, pull, purpose: str, actor: User) -> AuditEvent:
    """A bank's pull under its authorization, or the enterprise's own (purpose ``self``, no
    authorization): both are reads of its credit data, in its access log."""
    return append_event(
        action="credit_pull.started",
        actor=actor,
        organization_id=pull.enterprise_id,
        object_type="credit_pull",
        object_id=pull.pk,
        data={"categories": list(pull.categories), "authorization": pull.authorization_id, "purpose": purpose},
    )


def credit_report_requested(*, report, actor: User) -> AuditEvent:
    return append_event(
        action="credit_report.requested",
        actor=actor,
        organization_id=report.enterprise_id,
        object_type="credit_report",
        object_id=report.public_id,
        data={"pull": report.pull_id},
    )


def credit_report_issued(*, report, actor: User, categories: list[str]) -> AuditEvent:
    """The report read the enterprise's records into a document: a read of its credit data."""
    return append_event(
        action="credit_report.issued",
        actor=actor,
        organization_id=report.enterprise_id,
        object_type="credit_report",
        object_id=report.public_id,
        data={"categories": categories, "purpose": "self", "content_sha256": report.content_sha256},
    )


def credit_report_failed(*, report, actor: User) -> AuditEvent:
    return append_event(
        action="credit_report.failed",
        actor=actor,
        organization_id=report.enterprise_id,
        object_type="credit_report",
        object_id=report.public_id,
        data={"error": report.error},
    )


def credit_report_withdrawn(*, report, actor: User) -> AuditEvent:
    return append_event(
        action="credit_report.withdrawn",
        actor=actor,
        organization_id=report.enterprise_id,
        object_type="credit_report",
        object_id=report.public_id,
        data={},
    )


def credit_profile_read(
    *, enterprise_id: int, actor: User, categories: list[str], authorization_ids: list[int], purposes: list[str]
) -> AuditEvent:
    """A read of an enterprise's credit profile; by a bank, it is a use of its authorizations."""
    return append_event(
        action="credit_profile.read",
        actor=actor,
        organization_id=enterprise_id,
        object_type="credit_profile",
        object_id=enterprise_id,
        data={
            "categories": categories,
            "authorizations": authorization_ids,
            "purposes": purposes,
        },
    )


def connector_registered(*, connector, actor: User) -> AuditEvent:
    return append_event(
        action="connector.registered",
        actor=actor,
        organization_id=connector.platform_id,
        object_type="connector",
        object_id=connector.pk,
        data={"kind": connector.kind, "base_url": connector.base_url, "regions": connector.region_codes},
    )


def connector_status_changed(*, connector, actor: User, status: str) -> AuditEvent:
    return append_event(
        action=f"connector.{status}",
        actor=actor,
        organization_id=connector.platform_id,
        object_type="connector",
        object_id=connector.pk,
        data={"status": status},
    )


def credit_records_deleted(*, deletions: list[tuple]) -> list[AuditEvent]:
    """Purges released what authorizations held (retention), as (deletion, authorization)
    pairs: each in its enterprise's chain and access log, with its signed deletion receipt.
    Appended together: a batch of the purge ends the purges of dozens of authorizations."""
    return append_events(
        [
            NewEvent(
                action="credit_records.deleted",
                actor=None,
                organization_id=deletion.enterprise_id,
                object_type="record_deletion",
                object_id=deletion.pk,
                data={
                    "categories": sorted(deletion.released),
                    "authorization": authorization.pk,
                    "purpose": authorization.purpose,
                    "bank": deletion.bank_id,
                    "released": sum(deletion.released.values()),
                    "deleted": deletion.deleted,
                    "records_digest": deletion.records_digest,
                    "receipt": deletion.receipt,
                },
            )
            for deletion, authorization in deletions
        ]
    )


def retention_policy_changed(*, policy, actor: User, before: dict, after: dict) -> AuditEvent:
    return append_event(
        action="retention_policy.changed",
        actor=actor,
        organization_id=None,
        object_type="retention_policy",
        object_id=policy.purpose,
        data={"before": before, "after": after},
    )


# --- disputes (异议) ------------------------------------------------------------------------------


def _dispute_event(action: str, *, dispute, actor: User | None, data: dict | None = None) -> AuditEvent:
    return append_event(
        action=action,
        actor=actor,
        organization_id=dispute.enterprise_id,
        object_type="dispute",
        object_id=dispute.pk,
        data={"connector": dispute.connector_id, "route": dispute.route, **(data or {})},
    )


def dispute_filed(*, dispute, actor: User) -> AuditEvent:
    return _dispute_event(
        "dispute.filed",
        dispute=dispute,
        actor=actor,
        data={"record": dispute.record_id, "due_on": dispute.due_on.isoformat(), "evidence": dispute.evidence.count()},
    )


def dispute_forwarded(*, dispute) -> AuditEvent:
    return _dispute_event("dispute.forwarded", dispute=dispute, actor=None, data={"reference": dispute.reference})


def dispute_rerouted(*, dispute, error: str) -> AuditEvent:
    """The platform refused the dispute for good: it goes to the operator's queue."""
    return _dispute_event("dispute.rerouted", dispute=dispute, actor=None, data={"error": error})


def dispute_investigating(*, dispute) -> AuditEvent:
    return _dispute_event("dispute.investigating", dispute=dispute, actor=None)


def dispute_resolved(*, dispute, actor: User | None) -> AuditEvent:
    return _dispute_event("dispute.resolved", dispute=dispute, actor=actor, data={"status": dispute.status})


def dispute_record_corrected(*, dispute) -> AuditEvent:
    return _dispute_event(
        "dispute.record_corrected", dispute=dispute, actor=None, data={"correction": dispute.correction}
    )


def dispute_overdue(*, dispute) -> AuditEvent:
    return _dispute_event("dispute.overdue", dispute=dispute, actor=None, data={"due_on": dispute.due_on.isoformat()})


def national_link_changed(*, actor: User, action: str) -> AuditEvent:
    """The operator paused or resumed the national link."""
    return append_event(
        action=f"national_link.{action}", actor=actor, organization_id=None, object_type="national_link", object_id=1
    )


def uplink_fact_requeued(*, actor: User, fact) -> AuditEvent:
    return append_event(
        action="uplink_fact.requeued",
        actor=actor,
        organization_id=None,
        object_type="uplink_fact",
        object_id=fact.pk,
        data={"type": fact.fact_type, "reason_code": fact.reason_code},
    )
