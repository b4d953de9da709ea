"""The enterprise's own credit report (信用报告): asked for by one of its signers, made from a
pull of its own records (purpose ``self``), signed by the hub, withdrawn by the enterprise.

The signature is a compact JWS (EdDSA, the hub's signing keys, the JWKS at
``/api/v1/hub/keys/``) over the SHA-256 of the report's content as canonical JSON. The JSON
and the JWS are attached to the PDF, and the JWS is also handed out beside it: whoever holds
the file checks it offline. The hub keeps the hashes and the signature (what its public
verification page answers from) and the PDF encrypted, for the enterprise's downloads.
"""

from __future__ import annotations

import base64
import hashlib
import json
import logging

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import transaction
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _

from connectors import audit
from connectors.models import CreditPull, CreditReport
from connectors.models.pulls import FINISHED, PullStatus
from connectors.report_pdf import ReportFontMissing, render_report_pdf, report_font_problem
from connectors.selectors.profiles import build_profile
from connectors.services.pulls import own_credit_pull_start
from hub.categories import ALL_CATEGORIES
from hub.errors import Conflict, Forbidden, ServiceUnavailable
from hub.models import User
from hub.receipts import ISSUER, sign_jws
from hub.selectors.verification import current_signer, require_verified

logger = logging.getLogger(__name__)

#: The JWS header's typ: a report's signature is no consent receipt.
REPORT_TYP = "credit-report+jwt"


class Messages:
    ENTERPRISE_ONLY = _("Only an enterprise's own people ask for its credit report.")
    NOT_A_SIGNER = _("Only the enterprise's legal representative or one of its agents can ask for its credit report.")
    FONT_MISSING = _("Credit reports cannot be made at the moment: the hub lacks the report's font. Tell the operator.")
    NOT_ISSUED = _("The report is %(status)s; only an issued report can be downloaded or withdrawn.")
    PULL_FAILED = _("The pull of the enterprise's own records did not succeed (%(status)s): %(error)s")


def verification_url(report_id) -> str:
    """The public page that says whether a report is authentic (no login, no data)."""
    return f"{settings.HUB_PUBLIC_URL}{reverse('report-verification', args=[report_id])}"


@transaction.atomic
def credit_report_request(*, actor: User) -> CreditReport:
    """A signer of a verified enterprise asks for its credit report: its own pull of every
    category starts, and the report is issued once the pull has ended (queued after commit).

    Raises Forbidden (no enterprise user; ``enterprise_unverified``; ``not_a_signer``) and
    ServiceUnavailable ``report_font_missing`` when no report could be made (nothing stored).
    """
    enterprise = actor.organization
    if enterprise is None or not enterprise.is_enterprise:
        raise Forbidden(Messages.ENTERPRISE_ONLY)
    require_verified(enterprise)
    if current_signer(user=actor, enterprise=enterprise) is None:
        raise Forbidden(Messages.NOT_A_SIGNER, code="not_a_signer")
    problem = report_font_problem()
    if problem:
        logger.error("credit report refused: %s", problem)
        raise ServiceUnavailable(Messages.FONT_MISSING, code="report_font_missing")
    pull = own_credit_pull_start(actor=actor, enterprise=enterprise)
    report = CreditReport.objects.create(enterprise=enterprise, pull=pull, requested_by=actor)
    audit.credit_report_requested(report=report, actor=actor)
    if pull.status in FINISHED:  # no connector covers it: the pull failed at once
        from connectors.tasks import issue_credit_report_of_pull

        issue_credit_report_of_pull.delay_on_commit(pull.pk)
    return report


def report_content(*, report: CreditReport, issued_at) -> dict:
    """What the report says, as it is signed: the enterprise, its summary and every
    category's records as stored now, when it was issued, its id and where to verify it."""
    enterprise = report.enterprise
    profile = build_profile(enterprise_id=enterprise.pk, uscc=enterprise.code, categories=list(ALL_CATEGORIES))
    return {
        "id": str(report.public_id),
        "issuer": ISSUER,
        "issued_at": timezone.localtime(issued_at).isoformat(),
        "enterprise": {"name": enterprise.name, "uscc": enterprise.code},
        "summary": profile["summary"],
        "categories": {
            category: {
                "fetched_at": section["fetched_at"],
                "records": [
                    {key: record[key] for key in ("source_id", "occurred_on", "data", "connector")}
                    for record in section["records"]
                ],
            }
            for category, section in profile["categories"].items()
        },
        "verification_url": verification_url(report.public_id),
    }


def canonical_json(content: dict) -> bytes:
    """Sorted keys, no spaces, UTF-8: the exact bytes whose SHA-256 is signed."""
    return json.dumps(content, cls=DjangoJSONEncoder, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode(
        "utf-8"
    )


def report_claims(*, report: CreditReport, content_sha256: str, issued_at) -> dict:
    return {
        "iss": ISSUER,
        "jti": str(report.public_id),
        "sub": report.enterprise.code,
        "iat": int(issued_at.timestamp()),
        "content_sha256": content_sha256,
        "verification_url": verification_url(report.public_id),
    }


@transaction.atomic
def credit_report_issue(*, pull_id: int) -> str:
    """Issue the report of an enterprise's own pull once the pull has ended: from its
    records when the pull succeeded (or partly), failed with the pull's reason otherwise.
    Returns the report's status. Safe to run twice, and before the pull ended (it waits)."""
    report = (
        CreditReport.objects.select_for_update(of=("self",))
        .select_related("enterprise", "pull", "requested_by")
        .filter(pull_id=pull_id)
        .first()
    )
    if report is None:
        return ""
    if report.status != CreditReport.Status.PENDING or report.pull.status not in FINISHED:
        return report.status
    pull: CreditPull = report.pull
    if pull.status not in (PullStatus.SUCCEEDED, PullStatus.PARTIAL):
        report.status = CreditReport.Status.FAILED
        report.error = str(Messages.PULL_FAILED % {"status": pull.get_status_display(), "error": pull.error})[:300]
        report.save(update_fields=["status", "error"])
        audit.credit_report_failed(report=report, actor=report.requested_by)
        return report.status
    issued_at = timezone.now()
    # The report is a document in the hub's language, whoever's request made it.
    with translation.override(settings.LANGUAGE_CODE):
        content = report_content(report=report, issued_at=issued_at)
        content_json = canonical_json(content)
        content_sha256 = hashlib.sha256(content_json).hexdigest()
        signature = sign_jws(
            report_claims(report=report, content_sha256=content_sha256, issued_at=issued_at), typ=REPORT_TYP
        )
        try:
            pdf = render_report_pdf(content=content, content_json=content_json, signature=signature)
        except ReportFontMissing as error:
            logger.error("credit report %s not issued: %s", report.public_id, error)
            report.status, report.error = CreditReport.Status.FAILED, str(Messages.FONT_MISSING)
            report.save(update_fields=["status", "error"])
            audit.credit_report_failed(report=report, actor=report.requested_by)
            return report.status
    report.status = CreditReport.Status.ISSUED
    report.issued_at = issued_at
    report.content_sha256 = content_sha256
    report.pdf_sha256 = hashlib.sha256(pdf).hexdigest()
    report.signature = signature
    report.pdf = base64.b64encode(pdf).decode("ascii")
    report.save(update_fields=["status", "issued_at", "content_sha256", "pdf_sha256", "signature", "pdf"])
    audit.credit_report_issued(report=report, actor=report.requested_by, categories=list(content["categories"]))
    return report.status


@transaction.atomic
def credit_report_withdraw(*, actor: User, report_id) -> CreditReport:
    """The enterprise withdraws an issued report: the verification page says so from now on.

    Raises NotFound (not the caller's enterprise's), Forbidden ``not_a_signer`` and Conflict
    when the report is not issued (pending, failed, or withdrawn already)."""
    from connectors.selectors.reports import report_get

    report = report_get(user=actor, report_id=report_id)
    if current_signer(user=actor, enterprise=report.enterprise) is None:
        raise Forbidden(Messages.NOT_A_SIGNER, code="not_a_signer")
    now = timezone.now()
    changed = CreditReport.objects.filter(pk=report.pk, status=CreditReport.Status.ISSUED).update(
        status=CreditReport.Status.WITHDRAWN, withdrawn_at=now, withdrawn_by=actor
    )
    if not changed:
        raise Conflict(Messages.NOT_ISSUED % {"status": report.get_status_display()})
    report.refresh_from_db()
    audit.credit_report_withdrawn(report=report, actor=actor)
    return report


def report_pdf_bytes(report: CreditReport) -> bytes:
    """The issued (or withdrawn) report's PDF; Conflict while there is none."""
    if not report.pdf:
        raise Conflict(Messages.NOT_ISSUED % {"status": report.get_status_display()})
    return base64.b64decode(report.pdf)


def report_signature(report: CreditReport) -> str:
    """The issued (or withdrawn) report's compact JWS; Conflict while there is none."""
    if not report.signature:
        raise Conflict(Messages.NOT_ISSUED % {"status": report.get_status_display()})
    return report.signature
