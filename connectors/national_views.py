"""The operator's page of the national link (docs/national-uplink.md): its state, pause and
resume, parked facts (sent again one by one), the daily reconciliations. Thin."""

from __future__ import annotations

from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from connectors.national.reconciliation import HUB_COLUMNS
from connectors.national.uplink import national_link_pause, national_link_resume, uplink_fact_requeue
from connectors.selectors.national import national_link_overview, parked_facts, reconciliation_reports
from hub.web.access import role_required
from hub.web.forms import run_action


@role_required("operator")
def national_link(request):
    reports = [
        {
            "report": report,
            "rows": [
                {
                    "type": fact_type,
                    "hub": [report.hub_counts.get(fact_type, {}).get(column, 0) for column in HUB_COLUMNS],
                    "national": [
                        report.national_counts.get(fact_type, {}).get(key, 0) for key in ("accepted", "rejected")
                    ],
                }
                for fact_type in sorted(set(report.hub_counts) | set(report.national_counts))
            ],
        }
        for report in reconciliation_reports()
    ]
    return render(
        request,
        "connectors/national.html",
        {"overview": national_link_overview(), "parked": parked_facts(), "reports": reports},
    )


@role_required("operator")
@require_POST
def national_link_pause_view(request):
    run_action(request, national_link_pause, actor=request.user, success=_("The national link is paused."))
    return redirect("national-link")


@role_required("operator")
@require_POST
def national_link_resume_view(request):
    run_action(request, national_link_resume, actor=request.user, success=_("The national link is sending again."))
    return redirect("national-link")


@role_required("operator")
@require_POST
def uplink_fact_requeue_view(request, fact_id: int):
    run_action(
        request,
        uplink_fact_requeue,
        actor=request.user,
        fact_id=fact_id,
        success=_("Fact %(sequence)s will be sent again.") % {"sequence": fact_id},
    )
    return redirect("national-link")
