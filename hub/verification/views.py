"""Pages of verification: the wizard (state and the methods on offer), the legal
representative's settings, and agents. Each method's own steps are its module's pages."""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from hub.categories import category_labels
from hub.errors import HubError
from hub.models import Signer
from hub.selectors.verification import current_signer, current_signers
from hub.services.verification import agent_appoint, agent_end, signers_required_update, verification_of
from hub.verification import registry
from hub.verification.forms import AgentForm, SignersRequiredForm
from hub.web.access import role_required
from hub.web.forms import add_service_error, run_action, submit_to_service


def _methods() -> list[dict]:
    return [
        {
            "key": method.key,
            "label": method.label,
            "description": method.description,
            "url": reverse(method.start_url_name),
        }
        for method in registry.available()
    ]


@role_required("enterprise")
@require_http_methods(["GET", "POST"])
def verification_overview(request):
    """Where the enterprise stands, the methods it can use, and — for its legal
    representative — which categories need two signers."""
    enterprise = request.user.organization
    verification = verification_of(enterprise)
    signer = current_signer(user=request.user, enterprise=enterprise)
    is_legal_representative = signer is not None and signer.role == Signer.Role.LEGAL_REPRESENTATIVE
    form = None
    status = 200
    if is_legal_representative:
        initial = {"two_signers": [category for category, count in verification.signers_required.items() if count == 2]}
        form = SignersRequiredForm(request.POST or None, initial=initial)
        if request.method == "POST":
            if form.is_valid():
                try:
                    signers_required_update(
                        actor=request.user, enterprise=enterprise, signers_required=form.signers_required()
                    )
                except HubError as error:
                    add_service_error(form, error)
                    status = error.status_code
                else:
                    messages.success(request, _("Signing rules saved."))
                    return redirect("verification")
            else:
                status = 400
    elif request.method == "POST":
        raise Http404
    context = {
        "verification": verification,
        "signer": signer,
        "signers": [
            {"signer": item, "scope_labels": category_labels(item.scopes)} for item in current_signers(enterprise)
        ],
        "methods": _methods() if not verification.closed else [],
        "form": form,
        "two_signer_labels": category_labels(
            [category for category, count in verification.signers_required.items() if count == 2]
        ),
    }
    return render(request, "hub/verification/overview.html", context, status=status)


@role_required("enterprise")
@require_http_methods(["GET", "POST"])
def agents(request):
    """The legal representative appoints and ends agents (经办人)."""
    enterprise = request.user.organization
    signer = current_signer(user=request.user, enterprise=enterprise)
    if signer is None or signer.role != Signer.Role.LEGAL_REPRESENTATIVE:
        raise Http404
    form = AgentForm(request.POST or None)
    status = 200
    if request.method == "POST":
        appointed, status = submit_to_service(form, agent_appoint, actor=request.user, enterprise=enterprise)
        if appointed is not None:
            messages.success(request, _("%(user)s is now an agent.") % {"user": appointed.user.username})
            return redirect("verification-agents")
    rows = [
        {"signer": item, "scope_labels": category_labels(item.scopes)}
        for item in current_signers(enterprise).filter(role=Signer.Role.AGENT)
    ]
    return render(request, "hub/verification/agents.html", {"form": form, "rows": rows}, status=status)


@role_required("enterprise")
@require_POST
def agent_end_view(request, signer_id: int):
    run_action(
        request,
        agent_end,
        actor=request.user,
        enterprise=request.user.organization,
        signer_id=signer_id,
        success=_("The agent's appointment has ended."),
    )
    return redirect("verification-agents")
