"""Disputes (异议): an enterprise's signer objects to one of its credit records; the hub
forwards the objection to the platform that served the record (CDP/1 ``POST /v1/disputes``),
asks it where the dispute stands until it answers, marks the record 异议中 in every profile
meanwhile, and on ``upheld`` corrects or withdraws the record at the next pull and tells the
banks that read it. A platform without the ``disputes`` capability never sees the dispute:
the hub operator decides it from the operator's queue.

The dispute row is the outbox: ``submitted`` until the platform answered 202, so a platform
that is down loses nothing — the forwarding task retries, and the scheduled tracking job
forwards whatever is still submitted.
"""

from __future__ import annotations

import base64
import hashlib
import logging
import uuid
from datetime import timedelta

from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from connectors import audit
from connectors.base import ConnectorError, DisputeAnswer, DisputeSubmission
from connectors.models import Connector, CreditRecord, Dispute, DisputeEvidence
from connectors.record_keys import category_key, source_key
from connectors.services.connectors import connector_client
from hub.categories import ALL_CATEGORIES, CATEGORY_LABELS
from hub.errors import Conflict, Forbidden, InvalidInput, NotFound
from hub.messages import stored_message
from hub.models import AuditEvent, Notification, Organization, User
from hub.selectors.verification import current_signer, require_verified
from hub.selectors.working_days import add_working_days
from hub.services.document_review import uploaded_file_read
from hub.services.notifications import notification_send

logger = logging.getLogger(__name__)

#: Working days the platform (or the operator) has to answer a dispute.
DEADLINE_WORKING_DAYS = 15
MAX_EVIDENCE_FILES = 5
DISPUTES_CAPABILITY = "disputes"


class Messages:
    ENTERPRISE_ONLY = _("Only people of the enterprise can dispute its records.")
    NOT_A_SIGNER = _(
        "Only the enterprise's legal representative or an agent appointed for this category can dispute its records."
    )
    CATEGORY_UNKNOWN = _("Unknown credit category: %(category)s.")
    NO_SUCH_RECORD = _("The enterprise has no record of this category with this source id.")
    REASON_REQUIRED = _("Say why the record is wrong.")
    TOO_MANY_FILES = _("Attach at most %(count)d evidence files.")
    ALREADY_OPEN = _("This record is already disputed; wait for the answer.")
    NOT_FOUND = _("Dispute not found.")
    OPERATOR_ONLY = _("Only the hub operator decides disputes in the operator's queue.")
    NOT_IN_OPERATOR_QUEUE = _("This dispute is with the platform; the platform decides it.")
    NOT_OPEN = _("The dispute was already decided.")
    DECISION = _("Decide upheld or rejected.")
    RESOLUTION_REQUIRED = _("Give the reason for the decision.")
    QUEUED_TITLE = _("A dispute waits in the operator's queue")
    QUEUED_BODY = _("Dispute #%(id)s of %(enterprise)s about a %(category)s record waits for your decision.")
    UPHELD_TITLE = _("Your dispute was upheld")
    UPHELD_BODY = _("Dispute #%(id)s about a %(category)s record was upheld: %(resolution)s")
    REJECTED_TITLE = _("Your dispute was rejected")
    REJECTED_BODY = _("Dispute #%(id)s about a %(category)s record was rejected: %(resolution)s")
    BANK_TITLE = _("A record you read was found wrong")
    BANK_BODY = _(
        "A %(category)s record of %(enterprise)s that you read was disputed and the dispute upheld; "
        "it is corrected or withdrawn at the next pull. Read the profile again before relying on it."
    )
    OVERDUE_TITLE = _("A dispute is past its deadline")
    OVERDUE_BODY = _("Dispute #%(id)s of %(enterprise)s was due on %(due_on)s and has no answer yet.")


# --- filing ---------------------------------------------------------------------------------------


def _evidence_read(files: list[UploadedFile]) -> list[tuple[str, str, bytes]]:
    if len(files) > MAX_EVIDENCE_FILES:
        message = Messages.TOO_MANY_FILES % {"count": MAX_EVIDENCE_FILES}
        raise InvalidInput(message, fields={"evidence": [message]})
    read = []
    for uploaded in files:
        content, media_type = uploaded_file_read(uploaded, "evidence")
        read.append(((uploaded.name or "evidence")[:200], media_type, content))
    return read


@transaction.atomic
def dispute_file(
    *,
    actor: User,
    uscc: str,
    category: str,
    source_id: str,
    reason: str,
    evidence: list[UploadedFile] | None = None,
) -> Dispute:
    """A signer of a verified enterprise disputes one of its records, with a reason and up to
    five evidence files (PDF, JPEG or PNG, size-limited like verification documents, kept
    encrypted). Due in 15 working days. Forwarded after commit to the platform that served
    the record when it takes disputes, else left in the operator's queue.

    Raises Forbidden (not of this enterprise; ``enterprise_unverified``; ``not_a_signer``),
    InvalidInput naming ``category``, ``source_id``, ``reason`` or ``evidence``, 413/415 for a
    file, Conflict ``dispute_open`` when the record is already disputed.
    """
    enterprise = actor.organization
    if enterprise is None or not enterprise.is_enterprise or enterprise.code != uscc:
        raise Forbidden(Messages.ENTERPRISE_ONLY)
    require_verified(enterprise)
    if category not in ALL_CATEGORIES:
        message = Messages.CATEGORY_UNKNOWN % {"category": category}
        raise InvalidInput(message, fields={"category": [message]})
    signer = current_signer(user=actor, enterprise=enterprise)
    if signer is None or not signer.covers([category]):
        raise Forbidden(Messages.NOT_A_SIGNER, code="not_a_signer")
    reason = (reason or "").strip()
    if not reason:
        raise InvalidInput(Messages.REASON_REQUIRED, fields={"reason": [Messages.REASON_REQUIRED]})
    record = (
        CreditRecord.objects.select_related("connector")
        .filter(
            enterprise=enterprise,
            category_key=category_key(enterprise.pk, category),
            source_key=source_key(category, source_id),
        )
        .first()
    )
    if record is None:
        raise InvalidInput(Messages.NO_SUCH_RECORD, fields={"source_id": [Messages.NO_SUCH_RECORD]})
    files = _evidence_read(list(evidence or []))
    connector = record.connector
    takes_disputes = connector.status == Connector.Status.ACTIVE and DISPUTES_CAPABILITY in connector.capabilities
    now = timezone.now()
    try:
        with transaction.atomic():
            dispute = Dispute.objects.create(
                reference=f"hub-{uuid.uuid4().hex}",
                enterprise=enterprise,
                connector=connector,
                record=record,
                category=category,
                source_id=source_id,
                source_key=record.source_key,
                record_fingerprint=record.fingerprint,
                reason=reason,
                filed_by=actor,
                filed_at=now,
                due_on=add_working_days(timezone.localtime(now), DEADLINE_WORKING_DAYS).date(),
                route=Dispute.Route.PLATFORM if takes_disputes else Dispute.Route.OPERATOR,
            )
    except IntegrityError:
        raise Conflict(Messages.ALREADY_OPEN, code="dispute_open") from None
    DisputeEvidence.objects.bulk_create(
        DisputeEvidence(
            dispute=dispute,
            name=name,
            media_type=media_type,
            size=len(content),
            sha256=hashlib.sha256(content).hexdigest(),
            content=base64.b64encode(content).decode("ascii"),
        )
        for name, media_type, content in files
    )
    audit.dispute_filed(dispute=dispute, actor=actor)
    if takes_disputes:
        from connectors.tasks import forward_dispute

        forward_dispute.delay_on_commit(dispute.pk)
    else:
        _tell_operator_queued(dispute)
    return dispute


def _tell_operator_queued(dispute: Dispute) -> None:
    notification_send(
        organization_id=None,
        kind=Notification.Kind.DISPUTE,
        title=Messages.QUEUED_TITLE,
        body=stored_message(
            Messages.QUEUED_BODY,
            id=dispute.pk,
            enterprise=dispute.enterprise.name,
            category=CATEGORY_LABELS[dispute.category],
        ),
        data={"dispute": dispute.pk},
        dedupe_key=f"dispute-queued-{dispute.pk}",
    )


# --- forwarding and tracking (tasks) --------------------------------------------------------------


def dispute_forward(*, dispute_id: int) -> str:
    """Send a submitted dispute to its platform; returns its status afterwards. Safe to run
    twice (the platform is idempotent on the dispute id, and only a submitted dispute moves).

    Raises ConnectorError for a transient failure (the task retries); a permanent one moves
    the dispute to the operator's queue with the error, so it is decided all the same.
    """
    dispute = Dispute.objects.select_related("connector", "enterprise").get(pk=dispute_id)
    if dispute.status != Dispute.Status.SUBMITTED or dispute.route != Dispute.Route.PLATFORM:
        return dispute.status
    submission = DisputeSubmission(
        dispute_id=dispute.reference,
        uscc=dispute.enterprise.code,
        category=dispute.category,
        source_id=dispute.source_id,
        reason=dispute.reason,
        filed_at=timezone.localtime(dispute.filed_at),
        evidence=list(dispute.evidence.values_list("name", "sha256")),
    )
    try:
        connector_client(dispute.connector).submit_dispute(submission)
    except ConnectorError as error:
        detail = f"{error.code}: {error.message}"[:300]
        with transaction.atomic():
            Dispute.objects.filter(pk=dispute.pk).update(attempts=dispute.attempts + 1, last_error=detail)
            if error.permanent:
                moved = Dispute.objects.filter(
                    pk=dispute.pk, status=Dispute.Status.SUBMITTED, route=Dispute.Route.PLATFORM
                ).update(route=Dispute.Route.OPERATOR)
                if moved:
                    dispute.route = Dispute.Route.OPERATOR
                    audit.dispute_rerouted(dispute=dispute, error=detail)
                    _tell_operator_queued(dispute)
        if not error.permanent:
            raise
        return dispute.status
    with transaction.atomic():
        moved = Dispute.objects.filter(pk=dispute.pk, status=Dispute.Status.SUBMITTED).update(
            status=Dispute.Status.FORWARDED, forwarded_at=timezone.now(), attempts=dispute.attempts + 1, last_error=""
        )
        if moved:
            dispute.status = Dispute.Status.FORWARDED
            audit.dispute_forwarded(dispute=dispute)
    return Dispute.objects.values_list("status", flat=True).get(pk=dispute.pk)


def dispute_poll(*, dispute_id: int) -> str:
    """Ask the platform where a forwarded dispute stands and record its answer; returns the
    status. A failure is recorded on the row and asked again at the next round."""
    dispute = Dispute.objects.select_related("connector", "enterprise").get(pk=dispute_id)
    if dispute.route != Dispute.Route.PLATFORM or dispute.status not in (
        Dispute.Status.FORWARDED,
        Dispute.Status.INVESTIGATING,
    ):
        return dispute.status
    try:
        answer = connector_client(dispute.connector).dispute_status(dispute.reference)
    except ConnectorError as error:
        Dispute.objects.filter(pk=dispute.pk).update(
            polled_at=timezone.now(), last_error=f"{error.code}: {error.message}"[:300]
        )
        return dispute.status
    return _answer_record(dispute, answer)


@transaction.atomic
def _answer_record(dispute: Dispute, answer: DisputeAnswer) -> str:
    Dispute.objects.filter(pk=dispute.pk).update(polled_at=timezone.now(), last_error="")
    if answer.status == "investigating" and dispute.status == Dispute.Status.FORWARDED:
        if Dispute.objects.filter(pk=dispute.pk, status=Dispute.Status.FORWARDED).update(
            status=Dispute.Status.INVESTIGATING
        ):
            dispute.status = Dispute.Status.INVESTIGATING
            audit.dispute_investigating(dispute=dispute)
    elif answer.status in (Dispute.Status.UPHELD, Dispute.Status.REJECTED):
        _resolve(dispute, status=answer.status, resolution=answer.resolution or "", actor=None)
    return dispute.status


def _resolve(dispute: Dispute, *, status: str, resolution: str, actor: User | None) -> None:
    """Close an open dispute (a conditional update: losing a race is a 409), tell the
    enterprise, and on ``upheld`` mark the record for correction at the next pull and tell
    every bank that read the record's category."""
    upheld = status == Dispute.Status.UPHELD
    moved = Dispute.objects.filter(pk=dispute.pk, status__in=Dispute.OPEN).update(
        status=status,
        resolution=resolution,
        resolved_at=timezone.now(),
        resolved_by=actor,
        correction=Dispute.Correction.PENDING if upheld else Dispute.Correction.NONE,
    )
    if not moved:
        raise Conflict(Messages.NOT_OPEN, code="dispute_closed")
    dispute.refresh_from_db()
    audit.dispute_resolved(dispute=dispute, actor=actor)
    category = CATEGORY_LABELS[dispute.category]
    notification_send(
        organization_id=dispute.enterprise_id,
        kind=Notification.Kind.DISPUTE,
        title=Messages.UPHELD_TITLE if upheld else Messages.REJECTED_TITLE,
        body=stored_message(
            Messages.UPHELD_BODY if upheld else Messages.REJECTED_BODY,
            id=dispute.pk,
            category=category,
            resolution=resolution,
        ),
        data={"dispute": dispute.pk},
        dedupe_key=f"dispute-resolved-{dispute.pk}",
    )
    if upheld:
        for bank_id in banks_that_read(enterprise_id=dispute.enterprise_id, category=dispute.category):
            notification_send(
                organization_id=bank_id,
                kind=Notification.Kind.DISPUTE,
                title=Messages.BANK_TITLE,
                body=stored_message(Messages.BANK_BODY, category=category, enterprise=dispute.enterprise.name),
                data={"dispute": dispute.pk, "enterprise": dispute.enterprise.code},
                dedupe_key=f"dispute-upheld-{dispute.pk}-{bank_id}",
            )


def banks_that_read(*, enterprise_id: int, category: str) -> list[int]:
    """The banks whose profile reads of the enterprise (its access log) covered ``category``."""
    reads = AuditEvent.objects.filter(
        organization_id=enterprise_id, action="credit_profile.read", actor_organization_id__isnull=False
    ).values_list("actor_organization_id", "data")
    readers = {organization_id for organization_id, data in reads if category in (data or {}).get("categories", [])}
    return sorted(Organization.objects.filter(pk__in=readers, kind=Organization.Kind.BANK).values_list("pk", flat=True))


@transaction.atomic
def dispute_decide(*, actor: User, dispute_id: int, decision: str, resolution: str) -> Dispute:
    """The hub operator decides a dispute of its queue (a platform without the capability):
    ``upheld`` or ``rejected``, with the reason. Raises Forbidden, NotFound, InvalidInput
    naming ``decision`` or ``resolution``, Conflict when already decided."""
    if not actor.is_operator:
        raise Forbidden(Messages.OPERATOR_ONLY)
    dispute = Dispute.objects.select_related("enterprise").filter(pk=dispute_id).first()
    if dispute is None:
        raise NotFound(Messages.NOT_FOUND)
    if decision not in Dispute.RESOLVED:
        raise InvalidInput(Messages.DECISION, fields={"decision": [Messages.DECISION]})
    resolution = (resolution or "").strip()
    if not resolution:
        raise InvalidInput(Messages.RESOLUTION_REQUIRED, fields={"resolution": [Messages.RESOLUTION_REQUIRED]})
    if dispute.route != Dispute.Route.OPERATOR:
        raise Conflict(Messages.NOT_IN_OPERATOR_QUEUE, code="dispute_with_platform")
    _resolve(dispute, status=decision, resolution=resolution, actor=actor)
    return dispute


# --- the record after an upheld dispute ------------------------------------------------------------


def dispute_corrections_apply(
    *, connector_id: int, enterprise_id: int, categories: list[str], lookback: dict | None = None
) -> int:
    """At the end of a source that answered in full: an upheld dispute's record that came back
    changed was corrected; one that came back unchanged, or not at all, is withdrawn (deleted),
    since the platform upheld that it is wrong. A record older than the pull's look-back for
    its category (``lookback``: category → first day asked) was not asked about: it waits for
    a pull that asks. Call inside the source's last transaction. Returns the disputes settled."""
    settled = 0
    pending = Dispute.objects.filter(
        connector_id=connector_id, enterprise_id=enterprise_id, correction=Dispute.Correction.PENDING
    )
    for dispute in pending:
        if dispute.category not in categories:
            continue
        record = CreditRecord.objects.filter(connector_id=connector_id, source_key=dispute.source_key).first()
        since = (lookback or {}).get(dispute.category)
        if record is not None and since is not None and (record.occurred_on is None or record.occurred_on < since):
            continue
        if record is not None and record.fingerprint != dispute.record_fingerprint:
            dispute.correction = Dispute.Correction.CORRECTED
        else:
            if record is not None:
                record.delete()
            dispute.correction = Dispute.Correction.WITHDRAWN
        dispute.corrected_at = timezone.now()
        Dispute.objects.filter(pk=dispute.pk).update(correction=dispute.correction, corrected_at=dispute.corrected_at)
        audit.dispute_record_corrected(dispute=dispute)
        settled += 1
    return settled


# --- the schedule -------------------------------------------------------------------------------------


def disputes_track() -> dict[str, int]:
    """The scheduled round (at least every 15 minutes): forward what is still submitted (its
    task gave up, or the broker lost it), ask the platforms about every open dispute, remind
    of the overdue ones. Each dispute's failure stays on its row; the round goes on."""
    counts = {"forwarded": 0, "polled": 0, "reminded": 0}
    # A dispute filed a moment ago is its own task's to forward.
    settle = timezone.now() - timedelta(seconds=30)
    waiting = Dispute.objects.filter(
        route=Dispute.Route.PLATFORM, status=Dispute.Status.SUBMITTED, filed_at__lt=settle
    ).values_list("pk", flat=True)
    for dispute_id in list(waiting):
        try:
            if dispute_forward(dispute_id=dispute_id) == Dispute.Status.FORWARDED:
                counts["forwarded"] += 1
        except ConnectorError:
            logger.info("dispute %s still not forwarded", dispute_id)
    tracked = Dispute.objects.filter(
        route=Dispute.Route.PLATFORM, status__in=(Dispute.Status.FORWARDED, Dispute.Status.INVESTIGATING)
    ).values_list("pk", flat=True)
    for dispute_id in list(tracked):
        dispute_poll(dispute_id=dispute_id)
        counts["polled"] += 1
    counts["reminded"] = disputes_remind_overdue()
    return counts


def disputes_remind_overdue(today=None) -> int:
    """Remind the operator and the platform, once, of each open dispute past its deadline."""
    today = today or timezone.localdate()
    reminded = 0
    overdue = Dispute.objects.filter(status__in=Dispute.OPEN, due_on__lt=today, reminded_at__isnull=True)
    for dispute in overdue.select_related("enterprise", "connector"):
        with transaction.atomic():
            if not Dispute.objects.filter(pk=dispute.pk, reminded_at__isnull=True).update(reminded_at=timezone.now()):
                continue
            audit.dispute_overdue(dispute=dispute)
            body = stored_message(
                Messages.OVERDUE_BODY,
                id=dispute.pk,
                enterprise=dispute.enterprise.name,
                due_on=dispute.due_on.isoformat(),
            )
            for organization_id, who in ((None, "operator"), (dispute.connector.platform_id, "platform")):
                notification_send(
                    organization_id=organization_id,
                    kind=Notification.Kind.DISPUTE,
                    title=Messages.OVERDUE_TITLE,
                    body=body,
                    data={"dispute": dispute.pk},
                    dedupe_key=f"dispute-overdue-{who}-{dispute.pk}",
                )
            reminded += 1
    return reminded
