"""Reads of credit reports: the enterprise's own people see its reports; the public
verification page learns only whether an id is authentic, when and whether withdrawn."""

from __future__ import annotations

import hashlib
import uuid
from dataclasses import dataclass
from datetime import datetime

from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from connectors.models import CreditReport
from hub.errors import NotFound
from hub.models import User


def reports_visible_to(user: User) -> QuerySet[CreditReport]:
    """An enterprise's people see its reports, newest first; nobody else sees any."""
    organization = user.organization
    if organization is None or not organization.is_enterprise:
        return CreditReport.objects.none()
    return CreditReport.objects.filter(enterprise_id=organization.pk).select_related("enterprise").order_by("-pk")


def report_get(*, user: User, report_id) -> CreditReport:
    """One of the caller's enterprise's reports; 404 for anything else (also a malformed id)."""
    try:
        report_uuid = uuid.UUID(str(report_id))
    except ValueError:
        raise NotFound(_("Credit report not found.")) from None
    report = reports_visible_to(user).filter(public_id=report_uuid).first()
    if report is None:
        raise NotFound(_("Credit report not found."))
    return report


@dataclass(frozen=True)
class ReportStanding:
    """All the public verification page tells: no name, no code, no data."""

    status: str  # issued, withdrawn, or unknown (never issued: pending, failed, no such id)
    issued_at: datetime | None = None
    withdrawn_at: datetime | None = None
    document_matches: bool | None = None  # an uploaded file compared byte for byte


def report_standing(report_id, *, document: bytes | None = None) -> ReportStanding:
    """Whether ``report_id`` names a report the hub issued, and if ``document`` is given,
    whether it is that report's PDF exactly."""
    try:
        report_uuid = uuid.UUID(str(report_id))
    except ValueError:
        return ReportStanding("unknown")
    row = (
        CreditReport.objects.filter(
            public_id=report_uuid, status__in=(CreditReport.Status.ISSUED, CreditReport.Status.WITHDRAWN)
        )
        .values("status", "issued_at", "withdrawn_at", "pdf_sha256")
        .first()
    )
    if row is None:
        return ReportStanding("unknown")
    matches = None if document is None else hashlib.sha256(document).hexdigest() == row["pdf_sha256"]
    return ReportStanding(row["status"], row["issued_at"], row["withdrawn_at"], matches)
