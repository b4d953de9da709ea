"""Pages of the enterprise's own credit reports, and the public page that verifies one.

The verification page needs no login and tells only whether an id names a report the hub
issued, when, and whether it was withdrawn; with a PDF uploaded, whether it is that report
byte for byte. Never the enterprise, never the data."""

from __future__ import annotations

from django import forms
from django.conf import settings
from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST

from connectors.report_apis import JWS_MEDIA_TYPE, PDF_MEDIA_TYPE
from connectors.selectors.reports import report_get, report_standing, reports_visible_to
from connectors.services.reports import (
    credit_report_request,
    credit_report_withdraw,
    report_pdf_bytes,
    report_signature,
    verification_url,
)
from hub.errors import HubError
from hub.selectors.verification import current_signer
from hub.web.access import role_required
from hub.web.forms import run_action

RECENT_REPORTS = 50


@role_required("enterprise")
@require_http_methods(["GET", "POST"])
def reports(request):
    """The enterprise's reports; a signer asks for a new one here."""
    enterprise = request.user.organization
    status = 200
    if request.method == "POST":
        try:
            credit_report_request(actor=request.user)
        except HubError as error:
            messages.error(request, error.message)
            status = error.status_code
        else:
            messages.success(request, _("Your records are being fetched; the report is issued when they are in."))
            return redirect("reports")
    rows = [
        {"report": report, "verification_url": verification_url(report.public_id)}
        for report in reports_visible_to(request.user)[:RECENT_REPORTS]
    ]
    context = {
        "rows": rows,
        "is_signer": current_signer(user=request.user, enterprise=enterprise) is not None,
        "is_verified": getattr(getattr(enterprise, "verification", None), "status", "") == "verified",
        "any_pending": any(row["report"].status == "pending" for row in rows),
    }
    return render(request, "connectors/reports.html", context, status=status)


@role_required("enterprise")
@require_http_methods(["GET"])
def report_pdf(request, report_id: str):
    report = report_get(user=request.user, report_id=report_id)
    try:
        content = report_pdf_bytes(report)
    except HubError as error:
        messages.error(request, error.message)
        return redirect("reports")
    # Shown in the browser's own PDF viewer; the viewer's save keeps the exact bytes.
    response = HttpResponse(content, content_type=PDF_MEDIA_TYPE)
    response["Content-Disposition"] = f'inline; filename="credit-report-{report.public_id}.pdf"'
    return response


@role_required("enterprise")
@require_http_methods(["GET"])
def report_jws(request, report_id: str):
    report = report_get(user=request.user, report_id=report_id)
    try:
        token = report_signature(report)
    except HubError as error:
        messages.error(request, error.message)
        return redirect("reports")
    response = HttpResponse(token, content_type=JWS_MEDIA_TYPE)
    response["Content-Disposition"] = f'attachment; filename="credit-report-{report.public_id}.jws"'
    return response


@role_required("enterprise")
@require_POST
def report_withdraw(request, report_id: str):
    run_action(
        request,
        credit_report_withdraw,
        actor=request.user,
        report_id=report_id,
        success=_("The report is withdrawn: its verification page says so from now on."),
    )
    return redirect("reports")


class DocumentForm(forms.Form):
    document = forms.FileField(label=gettext_lazy("The report's PDF file"))


@require_http_methods(["GET", "POST"])
def report_verification(request, report_id: str):
    """Public (no login): authentic / withdrawn / unknown, and an uploaded file compared."""
    form = DocumentForm(request.POST or None, request.FILES or None)
    document = None
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["document"]
        if upload.size > settings.HUB_VERIFICATION_MAX_UPLOAD_BYTES:
            form.add_error("document", _("The file is larger than the hub accepts."))
        else:
            document = upload.read()
    standing = report_standing(report_id, document=document)
    context = {
        "standing": standing,
        "report_id": report_id,
        "form": form,
        "keys_url": f"{settings.HUB_PUBLIC_URL}/api/v1/hub/keys/",
    }
    status = 404 if standing.status == "unknown" else (400 if form.errors else 200)
    return render(request, "connectors/report_verification.html", context, status=status)
