"""Pages of applications: the enterprise's list, the bank's workbench, one application
with its timeline and next steps, claiming open demands."""

from __future__ import annotations

from datetime import datetime

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from hub.errors import Conflict
from hub.identifiers import region_name
from hub.web.access import role_required
from hub.web.forms import errors_shown_on, run_action
from hub.web.pagination import page_of
from lending.forms import (
    ACTION_FORMS,
    WORKBENCH_ALL,
    WORKBENCH_OPEN,
    ApplicationFilterForm,
    action_form_initial,
)
from lending.models import Application
from lending.selectors.applications import (
    IN_PROGRESS_FILTER,
    application_get,
    application_list,
)
from lending.services.applications import TRANSITIONS, application_claim, application_transition
from lending.services.applications import Messages as ApplicationMessages
from lending.views.common import (
    ACTION_DONE,
    ACTION_LABELS,
    ACTION_VERBS,
    APPLICATIONS_PAGE_SIZE,
    GUARANTEE_LABELS,
    OPEN_DEMANDS_SHOWN,
    STATUS_LABELS,
    category_label,
    query_without_page,
    rate_text,
)


def _duration(seconds: int) -> str:
    days, rest = divmod(seconds, 86400)
    hours, rest = divmod(rest, 3600)
    if days:
        return _("%(days)d d %(hours)d h") % {"days": days, "hours": hours}
    return _("%(hours)d h %(minutes)d min") % {"hours": hours, "minutes": rest // 60}


def _sla(application: Application, now: datetime) -> dict | None:
    """Time left to accept a submitted application (受理时限), or how late it is."""
    if application.status != Application.Status.SUBMITTED:
        return None
    seconds = int((application.accept_due_at - now).total_seconds())
    overdue = seconds < 0
    text = (_("Overdue by %(duration)s") if overdue else _("%(duration)s left")) % {"duration": _duration(abs(seconds))}
    return {"overdue": overdue, "text": text, "due": application.accept_due_at}


def _sla_texts() -> dict:
    """The countdown's words, for the script that keeps it current."""
    return {
        "left": _("%(duration)s left"),
        "overdue": _("Overdue by %(duration)s"),
        "days": _("%(days)d d %(hours)d h"),
        "hours": _("%(hours)d h %(minutes)d min"),
    }


def _application_rows(applications, now) -> list[dict]:
    return [
        {
            "application": application,
            "category_label": category_label(application.category),
            "region": region_name(application.region_code) or application.region_code,
            "sla": _sla(application, now),
        }
        for application in applications
    ]


@login_required
@require_http_methods(["GET"])
def applications(request):
    """An enterprise's applications; for a bank, its workbench: the queue (oldest deadline
    first while in progress) and the open demands it may claim."""
    organization = request.user.organization
    if organization is None or not (organization.is_enterprise or organization.is_bank):
        raise PermissionDenied
    is_bank = organization.is_bank
    filter_form = ApplicationFilterForm(request.GET or None)
    if filter_form.is_bound and not filter_form.is_valid():
        return render(request, "400.html", status=400)
    default = WORKBENCH_OPEN if is_bank else WORKBENCH_ALL
    chosen = (filter_form.cleaned_data.get("status") if filter_form.is_bound else "") or default
    if not filter_form.is_bound:
        filter_form = ApplicationFilterForm(initial={"status": chosen})
    wanted = {WORKBENCH_OPEN: IN_PROGRESS_FILTER, WORKBENCH_ALL: None}.get(chosen, chosen)
    queryset = application_list(user=request.user, filters={"status": wanted})
    page, number, has_next = page_of(request, queryset, APPLICATIONS_PAGE_SIZE)
    now = timezone.now()
    context = {
        "filter_form": filter_form,
        "rows": _application_rows(page, now),
        "page_number": number,
        "has_next": has_next,
        "page_query": query_without_page(request),
        "sla_texts": _sla_texts(),
    }
    if not is_bank:
        return render(request, "lending/applications.html", context)
    open_demands = application_list(user=request.user, filters={"open": True})
    context["open_demands"] = _application_rows(open_demands[:OPEN_DEMANDS_SHOWN], now)
    return render(request, "lending/workbench.html", context)


def _party(user, application: Application) -> str | None:
    """Which side of the application the user is on: "bank", "enterprise" or None."""
    if user.organization_id is None:
        return None
    if user.organization_id == application.bank_id:
        return "bank"
    if user.organization_id == application.enterprise_id:
        return "enterprise"
    return None


def _allowed_actions(user, application: Application) -> list[str]:
    party = _party(user, application)
    return [
        action
        for action, transition in TRANSITIONS.items()
        if transition.by == party and application.status in transition.sources
    ]


def _application_or_404(user, application_id: int) -> Application:
    return application_get(user=user, application_id=application_id)


def _render_application(request, application: Application, bound: tuple[str, object] | None = None, status=200):
    user = request.user
    forms = []
    for action in _allowed_actions(user, application):
        if bound is not None and bound[0] == action:
            form = bound[1]
        else:
            form = ACTION_FORMS[action](prefix=action, initial=action_form_initial(action, application))
        forms.append(
            {
                "action": action,
                "label": ACTION_LABELS[action],
                "form": form,
                "url": reverse(f"application-{action}", args=[application.pk]),
            }
        )
    organization = user.organization
    transitions = [
        {
            "step": step,
            "from_label": STATUS_LABELS.get(step.from_status, step.from_status),
            "to_label": STATUS_LABELS.get(step.to_status, step.to_status),
        }
        for step in application.transitions.select_related("actor").order_by("at", "id")
    ]
    context = {
        "application": application,
        "party": _party(user, application),
        "category_label": category_label(application.category),
        "guarantee_label": GUARANTEE_LABELS.get(application.guarantee, ""),
        "rate": rate_text(application.rate),
        "region": region_name(application.region_code) or application.region_code,
        "sla": _sla(application, timezone.now()),
        "sla_texts": _sla_texts(),
        "transitions": transitions,
        "action_forms": forms,
        "claimable": (
            organization is not None
            and organization.is_bank
            and application.is_open_demand
            and application.bank_id is None
            and application.status == Application.Status.SUBMITTED
        ),
    }
    return render(request, "lending/application_detail.html", context, status=status)


@login_required
@require_http_methods(["GET"])
def application_detail(request, application_id: int):
    """The application, its timeline, and the forms of what the caller may do next."""
    return _render_application(request, _application_or_404(request.user, application_id))


@login_required
@require_POST
def application_act(request, application_id: int, action: str):
    application = _application_or_404(request.user, application_id)
    if _party(request.user, application) != TRANSITIONS[action].by:
        raise PermissionDenied
    form = ACTION_FORMS[action](request.POST, prefix=action)
    if not form.is_valid():
        if action not in _allowed_actions(request.user, application):
            messages.error(
                request,
                ApplicationMessages.WRONG_STATE
                % {"status": application.get_status_display(), "action": ACTION_VERBS[action]},
            )
            return redirect("application", application_id=application.pk)
        return _render_application(request, application, bound=(action, form), status=400)
    with errors_shown_on(form) as refusal:
        application_transition(actor=request.user, application_id=application.pk, action=action, **form.cleaned_data)
    if isinstance(refusal.error, Conflict):  # the state moved on meanwhile: say so, change nothing
        messages.error(request, refusal.error.message)
        return redirect("application", application_id=application.pk)
    if refusal.error:
        return _render_application(request, application, bound=(action, form), status=refusal.error.status_code)
    messages.success(request, ACTION_DONE[action] % {"id": application.pk})
    return redirect("application", application_id=application.pk)


@role_required("bank")
@require_POST
def application_claim_view(request, application_id: int):
    """Claim an open demand: exactly one bank wins; the others are told who was first."""
    application = run_action(
        request,
        application_claim,
        actor=request.user,
        application_id=application_id,
        success=lambda claimed: _("Open demand #%(id)s is yours; it is accepted.") % {"id": claimed.pk},
    )
    if application is None:  # another bank was first: the message names it
        return redirect("applications")
    return redirect("application", application_id=application.pk)
