"""Pages of credit pulls and profiles (banks) and of connectors (city platforms and the hub
operator). Thin: forms validate, services act, selectors scope."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from connectors import record_display
from connectors.forms import ConnectorRegisterForm, CreditPullStartForm, RetentionPolicyForm
from connectors.models import Connector
from connectors.models.pulls import FINISHED, PullStatus
from connectors.selectors.connectors import connectors_visible_to, pull_get, pulls_visible_to
from connectors.selectors.retention import retention_policies
from connectors.services.connectors import connector_register, connector_set_status
from connectors.services.profiles import credit_profile_read
from connectors.services.pulls import credit_pull_start
from connectors.services.retention import retention_policy_update
from hub.categories import CATEGORY_LABELS, category_labels
from hub.errors import Forbidden, HubError
from hub.identifiers import region_name
from hub.models import Authorization
from hub.web.access import role_required
from hub.web.forms import add_service_error, run_action, submit_form

RECENT_PULLS = 20


# --- credit pulls -----------------------------------------------------------------------------------


@role_required("bank")
@require_http_methods(["GET", "POST"])
def pulls(request):
    form = CreditPullStartForm(request.POST or None)
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            try:
                pull = credit_pull_start(
                    actor=request.user,
                    enterprise_uscc=form.cleaned_data["enterprise"],
                    categories=form.cleaned_data["categories"],
                )
            except HubError as error:
                add_service_error(form, error)
                status = error.status_code
            else:
                messages.success(request, _("Credit pull #%(id)s started.") % {"id": pull.pk})
                return redirect("pull", pull_id=pull.pk)
    recent = [
        {"pull": pull, "category_labels": category_labels(pull.categories)}
        # The list shows no sources: none prefetched.
        for pull in pulls_visible_to(request.user).prefetch_related(None).order_by("-id")[:RECENT_PULLS]
    ]
    return render(request, "connectors/pulls.html", {"form": form, "recent": recent}, status=status)


@role_required("bank")
@require_http_methods(["GET"])
def pull_detail(request, pull_id: int):
    """The pull's progress; the page polls the API until the pull has finished."""
    pull = pull_get(user=request.user, pull_id=pull_id)
    sources = list(pull.sources.all())
    finished = sum(1 for source in sources if source.status in FINISHED)
    context = {
        "pull": pull,
        "sources": sources,
        "category_labels": category_labels(pull.categories),
        "finished_sources": finished,
        # A pull that found no connector has no sources and is finished at once: full bar.
        "progress_max": len(sources) or 1,
        "progress_value": finished if sources else (1 if pull.status in FINISHED else 0),
        "is_finished": pull.status in FINISHED,
        "finished_statuses": list(FINISHED),
        "status_labels": {value: str(label) for value, label in PullStatus.choices},
    }
    return render(request, "connectors/pull_detail.html", context)


# --- credit profile -----------------------------------------------------------------------------------


def _profile_context(profile: dict) -> dict:
    bases = profile["summary"].get("basis", {})
    summary = [
        {
            "key": key,
            "label": record_display.SUMMARY_LABELS.get(key, key),
            "value": record_display.summary_value(key, value, bases.get(key, "records")),
            "basis": bases.get(key, "records"),
            "basis_label": record_display.BASIS_LABELS.get(bases.get(key, "records"), ""),
        }
        for key, value in profile["summary"].items()
        if key != "basis"
    ]
    categories = [
        {
            "key": category,
            "label": CATEGORY_LABELS.get(category, category),
            "fetched_at": section["fetched_at"],
            "columns": record_display.columns(category),
            "records": [
                {
                    **record,
                    "cells": record_display.cells(category, record["data"]),
                    "extra": record_display.extra_fields(category, record["data"]),
                }
                for record in section["records"]
            ],
        }
        for category, section in profile["categories"].items()
    ]
    return {
        "profile": profile,
        "summary": summary,
        "categories": categories,
        "empty_categories": [category["label"] for category in categories if not category["records"]],
    }


@login_required
@require_http_methods(["GET"])
def enterprise_profile(request, uscc: str):
    """The enterprise itself or a bank with an authorization in force; the service decides
    (and records the read in the enterprise's access log)."""
    try:
        profile = credit_profile_read(actor=request.user, uscc=uscc)
    except Forbidden as error:
        return render(
            request, "connectors/profile_forbidden.html", {"message": error.message, "uscc": uscc}, status=403
        )
    organization = request.user.organization
    context = {
        **_profile_context(profile),
        "enterprise_name": profile["enterprise_name"],
        "own_profile": organization is not None and organization.is_enterprise and organization.code == uscc,
    }
    return render(request, "connectors/profile.html", context)


# --- connectors ---------------------------------------------------------------------------------------


def _connector_rows(user) -> list[dict]:
    return [
        {
            "connector": connector,
            "regions": [f"{region_name(code) or code} ({code})" for code in connector.region_codes],
            "category_labels": (
                [_("All credit categories")]
                if set(connector.categories) >= set(CATEGORY_LABELS)
                else category_labels(connector.categories)
            ),
            "can_approve": user.is_operator
            and connector.status in (Connector.Status.PENDING, Connector.Status.SUSPENDED),
            "can_suspend": user.is_operator and connector.status in (Connector.Status.PENDING, Connector.Status.ACTIVE),
        }
        for connector in connectors_visible_to(user).order_by("-id")
    ]


@role_required("operator", "platform")
@require_http_methods(["GET", "POST"])
def connectors(request):
    user = request.user
    may_register = user.is_organization_admin and user.organization.is_platform
    form = ConnectorRegisterForm(request.POST or None) if may_register else None
    status = 200
    if request.method == "POST":
        connector, status = submit_form(
            request,
            form,
            connector_register,
            actor=user,
            success=lambda connector: (
                _("Connector %(name)s is registered and waits for the hub operator's approval.")
                % {"name": connector.name}
            ),
        )
        if connector is not None:
            return redirect("connectors")
    context = {"form": form, "rows": _connector_rows(user)}
    return render(request, "connectors/connectors.html", context, status=status)


@role_required("operator")  # approving and suspending are the operator's decisions
@require_POST
def connector_set_status_view(request, connector_id: int, action: str):
    done = _("Connector %(name)s is approved.") if action == "approve" else _("Connector %(name)s is suspended.")
    # The state moved on meanwhile: the message says so, and nothing changes.
    run_action(
        request,
        connector_set_status,
        actor=request.user,
        connector_id=connector_id,
        action=action,
        success=lambda connector: done % {"name": connector.name},
    )
    return redirect("connectors")


# --- retention policies (the operator) ------------------------------------------------------------------


def _policy_form(policy, data=None) -> RetentionPolicyForm:
    lookbacks = ", ".join(f"{lookback.category}:{lookback.months}" for lookback in policy.lookbacks.all())
    initial = {
        "purpose": policy.purpose,
        "pulls_per_day": policy.pulls_per_day,
        "lookback_months": policy.lookback_months,
        "lookbacks": lookbacks,
        "keep_days": policy.keep_days,
    }
    return RetentionPolicyForm(data, initial=initial, prefix=policy.purpose)


@role_required("operator")
@require_http_methods(["GET", "POST"])
def retention_policies_view(request):
    """Each purpose's caps on pulls and how long pulled records are kept; a change is audited
    and applies to pulls started and purges run from then on."""
    purposes = dict(Authorization.Purpose.choices)
    status, rows = 200, []
    for policy in retention_policies():
        posted = request.method == "POST" and request.POST.get(f"{policy.purpose}-purpose") == policy.purpose
        form = _policy_form(policy, request.POST if posted else None)
        if posted:
            result, status = submit_form(
                request,
                form,
                retention_policy_update,
                actor=request.user,
                success=lambda changed: (
                    _("The retention policy for %(purpose)s is saved.")
                    % {"purpose": purposes.get(changed.purpose, changed.purpose)}
                ),
            )
            if result is not None:
                return redirect("retention-policies")
        rows.append({"policy": policy, "label": purposes.get(policy.purpose, policy.purpose), "form": form})
    if request.method == "POST" and status == 200:
        status = 400  # no purpose of this page was named
    return render(request, "connectors/retention_policies.html", {"rows": rows}, status=status)
