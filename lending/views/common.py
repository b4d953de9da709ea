"""What the lending pages share: page sizes, labels of codes, small formatters."""

from __future__ import annotations

from decimal import Decimal
from urllib.parse import urlencode

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from hub.identifiers import region_name
from lending.eligibility import FAILED, PASSED, UNKNOWN
from lending.models import Application
from lending.models.applications import OPEN_DEMAND
from lending.models.products import Guarantee, ProductCategory

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


def query_without_page(request) -> str:
    return urlencode([(key, value) for key, value in request.GET.items() if key != "page"])


def region_labels(codes) -> list[str]:
    return [f"{region_name(code) or code} ({code})" for code in codes or []]


def rate_text(value: Decimal | None) -> str:
    """An annual rate as people write it: 3.85, not 3.8500."""
    return "" if value is None else format(value.normalize(), "f")


def category_label(key: str) -> str:
    if key == OPEN_DEMAND:
        return _("Open demand")
    return str(CATEGORY_LABELS.get(key, key))
