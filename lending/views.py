"""Pages of lending: the product marketplace, applications (the enterprise's list and the
bank's workbench), the application page with its timeline and action forms, the regulators'
dashboard, matchmaking events and the banks' follow-up of matches. Thin: forms validate,
services act, selectors scope."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import Count
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST

from hub.errors import Conflict, HubError
from hub.identifiers import region_name
from hub.models import Organization
from hub.pagination import page_of
from hub.selectors.consent import bank_has_authorization_in_force
from hub.selectors.organizations import active_bank_choices
from hub.web.access import role_required
from hub.web.forms import add_service_error, errors_shown_on, run_action, submit_to_service
from lending.eligibility import FAILED, PASSED, UNKNOWN
from lending.forms import (
    ACTION_FORMS,
    IN_PROGRESS,
    MATCH_FILTER_OPEN,
    WORKBENCH_ALL,
    WORKBENCH_OPEN,
    ApplicationFilterForm,
    ApplicationForm,
    DashboardForm,
    EventCreateForm,
    IntentForm,
    MatchFilterForm,
    MatchProgressForm,
    ProductCreateForm,
    ProductFilterForm,
    action_form_initial,
    next_match_statuses,
)
from lending.models import Application, LoanProduct, Match
from lending.models.applications import OPEN_DEMAND
from lending.models.products import Guarantee, ProductCategory
from lending.selectors.lending import (
    application_get,
    applications_visible_to,
    event_get,
    events_visible_to,
    match_get,
    matches_visible_to,
    product_get,
    products_of_bank,
    products_published,
    recommendations_for,
)
from lending.services.applications import TRANSITIONS, application_claim, application_submit, application_transition
from lending.services.applications import Messages as ApplicationMessages
from lending.services.matches import OPEN_STATUSES, event_create, event_record_intent, match_progress
from lending.services.products import product_create, product_transition
from lending.stats import UNCLAIMED, lending_rows, matching_rows, overdue_applications_count, parse_request

PRODUCTS_PAGE_SIZE = 30
APPLICATIONS_PAGE_SIZE = 50
OPEN_DEMANDS_SHOWN = 50
EVENTS_PAGE_SIZE = 50
MATCHES_PAGE_SIZE = 50

CATEGORY_LABELS = dict(ProductCategory.choices)
GUARANTEE_LABELS = dict(Guarantee.choices)
STATUS_LABELS = dict(Application.Status.choices)
RULE_LABELS = {
    "scales": gettext_lazy("Enterprise scale"),
    "industries": gettext_lazy("Industry"),
    "min_years_established": gettext_lazy("Years since establishment"),
    "whitelist_required": gettext_lazy("Whitelist"),
    "min_tax_grade": gettext_lazy("Tax credit grade"),
    "no_dishonest": gettext_lazy("Dishonest-debtor list"),
    "max_unrepaired_serious_penalties": gettext_lazy("Unrepaired serious penalties"),
}
RESULT_LABELS = {
    PASSED: gettext_lazy("passed"),
    FAILED: gettext_lazy("failed"),
    UNKNOWN: gettext_lazy("unknown"),
}
ACTION_LABELS = {
    "accept": gettext_lazy("Accept the application"),
    "approve": gettext_lazy("Approve the loan"),
    "reject": gettext_lazy("Reject the application"),
    "sign": gettext_lazy("Record signing"),
    "disburse": gettext_lazy("Record disbursement"),
    "withdraw": gettext_lazy("Withdraw the application"),
}
ACTION_DONE = {
    "accept": gettext_lazy("Application #%(id)s is accepted."),
    "approve": gettext_lazy("Application #%(id)s is approved."),
    "reject": gettext_lazy("Application #%(id)s is rejected."),
    "sign": gettext_lazy("The signing of application #%(id)s is recorded."),
    "disburse": gettext_lazy("The disbursement of application #%(id)s is recorded."),
    "withdraw": gettext_lazy("Application #%(id)s is withdrawn."),
}
ACTION_VERBS = {
    "accept": gettext_lazy("accepted"),
    "approve": gettext_lazy("approved"),
    "reject": gettext_lazy("rejected"),
    "sign": gettext_lazy("signed"),
    "disburse": gettext_lazy("disbursed"),
    "withdraw": gettext_lazy("withdrawn"),
}


def _query_without_page(request) -> str:
    return urlencode([(key, value) for key, value in request.GET.items() if key != "page"])


def _regions(codes) -> list[str]:
    return [f"{region_name(code) or code} ({code})" for code in codes or []]


def _rate(value: Decimal | None) -> str:
    """An annual rate as people write it: 3.85, not 3.8500."""
    return "" if value is None else format(value.normalize(), "f")


def _category_label(key: str) -> str:
    if key == OPEN_DEMAND:
        return _("Open demand")
    return str(CATEGORY_LABELS.get(key, key))


# --- products ----------------------------------------------------------------------------------------


def _banks_with_products() -> list[tuple[str, str]]:
    banks = (
        Organization.objects.filter(kind=Organization.Kind.BANK, loan_products__status=LoanProduct.Status.PUBLISHED)
        .distinct()
        .order_by("name", "code")
    )
    return [(code, f"{name} ({code})") for code, name in banks.values_list("code", "name")]


def _rule_rows(rules) -> list[dict]:
    return [
        {
            "rule": rule.rule,
            "label": RULE_LABELS.get(rule.rule, rule.rule),
            "result": rule.result,
            "result_label": RESULT_LABELS.get(rule.result, rule.result),
            "detail": rule.detail,
        }
        for rule in rules
    ]


def _product_card(product: LoanProduct, recommendation: dict | None, enterprise, authorized_banks: set) -> dict:
    card = {
        "product": product,
        "category_label": CATEGORY_LABELS.get(product.category, product.category),
        "guarantee_label": GUARANTEE_LABELS.get(product.guarantee, product.guarantee),
        "rate_range": f"{_rate(product.min_rate)}% – {_rate(product.max_rate)}%",
        "regions": _regions(product.region_codes),
    }
    if enterprise is not None:
        card.update(
            serves_region=recommendation is not None,
            eligible=bool(recommendation and recommendation["eligible"]),
            failed=recommendation["failed"] if recommendation else 0,
            unknown=recommendation["unknown"] if recommendation else 0,
            rules=_rule_rows(recommendation["rules"]) if recommendation else [],
            authorized=product.bank_id in authorized_banks,
        )
    return card


@login_required
@require_http_methods(["GET", "POST"])
def products(request):
    """The marketplace, for everyone logged in. An enterprise sees, for each product, whether
    it fits (every eligibility rule passed, failed or unknown) and may apply; a bank also
    manages its own products here."""
    user = request.user
    organization = user.organization
    is_bank = organization is not None and organization.is_bank
    enterprise = organization if organization is not None and organization.is_enterprise else None
    create_form = ProductCreateForm(request.POST or None) if is_bank else None
    status = 200
    if request.method == "POST":
        if create_form is None:
            raise PermissionDenied
        status = 400
        if create_form.is_valid():
            try:
                product = product_create(actor=user, **create_form.product_values())
            except HubError as error:
                add_service_error(create_form, error)
                status = error.status_code
            else:
                messages.success(
                    request,
                    _("Product %(name)s is saved as a draft; publish it to list it on the marketplace.")
                    % {"name": product.name},
                )
                return redirect("products")

    # An enterprise arriving without filters sees what serves its own region.
    query = request.GET if request.GET or enterprise is None else {"region_code": enterprise.region_code}
    filter_form = ProductFilterForm(query, banks=_banks_with_products())
    cards, number, has_next = [], 1, False
    if filter_form.is_valid():
        values = filter_form.cleaned_data
        queryset = products_published(
            category=values["category"] or None,
            region_code=values["region_code"] or None,
            amount=values["amount"],
            bank_code=values["bank"] or None,
        ).order_by("-published_at", "-id")
        page, number, has_next = page_of(request, queryset, PRODUCTS_PAGE_SIZE)
        recommendations, authorized = {}, set()
        if enterprise is not None:
            recommendations = {item["product"].pk: item for item in recommendations_for(user=user)}
            authorized = {
                bank_id
                for bank_id in {product.bank_id for product in page}
                if bank_has_authorization_in_force(bank_id=bank_id, enterprise_id=enterprise.pk)
            }
        cards = [_product_card(product, recommendations.get(product.pk), enterprise, authorized) for product in page]
    elif request.method == "GET":
        status = 400
    my_products = (
        [
            {"product": product, "category_label": CATEGORY_LABELS.get(product.category, product.category)}
            for product in products_of_bank(user).order_by("-id")
        ]
        if is_bank
        else []
    )
    context = {
        "filter_form": filter_form,
        "cards": cards,
        "page_number": number,
        "has_next": has_next,
        "page_query": urlencode([(key, value) for key, value in query.items() if key != "page"]),
        "is_enterprise": enterprise is not None,
        "is_bank": is_bank,
        "create_form": create_form,
        "my_products": my_products,
    }
    return render(request, "lending/products.html", context, status=status)


@role_required("bank")
@require_POST
def product_transition_view(request, product_id: int, action: str):
    if action == "publish":
        done = _("Product %(name)s is published.")
    else:
        done = _("Product %(name)s is withdrawn from the marketplace.")
    # The product moved on meanwhile: the message says so, and nothing changes.
    run_action(
        request,
        product_transition,
        actor=request.user,
        product_id=product_id,
        action=action,
        success=lambda product: done % {"name": product.name},
    )
    return redirect("products")


# --- applying --------------------------------------------------------------------------------------------


def _submit(request, form: ApplicationForm, product_id: int | None) -> tuple[Application | None, int]:
    """Validate and submit; the new application, or None and the page's status."""
    if request.method != "POST":
        return None, 200
    if not form.is_valid():
        return None, 400
    try:
        application = application_submit(actor=request.user, product_id=product_id, **form.cleaned_data)
    except HubError as error:
        add_service_error(form, error)
        return None, error.status_code
    return application, 201


@role_required("enterprise")
@require_http_methods(["GET", "POST"])
def product_apply(request, product_id: int):
    product = product_get(user=request.user, product_id=product_id)
    form = ApplicationForm(request.POST or None, initial={"term_months": product.min_term_months})
    application, status = _submit(request, form, product.pk)
    if application is not None:
        messages.success(
            request,
            _("Application #%(id)s is submitted to %(bank)s.") % {"id": application.pk, "bank": product.bank.name},
        )
        return redirect("application", application_id=application.pk)
    recommendation = next(
        (item for item in recommendations_for(user=request.user) if item["product"].pk == product.pk), None
    )
    context = {
        "form": form,
        "card": _product_card(
            product,
            recommendation,
            request.user.organization,
            {product.bank_id}
            if bank_has_authorization_in_force(bank_id=product.bank_id, enterprise_id=request.user.organization_id)
            else set(),
        ),
    }
    return render(request, "lending/apply.html", context, status=status)


@role_required("enterprise")
@require_http_methods(["GET", "POST"])
def open_demand_new(request):
    """An open financing demand: no product; banks serving the region may claim it."""
    form = ApplicationForm(request.POST or None)
    application, status = _submit(request, form, None)
    if application is not None:
        messages.success(
            request,
            _("Your open demand #%(id)s is posted; banks serving your region can now claim it.")
            % {"id": application.pk},
        )
        return redirect("application", application_id=application.pk)
    return render(request, "lending/open_demand.html", {"form": form}, status=status)


# --- applications: the enterprise's list and the bank's workbench -----------------------------------------------


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
            "category_label": _category_label(application.category),
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
    queryset = applications_visible_to(request.user)
    if chosen == WORKBENCH_OPEN:
        queryset = queryset.filter(status__in=IN_PROGRESS).order_by("accept_due_at", "id")
    elif chosen == Application.Status.SUBMITTED:
        queryset = queryset.filter(status=chosen).order_by("accept_due_at", "id")
    elif chosen == WORKBENCH_ALL:
        queryset = queryset.order_by("-id")
    else:
        queryset = queryset.filter(status=chosen).order_by("-id")
    page, number, has_next = page_of(request, queryset, APPLICATIONS_PAGE_SIZE)
    now = timezone.now()
    context = {
        "filter_form": filter_form,
        "rows": _application_rows(page, now),
        "page_number": number,
        "has_next": has_next,
        "page_query": _query_without_page(request),
        "sla_texts": _sla_texts(),
    }
    if not is_bank:
        return render(request, "lending/applications.html", context)
    open_demands = applications_visible_to(request.user, open_demands=True).order_by("accept_due_at", "id")
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
        "category_label": _category_label(application.category),
        "guarantee_label": GUARANTEE_LABELS.get(application.guarantee, ""),
        "rate": _rate(application.rate),
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


# --- the regulators' dashboard --------------------------------------------------------------------------------

CHART_PLOT_HEIGHT = 180
CHART_TOP = 16
CHART_LEFT = 84
CHART_BOTTOM = 78
CHART_BAR = 16
CHART_BAR_GAP = 3
CHART_GROUP_GAP = 22


def _nice_ceiling(peak: float) -> float:
    """The chart's top line: four gridline steps of 1, 2 or 5 × 10ⁿ (at least 1, so counts
    get whole-number lines) that reach ``peak``."""
    magnitude = 1
    while True:
        for step in (1, 2, 5):
            if step * magnitude * 4 >= peak:
                return step * magnitude * 4
        magnitude *= 10


def _tick_label(value: float) -> str:
    return f"{value:,.0f}" if value == int(value) else f"{value:,.2f}"


def _coordinate(value: float) -> str:
    # Drawn as written: never localized (a decimal comma would break the SVG).
    return f"{value:.1f}"


def _bar_chart(rows: list[dict], series: list[tuple[str, str]], labels: list[str], *, scale: float = 1) -> dict | None:
    """A grouped bar chart as shapes for the template to draw in SVG: one group per row,
    one bar per series (``(field, label)``), values divided by ``scale``."""
    if not rows:
        return None
    values = [[float(Decimal(str(row[field] or 0))) / scale for field, _label in series] for row in rows]
    top = _nice_ceiling(max(value for group in values for value in group))
    group_width = len(series) * CHART_BAR + (len(series) - 1) * CHART_BAR_GAP
    width = CHART_LEFT + len(rows) * (group_width + CHART_GROUP_GAP) + CHART_GROUP_GAP
    baseline = CHART_TOP + CHART_PLOT_HEIGHT
    bars, keys = [], []
    for index, (group, label) in enumerate(zip(values, labels, strict=True)):
        left = CHART_LEFT + CHART_GROUP_GAP + index * (group_width + CHART_GROUP_GAP)
        for position, value in enumerate(group):
            height = value / top * CHART_PLOT_HEIGHT
            x = left + position * (CHART_BAR + CHART_BAR_GAP)
            bars.append(
                {
                    "x": _coordinate(x),
                    "y": _coordinate(baseline - height),
                    "width": _coordinate(CHART_BAR),
                    "height": _coordinate(height),
                    "series": position,
                    "value": _tick_label(value),
                    "text_x": _coordinate(x + CHART_BAR / 2),
                    "text_y": _coordinate(baseline - height - 3),
                    "title": f"{label} · {series[position][1]}: {_tick_label(value)}",
                }
            )
        keys.append({"x": _coordinate(left + group_width / 2), "y": _coordinate(baseline + 14), "text": label})
    ticks = [
        {"y": _coordinate(baseline - CHART_PLOT_HEIGHT * step / 4), "label": _tick_label(top * step / 4)}
        for step in range(5)
    ]
    return {
        "width": _coordinate(width),
        "height": _coordinate(baseline + CHART_BOTTOM),
        "left": _coordinate(CHART_LEFT),
        "tick_x": _coordinate(CHART_LEFT - 6),
        "right": _coordinate(width - CHART_GROUP_GAP / 2),
        "baseline": _coordinate(baseline),
        "bars": bars,
        "keys": keys,
        "ticks": ticks,
        "series": [{"index": index, "label": label} for index, (_field, label) in enumerate(series)],
    }


def _key_labels(group_by: str, keys: list[str]) -> dict[str, str]:
    if group_by == "region":
        return {key: region_name(key) or key for key in keys}
    if group_by == "category":
        return {key: _category_label(key) for key in keys}
    if group_by == "bank":
        names = dict(
            Organization.objects.filter(kind=Organization.Kind.BANK, code__in=keys).values_list("code", "name")
        )
        return {key: _("Unclaimed open demands") if key == UNCLAIMED else names.get(key, key) for key in keys}
    return {key: key for key in keys}


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
    labels = _key_labels(group_by, sorted({row["key"] for row in lending} | {row["key"] for row in matching}))
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
        "funnel_chart": _bar_chart(
            lending,
            [("applications", _("Applications")), ("approved", _("Approved")), ("disbursed", _("Disbursed"))],
            [row["label"] for row in lending],
        ),
        "amount_chart": _bar_chart(
            lending,
            [("disbursed_amount", _("Disbursed amount (10,000 yuan)"))],
            [row["label"] for row in lending],
            scale=10000,
        ),
        "matching_chart": _bar_chart(
            matching,
            [("intents", _("Intents")), ("contacted", _("Contacted")), ("signed", _("Signed"))],
            [row["label"] for row in matching],
        ),
        "exports": [
            {"kind": kind, "format": file_format, "query": f"{export_query}&file_format={file_format}"}
            for kind in ("lending", "matching")
            for file_format in ("csv", "xlsx")
        ],
    }
    return render(request, "lending/dashboard.html", context)


# --- matchmaking events --------------------------------------------------------------------------------------


def _may_organize(user) -> bool:
    organization = user.organization
    return organization is not None and (organization.is_platform or organization.is_regulator)


@login_required
@require_http_methods(["GET", "POST"])
def events(request):
    """Matchmaking events the caller may see; platforms and regulators create them here."""
    user = request.user
    form = None
    if _may_organize(user):
        form = EventCreateForm(request.POST or None, initial={"region_code": user.organization.region_code})
    status = 200
    if request.method == "POST":
        if form is None:
            raise PermissionDenied
        event, status = submit_to_service(form, event_create, actor=user)
        if event is not None:
            messages.success(request, _("Matchmaking event %(title)s is created.") % {"title": event.title})
            return redirect("event", event_id=event.pk)
    page, number, has_next = page_of(request, events_visible_to(user).order_by("-held_on", "-id"), EVENTS_PAGE_SIZE)
    counts = {
        row["event_id"]: row["count"]
        for row in matches_visible_to(user)
        .filter(event_id__in=[event.pk for event in page])
        .values("event_id")
        .annotate(count=Count("id"))
        .order_by()
    }
    rows = [
        {
            "event": event,
            "region": region_name(event.region_code) or event.region_code,
            "matches": counts.get(event.pk, 0),
        }
        for event in page
    ]
    context = {"form": form, "rows": rows, "page_number": number, "has_next": has_next, "page_query": ""}
    return render(request, "lending/events.html", context, status=status)


def _match_rows(matches, bound: tuple[int, MatchProgressForm] | None = None) -> list[dict]:
    now = timezone.now()
    rows = []
    for match in matches:
        form = None
        if match.source != Match.Source.APPLICATION and match.status in OPEN_STATUSES:
            if bound is not None and bound[0] == match.pk:
                form = bound[1]
            else:
                form = MatchProgressForm(match=match, prefix=f"match-{match.pk}")
        rows.append(
            {
                "match": match,
                "category_label": _category_label(match.category) if match.category else "",
                "contact_overdue": match.status == Match.Status.INTENT
                and match.contact_due_at is not None
                and match.contact_due_at < now,
                "form": form,
            }
        )
    return rows


@login_required
@require_http_methods(["GET", "POST"])
def event_detail(request, event_id: int):
    """An event, its matches, and (for its organizer) the form to record an intent."""
    user = request.user
    event = event_get(user=user, event_id=event_id)
    is_organizer = event.organizer_id == user.organization_id
    form = IntentForm(request.POST or None, banks=active_bank_choices()) if is_organizer else None
    status = 200
    if request.method == "POST":
        if form is None:
            raise PermissionDenied
        status = 400
        if form.is_valid():
            values = form.cleaned_data
            try:
                match = event_record_intent(
                    actor=user,
                    event_id=event.pk,
                    bank_code=values["bank"],
                    uscc=values["enterprise"],
                    amount=values["amount"],
                    category=values["category"],
                )
            except HubError as error:
                add_service_error(form, error)
                status = error.status_code
            else:
                messages.success(
                    request,
                    _("The intent of %(enterprise)s with %(bank)s is recorded; the bank will follow it up.")
                    % {"enterprise": match.enterprise_name or match.enterprise.name, "bank": match.bank.name},
                )
                return redirect("event", event_id=event.pk)
    page, number, has_next = page_of(
        request, matches_visible_to(user).filter(event=event).order_by("-id"), MATCHES_PAGE_SIZE
    )
    context = {
        "event": event,
        "region": region_name(event.region_code) or event.region_code,
        "form": form,
        "rows": _match_rows(page),
        "page_number": number,
        "has_next": has_next,
        "page_query": "",
    }
    return render(request, "lending/event_detail.html", context, status=status)


# --- the banks' follow-up of matches --------------------------------------------------------------------------


def _render_matches(request, bound: tuple[int, MatchProgressForm] | None = None, status: int = 200):
    filter_form = MatchFilterForm(request.GET or None)
    if filter_form.is_bound and not filter_form.is_valid():
        return render(request, "400.html", status=400)
    values = filter_form.cleaned_data if filter_form.is_bound else {}
    chosen = values.get("status") or MATCH_FILTER_OPEN
    if not filter_form.is_bound:
        filter_form = MatchFilterForm(initial={"status": chosen})
    queryset = matches_visible_to(request.user)
    if values.get("source"):
        queryset = queryset.filter(source=values["source"])
    if chosen == MATCH_FILTER_OPEN:
        queryset = queryset.filter(status__in=OPEN_STATUSES).order_by("contact_due_at", "id")
    elif chosen == WORKBENCH_ALL:
        queryset = queryset.order_by("-id")
    else:
        queryset = queryset.filter(status=chosen).order_by("-id")
    page, number, has_next = page_of(request, queryset, MATCHES_PAGE_SIZE)
    if bound is not None and all(match.pk != bound[0] for match in page):
        # The row whose form failed stays in view, whatever the list shows.
        page.insert(0, match_get(user=request.user, match_id=bound[0]))
    context = {
        "filter_form": filter_form,
        "rows": _match_rows(page, bound),
        "page_number": number,
        "has_next": has_next,
        "page_query": _query_without_page(request),
    }
    return render(request, "lending/matches.html", context, status=status)


@role_required("bank")
@require_http_methods(["GET"])
def matches(request):
    """The bank's pairings to follow up: from events and whitelists by hand here; those
    from applications follow their application."""
    return _render_matches(request)


@role_required("bank")
@require_POST
def match_progress_view(request, match_id: int):
    match = match_get(user=request.user, match_id=match_id)
    form = MatchProgressForm(request.POST, match=match, prefix=f"match-{match.pk}")
    if not next_match_statuses(match.status) or match.source == Match.Source.APPLICATION:
        messages.error(request, _("Match #%(id)s cannot be moved from here.") % {"id": match.pk})
        return redirect("matches")
    if not form.is_valid():
        return _render_matches(request, bound=(match.pk, form), status=400)
    values = form.cleaned_data
    with errors_shown_on(form) as refusal:
        match = match_progress(
            actor=request.user,
            match_id=match.pk,
            status=values["status"],
            amount=values["amount"],
            reason=values["reason"],
        )
    if isinstance(refusal.error, Conflict):  # the match moved on meanwhile
        messages.error(request, refusal.error.message)
        return redirect("matches")
    if refusal.error:
        return _render_matches(request, bound=(match.pk, form), status=refusal.error.status_code)
    messages.success(
        request, _("Match #%(id)s is now %(status)s.") % {"id": match.pk, "status": match.get_status_display()}
    )
    return redirect("matches")
