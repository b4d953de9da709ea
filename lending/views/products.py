"""Pages of the marketplace: products (banks publish, enterprises compare and apply) and
open financing demands."""

from __future__ import annotations

from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from hub.errors import HubError
from hub.models import Organization
from hub.selectors.consent import bank_has_authorization_in_force
from hub.web.access import role_required
from hub.web.forms import add_service_error, run_action
from hub.web.pagination import page_of
from lending.forms import ApplicationForm, ProductCreateForm, ProductFilterForm
from lending.models import Application, LoanProduct
from lending.selectors.products import product_get, products_of_bank, products_published, recommendations_for
from lending.services.applications import application_submit
from lending.services.products import product_create, product_transition
from lending.views.common import (
    CATEGORY_LABELS,
    GUARANTEE_LABELS,
    PRODUCTS_PAGE_SIZE,
    RESULT_LABELS,
    RULE_LABELS,
    rate_text,
    region_labels,
)


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
        "rate_range": f"{rate_text(product.min_rate)}% – {rate_text(product.max_rate)}%",
        "regions": region_labels(product.region_codes),
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
