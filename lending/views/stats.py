"""The regulators' dashboard: lending, loan book and matching statistics of their region, as
tables and charts."""

from __future__ import annotations

from decimal import Decimal
from urllib.parse import urlencode

from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from hub.identifiers import region_name
from hub.models import Organization
from hub.web.access import role_required
from hub.web.charts import bar_chart
from lending.forms import DashboardForm
from lending.loan_stats import loan_statistics
from lending.stats import UNCLAIMED, lending_rows, matching_rows, overdue_applications_count, parse_request
from lending.views.common import category_label


def _key_labels(group_by: str, keys: list[str]) -> dict[str, str]:
    if group_by == "region":
        return {key: region_name(key) or key for key in keys}
    if group_by == "category":
        return {key: category_label(key) for key in keys}
    if group_by == "bank":
        names = dict(
            Organization.objects.filter(kind=Organization.Kind.BANK, code__in=keys).values_list("code", "name")
        )
        return {key: _("Unclaimed open demands") if key == UNCLAIMED else names.get(key, key) for key in keys}
    return {key: key for key in keys}


def _percent(value: str | None) -> str:
    return f"{Decimal(value) * 100:.1f}%" if value is not None else "—"


def _loan_figures(row: dict) -> dict:
    """A loan statistics row as the page shows it: shares as percents, the rate as written."""
    row["pure_credit_percent"] = _percent(row["pure_credit_share"])
    row["overdue_percent"] = _percent(row["overdue_rate"])
    row["rate_shown"] = f"{Decimal(row['average_rate']):.2f}%" if row["average_rate"] is not None else "—"
    return row


def _totals(rows: list[dict], fields: list[str]) -> dict:
    totals = {}
    for field in fields:
        numbers = [Decimal(str(row[field])) for row in rows if row[field] is not None]
        totals[field] = sum(numbers, Decimal("0"))
    return totals


@role_required("operator", "regulator")
@require_http_methods(["GET"])
def dashboard(request):
    """Lending and matching statistics of the reader's region, as tables and charts drawn
    on the server (no script, no chart library), with links to the exports."""
    form = DashboardForm(request.GET or None)
    if form.is_bound and not form.is_valid():
        return render(request, "lending/dashboard.html", {"form": form}, status=400)
    values = form.cleaned_data if form.is_bound else {"group_by": "region", "date_from": None, "date_to": None}
    group_by, date_from, date_to = parse_request(values["group_by"], values["date_from"], values["date_to"])
    if not form.is_bound:
        form = DashboardForm(initial={"group_by": group_by, "date_from": date_from, "date_to": date_to})
    user = request.user
    lending = lending_rows(user=user, group_by=group_by, date_from=date_from, date_to=date_to)
    matching = matching_rows(user=user, group_by=group_by, date_from=date_from, date_to=date_to)
    loans, loan_total = loan_statistics(user=user, group_by=group_by, date_from=date_from, date_to=date_to)
    keys = {row["key"] for row in lending} | {row["key"] for row in matching} | {row["key"] for row in loans}
    labels = _key_labels(group_by, sorted(keys))
    for row in loans:
        row["label"] = labels.get(row["key"], row["key"])
        _loan_figures(row)
    for row in [*lending, *matching]:
        row["label"] = labels.get(row["key"], row["key"])
        rate = row.get("approval_rate", row.get("conversion_rate"))
        row["percent"] = f"{Decimal(rate) * 100:.1f}%" if rate is not None else "—"
    export_query = urlencode({"group_by": group_by, "from": date_from.isoformat(), "to": date_to.isoformat()})
    context = {
        "form": form,
        "group_by": group_by,
        "date_from": date_from,
        "date_to": date_to,
        "lending": lending,
        "matching": matching,
        "lending_totals": _totals(
            lending,
            ["applications", "accepted", "approved", "rejected", "signed", "disbursed", "disbursed_amount"]
            + ["first_loans", "pure_credit_loans"],
        ),
        "matching_totals": _totals(
            matching,
            ["intents", "contacted", "signed", "disbursed", "failed", "overdue_followups"]
            + ["signed_amount", "disbursed_amount"],
        ),
        "overdue_applications": overdue_applications_count(user=user),
        "funnel_chart": bar_chart(
            lending,
            [("applications", _("Applications")), ("approved", _("Approved")), ("disbursed", _("Disbursed"))],
            [row["label"] for row in lending],
        ),
        "amount_chart": bar_chart(
            lending,
            [("disbursed_amount", _("Disbursed amount (10,000 yuan)"))],
            [row["label"] for row in lending],
            scale=10000,
        ),
        "matching_chart": bar_chart(
            matching,
            [("intents", _("Intents")), ("contacted", _("Contacted")), ("signed", _("Signed"))],
            [row["label"] for row in matching],
        ),
        "loans": loans,
        "loan_total": _loan_figures(loan_total),
        "balance_chart": bar_chart(
            loans,
            [("balance", _("Outstanding balance (10,000 yuan)")), ("overdue_balance", _("Overdue (10,000 yuan)"))],
            [row["label"] for row in loans],
            scale=10000,
        ),
        "loan_count_chart": bar_chart(
            loans,
            [
                ("loans", _("Loans disbursed")),
                ("first_loan_enterprises", _("First-loan enterprises")),
                ("renewals", _("Renewals without repayment")),
            ],
            [row["label"] for row in loans],
        ),
        "exports": [
            {"kind": kind, "format": file_format, "query": f"{export_query}&file_format={file_format}"}
            for kind in ("lending", "matching", "loans")
            for file_format in ("csv", "xlsx")
        ],
    }
    return render(request, "lending/dashboard.html", context)
