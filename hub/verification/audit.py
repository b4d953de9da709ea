"""Audit events of verification and of the people who sign for an enterprise. Each is
appended in the transaction of the change it records (STYLE.md rule 4). No event carries
personal data: names and ID numbers stay in their encrypted columns."""

from __future__ import annotations

from hub.audit import append_event
from hub.models import AuditEvent, User


def _enterprise_event(action: str, *, enterprise_id: int, actor: User | None, data: dict) -> AuditEvent:
    return append_event(
        action=action,
        actor=actor,
        organization_id=enterprise_id,
        object_type="verification",
        object_id=enterprise_id,
        data=data,
    )


def enterprise_verified(*, verification, actor: User | None) -> AuditEvent:
    return _enterprise_event(
        "verification.verified",
        enterprise_id=verification.enterprise_id,
        actor=actor,
        data={"method": verification.method, "level": verification.level, "uscc": verification.uscc},
    )


def registration_closed(*, verification, holder_id: int) -> AuditEvent:
    return _enterprise_event(
        "verification.closed",
        enterprise_id=verification.enterprise_id,
        actor=None,
        data={"uscc": verification.uscc, "holder": holder_id},
    )


def verification_status_changed(*, verification, actor: User, reason: str = "") -> AuditEvent:
    return _enterprise_event(
        f"verification.{verification.status}",
        enterprise_id=verification.enterprise_id,
        actor=actor,
        data={"method": verification.method, "reason": reason},
    )


def verification_attempted(*, attempt) -> AuditEvent:
    """One question to an identity source (the legal representative check), with its answer."""
    return _enterprise_event(
        "verification.attempted",
        enterprise_id=attempt.enterprise_id,
        actor=attempt.user,
        data={"method": attempt.method, "result": attempt.result},
    )


def signers_required_changed(*, verification, actor: User) -> AuditEvent:
    return _enterprise_event(
        "verification.signers_required_changed",
        enterprise_id=verification.enterprise_id,
        actor=actor,
        data={"signers_required": verification.signers_required},
    )


def documents_submitted(*, review) -> AuditEvent:
    return _enterprise_event(
        "verification.documents_submitted",
        enterprise_id=review.enterprise_id,
        actor=review.uploaded_by,
        data={"review": review.pk, "licence_type": review.licence_type, "letter_type": review.letter_type},
    )


def documents_decided(*, review, actor: User) -> AuditEvent:
    return _enterprise_event(
        f"verification.documents_{review.status}",
        enterprise_id=review.enterprise_id,
        actor=actor,
        data={"review": review.pk, "reason": review.reason},
    )


def signer_appointed(*, signer, actor: User | None) -> AuditEvent:
    return append_event(
        action="signer.appointed",
        actor=actor,
        organization_id=signer.enterprise_id,
        object_type="signer",
        object_id=signer.pk,
        data={
            "user": signer.user.get_username(),
            "role": signer.role,
            "scopes": list(signer.scopes),
            "expires_at": signer.expires_at.isoformat() if signer.expires_at else None,
            "source": signer.source,
            "person": signer.person,
        },
    )


def signer_ended(*, signer, actor: User | None) -> AuditEvent:
    return append_event(
        action="signer.ended",
        actor=actor,
        organization_id=signer.enterprise_id,
        object_type="signer",
        object_id=signer.pk,
        data={"user": signer.user.get_username(), "role": signer.role},
    )
