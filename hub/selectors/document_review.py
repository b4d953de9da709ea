"""Reads of the ``document_review`` verification method: what a reviewer may open, what an
enterprise sees of its own submissions, and the files themselves. The queue is
``hub.selectors.verification.document_reviews_pending_for``."""

from __future__ import annotations

import base64

from django.utils.translation import gettext_lazy as _

from hub.errors import Conflict, NotFound
from hub.identifiers import region_prefix
from hub.models import DocumentReview, Organization, User

DOCUMENTS = ("licence", "letter")


class Messages:
    NOT_FOUND = _("Document review not found.")
    NOTHING_PENDING = _("No documents of this enterprise are awaiting review.")


def document_reviews_reviewable_by(user: User):
    """Every submission (any status) a reviewer may open: all for the operator, the
    enterprises of its region for a city platform's people, none for anyone else."""
    queryset = DocumentReview.objects.select_related("enterprise", "uploaded_by", "decided_by")
    if user.is_operator:
        return queryset
    organization = user.organization
    if organization is None or not organization.is_platform:
        return queryset.none()
    return queryset.filter(enterprise__region_code__startswith=region_prefix(organization.region_code))


def document_review_for_reviewer(*, user: User, review_id: int) -> DocumentReview:
    """One submission a reviewer may open. Raises NotFound for anyone else."""
    review = document_reviews_reviewable_by(user).filter(pk=review_id).first()
    if review is None:
        raise NotFound(Messages.NOT_FOUND)
    return review


def document_review_latest(enterprise: Organization) -> DocumentReview | None:
    """The enterprise's most recent submission, whatever became of it (its upload page)."""
    return (
        DocumentReview.objects.filter(enterprise=enterprise)
        .select_related("uploaded_by")
        .order_by("-uploaded_at", "-pk")
        .defer("licence", "letter")
        .first()
    )


def document_review_pending_id(enterprise: Organization) -> int:
    """The enterprise's submission awaiting a decision: the API decides "the enterprise's
    documents", not a review by id. Raises Conflict when none is pending."""
    review_id = (
        DocumentReview.objects.filter(enterprise=enterprise, status=DocumentReview.Status.PENDING)
        .values_list("pk", flat=True)
        .first()
    )
    if review_id is None:
        raise Conflict(Messages.NOTHING_PENDING, code="not_pending")
    return review_id


def document_content(review: DocumentReview, document: str) -> tuple[bytes, str]:
    """The bytes of ``document`` (licence or letter) and the media type sniffed at upload.
    Raises NotFound for an unknown document or a letter that was not uploaded."""
    if document not in DOCUMENTS:
        raise NotFound(Messages.NOT_FOUND)
    encoded, media_type = getattr(review, document), getattr(review, f"{document}_type")
    if not encoded:
        raise NotFound(Messages.NOT_FOUND)
    return base64.b64decode(encoded), media_type
