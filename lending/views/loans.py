"""Pages of a bank's loans after disbursement: the loan book, one loan with its monthly
reports, and the upload of a month's reports (CSV) with the faults named by row and field."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods

from hub.errors import HubError, NotFound
from hub.identifiers import region_name
from hub.web.access import role_required
from hub.web.pagination import page_of
from lending.models import LoanStatus
from lending.selectors.loans import loan_get, loan_list, loan_renewed_from, loan_reports
from lending.services.loans import COLUMNS, csv_rows, loan_reports_submit
from lending.views.common import GUARANTEE_LABELS, category_label, query_without_page, rate_text

LOANS_PAGE_SIZE = 50
ALL = ""


class LoanFilterForm(forms.Form):
    status = forms.ChoiceField(
        label=gettext_lazy("Status"), required=False, choices=[(ALL, gettext_lazy("All")), *LoanStatus.choices]
    )


class LoanReportUploadForm(forms.Form):
    file = forms.FileField(
        label=gettext_lazy("Monthly reports (CSV)"), widget=forms.FileInput(attrs={"accept": ".csv,text/csv"})
    )


@role_required("bank")
@require_http_methods(["GET"])
def loans(request):
    """The bank's loans, newest first, with their latest status."""
    form = LoanFilterForm(request.GET or None)
    status = form.cleaned_data["status"] if form.is_bound and form.is_valid() else ALL
    page, number, has_next = page_of(request, loan_list(user=request.user, filters={"status": status}), LOANS_PAGE_SIZE)
    context = {
        "filter_form": form if form.is_bound else LoanFilterForm(),
        "loans": page,
        "page_number": number,
        "has_next": has_next,
        "page_query": query_without_page(request),
    }
    return render(request, "lending/loans.html", context)


@role_required("bank")
@require_http_methods(["GET"])
def loan_detail(request, loan_id: int):
    """One loan, its terms and declarations, and its monthly reports."""
    loan = loan_get(user=request.user, loan_id=loan_id)
    context = {
        "loan": loan,
        "reports": loan_reports(loan),
        "renews": loan_renewed_from(loan),
        "category_label": category_label(loan.category),
        "guarantee_label": GUARANTEE_LABELS.get(loan.guarantee, loan.guarantee),
        "rate": rate_text(loan.rate),
        "region": region_name(loan.region_code) or loan.region_code,
    }
    return render(request, "lending/loan_detail.html", context)


@role_required("bank")
@require_http_methods(["GET", "POST"])
def loan_reports_upload(request):
    """Upload a CSV of monthly reports: stored whole, or not at all with every fault listed
    by row and field."""
    form = LoanReportUploadForm(request.POST or None, request.FILES or None)
    context = {"form": form, "columns": COLUMNS, "faults": []}
    if request.method == "GET":
        return render(request, "lending/loan_reports_upload.html", context)
    if not form.is_valid():
        return render(request, "lending/loan_reports_upload.html", context, status=400)
    try:
        outcome = loan_reports_submit(actor=request.user, rows=csv_rows(form.cleaned_data["file"]), source="csv")
    except HubError as error:  # a loan not the bank's is a fault of its row here, not a missing page
        context["error"] = error.message
        context["faults"] = [
            {"where": where, "message": message} for where, messages_ in error.fields.items() for message in messages_
        ]
        status = 400 if isinstance(error, NotFound) else error.status_code
        return render(request, "lending/loan_reports_upload.html", context, status=status)
    messages.success(
        request,
        _("Reports stored: %(created)d new, %(corrected)d corrected, %(unchanged)d unchanged.")
        % {"created": outcome.created, "corrected": outcome.corrected, "unchanged": outcome.unchanged},
    )
    return redirect("loans")
