"""Pages of disputes (异议): the enterprise files and follows its own, the operator and the
platforms work their queues, regulators read the statistics. Thin, as every page."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST

from connectors.models import Dispute
from connectors.selectors.disputes import dispute_get, dispute_statistics, disputes_visible_to
from connectors.services.disputes import dispute_decide, dispute_file
from hub.categories import CATEGORY_LABELS, Category
from hub.errors import HubError
from hub.web.access import role_required
from hub.web.forms import add_service_error, run_action


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    widget = MultipleFileInput

    def clean(self, data, initial=None):
        files = data if isinstance(data, list | tuple) else [data] if data else []
        return [super(MultipleFileField, self).clean(item, initial) for item in files]


class DisputeFileForm(forms.Form):
    category = forms.ChoiceField(label=gettext_lazy("Credit category"), choices=Category.choices)
    source_id = forms.CharField(label=gettext_lazy("Record (source id)"), max_length=200)
    reason = forms.CharField(label=gettext_lazy("Why the record is wrong"), max_length=2000, widget=forms.Textarea)
    evidence = MultipleFileField(label=gettext_lazy("Evidence (PDF, JPEG or PNG; optional, at most 5)"), required=False)


class DisputeDecisionForm(forms.Form):
    decision = forms.ChoiceField(
        label=gettext_lazy("Decision"),
        choices=[(Dispute.Status.UPHELD, gettext_lazy("Upheld")), (Dispute.Status.REJECTED, gettext_lazy("Rejected"))],
    )
    resolution = forms.CharField(label=gettext_lazy("Reason"), max_length=2000, widget=forms.Textarea)


def _rows(disputes) -> list[dict]:
    return [{"dispute": dispute, "category_label": CATEGORY_LABELS.get(dispute.category, "")} for dispute in disputes]


@role_required("enterprise", "operator", "platform")
@require_http_methods(["GET"])
def disputes(request):
    """The enterprise's disputes, the platform's queue, or every dispute for the operator
    (its own queue first)."""
    shown = disputes_visible_to(request.user)
    operator_queue = (
        _rows(shown.filter(route=Dispute.Route.OPERATOR, status__in=Dispute.OPEN)) if request.user.is_operator else []
    )
    return render(request, "connectors/disputes.html", {"rows": _rows(shown[:200]), "operator_queue": operator_queue})


@role_required("enterprise")
@require_http_methods(["GET", "POST"])
def dispute_new(request):
    initial = {"category": request.GET.get("category", ""), "source_id": request.GET.get("source_id", "")}
    form = DisputeFileForm(request.POST or None, request.FILES or None, initial=initial)
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            try:
                dispute = dispute_file(
                    actor=request.user,
                    uscc=request.user.organization.code,
                    category=form.cleaned_data["category"],
                    source_id=form.cleaned_data["source_id"],
                    reason=form.cleaned_data["reason"],
                    evidence=form.cleaned_data["evidence"],
                )
            except HubError as error:
                add_service_error(form, error)
                status = error.status_code
            else:
                messages.success(request, _("Dispute #%(id)s filed.") % {"id": dispute.pk})
                return redirect("dispute", dispute_id=dispute.pk)
    return render(request, "connectors/dispute_new.html", {"form": form}, status=status)


@role_required("enterprise", "operator", "platform")
@require_http_methods(["GET"])
def dispute_detail(request, dispute_id: int):
    dispute = dispute_get(user=request.user, dispute_id=dispute_id)
    decidable = request.user.is_operator and dispute.route == Dispute.Route.OPERATOR and dispute.is_open
    context = {
        "dispute": dispute,
        "category_label": CATEGORY_LABELS.get(dispute.category, ""),
        "decision_form": DisputeDecisionForm() if decidable else None,
    }
    return render(request, "connectors/dispute_detail.html", context)


@role_required("operator")
@require_POST
def dispute_decide_view(request, dispute_id: int):
    form = DisputeDecisionForm(request.POST)
    if form.is_valid():
        run_action(
            request,
            dispute_decide,
            success=_("The dispute was decided."),
            actor=request.user,
            dispute_id=dispute_id,
            **form.cleaned_data,
        )
    else:
        messages.error(request, _("Choose a decision and give the reason."))
    return redirect("dispute", dispute_id=dispute_id)


@role_required("operator", "regulator")
@require_http_methods(["GET"])
def dispute_statistics_view(request):
    rows = dispute_statistics(user=request.user)
    statuses = [(value, label) for value, label in Dispute.Status.choices]
    for row in rows:
        row["counts"] = [row["by_status"][value] for value, _label in statuses]
    return render(request, "connectors/dispute_statistics.html", {"rows": rows, "statuses": statuses})
