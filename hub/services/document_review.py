"""Writes of the ``document_review`` verification method: an enterprise's person uploads the
business licence (营业执照) — and, to act as an agent, the letter of authorization
(授权委托书) — and a reviewer who is not the uploader approves or rejects them. Approval
ends, like every method, in :func:`hub.services.verification.enterprise_verify`.

The files are kept as base64 in encrypted columns: they identify the enterprise and its
legal representative, and the reviewers are the only people who read them back.
"""

from __future__ import annotations

import base64
from datetime import timedelta

from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from hub.errors import Conflict, Forbidden, InvalidInput, NotFound, UnsupportedUpload, UploadTooLarge
from hub.models import DocumentReview, Notification, Organization, Signer, User, Verification
from hub.selectors.verification import platform_reviews
from hub.services.notifications import notification_send
from hub.services.verification import Messages as VerificationMessages
from hub.services.verification import enterprise_verify, person_pseudonym, verification_of
from hub.verification import audit
from hub.verification.methods.document_review import DocumentReviewMethod

#: An approved letter of authorization makes its uploader an agent for this long.
AGENT_VALIDITY = timedelta(days=365)

#: What a document may be, told by its first bytes (never by its name or declared type,
#: which the uploader chooses).
MAGIC_NUMBERS = (
    (b"%PDF-", "application/pdf"),
    (b"\xff\xd8\xff", "image/jpeg"),
    (b"\x89PNG\r\n\x1a\n", "image/png"),
)

APPROVE, REJECT = "approve", "reject"
DECISIONS = (APPROVE, REJECT)


class Messages:
    NOT_A_MEMBER = _("Only the enterprise's own people can submit its documents.")
    PENDING = _("Documents of this enterprise are already awaiting review.")
    TOO_LARGE = _("The file is larger than %(limit)s MB.")
    UNSUPPORTED = _("Upload a PDF, JPEG or PNG file.")
    REVIEW_NOT_FOUND = _("Document review not found.")
    NOT_A_REVIEWER = _("Only the hub operator or the city platform of the enterprise's region can review documents.")
    OWN_UPLOAD = _("You uploaded these documents; someone else must review them.")
    NOT_PENDING = _("These documents were already decided.")
    DECISION = _("Decide approve or reject.")
    REASON_REQUIRED = _("Give a reason for the rejection.")
    APPROVED_NOTICE_TITLE = _("Your documents were approved")
    APPROVED_NOTICE_BODY = _("The documents you submitted for verification were approved.")
    REJECTED_NOTICE_TITLE = _("Your documents were rejected")


def sniff_media_type(head: bytes) -> str | None:
    """The media type the first bytes of a file announce, if it is one we accept."""
    for magic, media_type in MAGIC_NUMBERS:
        if head.startswith(magic):
            return media_type
    return None


def uploaded_file_read(uploaded: UploadedFile, field: str) -> tuple[bytes, str]:
    """The file's bytes and its sniffed media type. Raises 413 or 415 naming ``field``."""
    limit = settings.HUB_VERIFICATION_MAX_UPLOAD_BYTES
    if uploaded.size is not None and uploaded.size > limit:
        raise _too_large(field, limit)
    uploaded.seek(0)
    content = uploaded.read(limit + 1)
    if len(content) > limit:  # a size the client misreported
        raise _too_large(field, limit)
    media_type = sniff_media_type(content[:16])
    if media_type is None:
        raise UnsupportedUpload(Messages.UNSUPPORTED, fields={field: [Messages.UNSUPPORTED]})
    return content, media_type


def _too_large(field: str, limit: int) -> UploadTooLarge:
    message = Messages.TOO_LARGE % {"limit": limit // 2**20}
    return UploadTooLarge(message, fields={field: [message]})


@transaction.atomic
def documents_submit(
    *, actor: User, enterprise: Organization, licence: UploadedFile, letter: UploadedFile | None = None
) -> DocumentReview:
    """A person of the enterprise submits its documents for review (at most one submission
    pending per registration). A rejected registration may submit again; a closed one may not.

    Raises Forbidden (not a person of this registration), Conflict (closed, or documents
    already pending), UploadTooLarge (413) or UnsupportedUpload (415) naming the field.
    """
    if actor.organization_id != enterprise.pk:
        raise Forbidden(Messages.NOT_A_MEMBER)
    # The files are checked before anything is locked: reading them is the slow part.
    licence_content, licence_type = uploaded_file_read(licence, "licence")
    letter_content, letter_type = uploaded_file_read(letter, "letter") if letter is not None else (b"", "")
    verification = verification_of(enterprise, lock=True)
    if verification.closed:
        raise Conflict(VerificationMessages.CLOSED, code="registration_closed")
    if DocumentReview.objects.filter(enterprise=enterprise, status=DocumentReview.Status.PENDING).exists():
        raise Conflict(Messages.PENDING, code="review_pending")
    try:
        with transaction.atomic():
            review = DocumentReview.objects.create(
                enterprise=enterprise,
                uploaded_by=actor,
                licence=base64.b64encode(licence_content).decode("ascii"),
                licence_type=licence_type,
                letter=base64.b64encode(letter_content).decode("ascii") if letter_content else "",
                letter_type=letter_type,
            )
    except IntegrityError:
        # A concurrent submission of the same registration came first (one pending at most).
        raise Conflict(Messages.PENDING, code="review_pending") from None
    audit.documents_submitted(review=review)
    return review


def _may_review(actor: User, enterprise: Organization) -> bool:
    organization = actor.organization
    return actor.is_operator or (organization is not None and platform_reviews(organization, enterprise))


@transaction.atomic
def documents_decide(*, actor: User, review_id: int, decision: str, reason: str = "") -> DocumentReview:
    """A reviewer — the hub operator, or a person of a city platform whose region covers
    the enterprise — approves or rejects a pending submission; never its uploader (maker-checker).

    Approval verifies the registration: the uploader becomes its legal representative, or,
    with a letter of authorization, an agent for every category for one year. Rejection
    marks a still unverified registration rejected with the reason (it may try again).
    The enterprise is told either way.

    Raises NotFound (no such review, or not the caller's to see), Forbidden (the uploader,
    the enterprise's other people), InvalidInput (unknown decision, reject without reason),
    Conflict (decided already; or, from enterprise_verify, the USCC is held or the
    registration closed).
    """
    review = DocumentReview.objects.select_for_update().select_related("enterprise", "uploaded_by")
    review = review.filter(pk=review_id).first()
    if review is None:
        raise NotFound(Messages.REVIEW_NOT_FOUND)
    if review.uploaded_by_id == actor.pk:
        raise Forbidden(Messages.OWN_UPLOAD, code="own_upload")
    if not _may_review(actor, review.enterprise):
        if actor.organization_id == review.enterprise_id:
            raise Forbidden(Messages.NOT_A_REVIEWER)
        raise NotFound(Messages.REVIEW_NOT_FOUND)
    if decision not in DECISIONS:
        raise InvalidInput(Messages.DECISION, fields={"decision": [Messages.DECISION]})
    reason = (reason or "").strip()[:500]
    if decision == REJECT and not reason:
        raise InvalidInput(Messages.REASON_REQUIRED, fields={"reason": [Messages.REASON_REQUIRED]})
    if review.status != DocumentReview.Status.PENDING:
        raise Conflict(Messages.NOT_PENDING, code="not_pending")

    review.decided_by, review.decided_at, review.reason = actor, timezone.now(), reason
    if decision == APPROVE:
        _approve(review, actor)
    else:
        _reject(review, actor)
    review.save(update_fields=["status", "decided_by", "decided_at", "reason"])
    audit.documents_decided(review=review, actor=actor)
    return review


def _approve(review: DocumentReview, actor: User) -> None:
    was_verified = verification_of(review.enterprise).status in Verification.HOLDING
    agent = review.for_agent
    enterprise_verify(
        enterprise=review.enterprise,
        method=DocumentReviewMethod.key,
        level=DocumentReviewMethod.level,
        signer_user=review.uploaded_by,
        signer_role=Signer.Role.AGENT if agent else Signer.Role.LEGAL_REPRESENTATIVE,
        person=person_pseudonym("user", str(review.uploaded_by_id)),
        decided_by=actor,
        agent_scopes=None,  # every category: the letter authorizes the agent as a whole
        agent_expires_at=timezone.now() + AGENT_VALIDITY if agent else None,
    )
    review.status = DocumentReview.Status.APPROVED
    # enterprise_verify tells a newly verified enterprise itself; an enterprise that was
    # verified already (a new agent's letter, say) hears of the approval here.
    if was_verified:
        _notify(review, Messages.APPROVED_NOTICE_TITLE, Messages.APPROVED_NOTICE_BODY)


def _reject(review: DocumentReview, actor: User) -> None:
    review.status = DocumentReview.Status.REJECTED
    verification = verification_of(review.enterprise, lock=True)
    # Only a not yet verified registration's state says "rejected": a verified one stays
    # verified when, say, a new agent's letter is refused; a closed one stays closed.
    if (
        verification.status in (Verification.Status.UNVERIFIED, Verification.Status.REJECTED)
        and not verification.closed
    ):
        verification.status, verification.reason = Verification.Status.REJECTED, review.reason
        verification.decided_by = actor
        verification.save(update_fields=["status", "reason", "decided_by", "updated_at"])
        audit.verification_status_changed(verification=verification, actor=actor, reason=review.reason)
    _notify(review, Messages.REJECTED_NOTICE_TITLE, review.reason)


def _notify(review: DocumentReview, title, body) -> None:
    notification_send(
        organization_id=review.enterprise_id,
        kind=Notification.Kind.VERIFICATION,
        title=title,
        body=body,
        data={"review": review.pk, "status": review.status},
    )
