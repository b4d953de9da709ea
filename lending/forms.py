"""Forms of the lending pages. They validate shapes; the services decide, and their domain
errors are shown next to the fields they name (hub.web.forms.add_service_error). Field names are
the services' (and the API's), so those errors land on the right field."""

from __future__ import annotations

import re

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from hub.amounts import MONEY, RATE
from hub.identifiers import validate_region_code, validate_uscc
from hub.models import Organization
from hub.web.widgets import CategoryCheckboxes
from lending.eligibility import TAX_GRADES
from lending.models import Application, Match
from lending.models.products import Guarantee, ProductCategory
from lending.services.matches import MATCH_TRANSITIONS

_SEPARATORS = re.compile(r"[\s,，;；、]+")
TERM = {"min_value": 1, "max_value": 360}


def _date_input() -> forms.DateInput:
    return forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


def _optional_choices(choices, empty_label) -> list:
    return [("", empty_label), *choices]


# --- products -------------------------------------------------------------------------------------


class ProductFilterForm(forms.Form):
    """The marketplace's filters; every one optional."""

    category = forms.ChoiceField(label=_("Category"), required=False)
    region_code = forms.CharField(
        label=_("Region served"), required=False, min_length=6, max_length=6, validators=[validate_region_code]
    )
    amount = forms.DecimalField(label=_("Amount (yuan)"), required=False, **MONEY)
    bank = forms.ChoiceField(label=_("Bank"), required=False)

    def __init__(self, *args, banks: list[tuple[str, str]], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["category"].choices = _optional_choices(ProductCategory.choices, _("All categories"))
        self.fields["bank"].choices = _optional_choices(banks, _("All banks"))


class ProductCreateForm(forms.Form):
    """A new draft product. The eligibility rules are plain fields, gathered into the
    service's rules object by ``eligibility()``; a rule left empty is no rule."""

    name = forms.CharField(label=_("Product name"), max_length=100)
    category = forms.ChoiceField(label=_("Category"), choices=ProductCategory.choices)
    description = forms.CharField(
        label=_("Description"), required=False, max_length=5000, widget=forms.Textarea(attrs={"rows": 3})
    )
    min_amount = forms.DecimalField(label=_("Minimum amount (yuan)"), **MONEY)
    max_amount = forms.DecimalField(label=_("Maximum amount (yuan)"), **MONEY)
    min_rate = forms.DecimalField(label=_("Minimum annual rate (%)"), **RATE)
    max_rate = forms.DecimalField(label=_("Maximum annual rate (%)"), **RATE)
    min_term_months = forms.IntegerField(label=_("Minimum term (months)"), **TERM)
    max_term_months = forms.IntegerField(label=_("Maximum term (months)"), **TERM)
    guarantee = forms.ChoiceField(label=_("Guarantee"), choices=Guarantee.choices)
    region_codes = forms.CharField(label=_("Regions served (six-digit codes, separated by commas)"), max_length=400)
    # Eligibility rules (lending/eligibility.py).
    scales = forms.MultipleChoiceField(
        label=_("Enterprise scales admitted (none ticked: any)"),
        choices=Organization.Scale.choices,
        widget=CategoryCheckboxes,
        required=False,
    )
    industries = forms.CharField(
        label=_("Industries admitted (GB/T 4754 code prefixes such as C or I65; empty: any)"),
        max_length=400,
        required=False,
    )
    min_years_established = forms.IntegerField(
        label=_("Minimum years since establishment"), min_value=0, max_value=100, required=False
    )
    min_tax_grade = forms.ChoiceField(
        label=_("Minimum tax credit grade"),
        choices=_optional_choices([(grade, grade) for grade in TAX_GRADES], _("No requirement")),
        required=False,
    )
    max_unrepaired_serious_penalties = forms.IntegerField(
        label=_("Maximum unrepaired serious penalties"), min_value=0, max_value=1000, required=False
    )
    whitelist_required = forms.BooleanField(label=_("Only enterprises on a published whitelist"), required=False)
    no_dishonest = forms.BooleanField(label=_("Not listed as a dishonest debtor"), required=False)

    RULE_FIELDS = (
        "scales",
        "industries",
        "min_years_established",
        "min_tax_grade",
        "max_unrepaired_serious_penalties",
        "whitelist_required",
        "no_dishonest",
    )

    def clean_region_codes(self) -> list[str]:
        codes = [code for code in _SEPARATORS.split(self.cleaned_data["region_codes"]) if code]
        for code in codes:
            validate_region_code(code)
        return codes

    def clean_industries(self) -> list[str]:
        prefixes = [prefix.upper() for prefix in _SEPARATORS.split(self.cleaned_data["industries"]) if prefix]
        for prefix in prefixes:
            if not re.fullmatch(r"[A-T](\d{1,4})?", prefix):
                raise forms.ValidationError(
                    _("%(prefix)s is not a GB/T 4754 code prefix such as C or I65.") % {"prefix": prefix}
                )
        return prefixes

    def eligibility(self) -> dict:
        values = self.cleaned_data
        rules = {}
        for name in ("scales", "industries"):
            if values[name]:
                rules[name] = list(values[name])
        for name in ("min_years_established", "max_unrepaired_serious_penalties"):
            if values[name] is not None:
                rules[name] = values[name]
        if values["min_tax_grade"]:
            rules["min_tax_grade"] = values["min_tax_grade"]
        for name in ("whitelist_required", "no_dishonest"):
            if values[name]:
                rules[name] = True
        return rules

    def product_values(self) -> dict:
        """The keyword arguments of ``product_create`` (without the actor)."""
        values = {name: value for name, value in self.cleaned_data.items() if name not in self.RULE_FIELDS}
        return {**values, "eligibility": self.eligibility()}

    def rule_fields(self):
        return [self[name] for name in self.RULE_FIELDS]

    def product_fields(self):
        return [field for field in self if field.name not in self.RULE_FIELDS]


# --- applications ----------------------------------------------------------------------------------


class ApplicationForm(forms.Form):
    """An application to a product, or an open demand (the page decides which)."""

    amount = forms.DecimalField(label=_("Amount (yuan)"), **MONEY)
    term_months = forms.IntegerField(label=_("Term (months)"), **TERM)
    purpose = forms.CharField(label=_("Purpose of the loan"), max_length=200)


WORKBENCH_OPEN = "open"  # the default filter: everything still in progress
WORKBENCH_ALL = "all"
IN_PROGRESS = Application.IN_PROGRESS


class ApplicationFilterForm(forms.Form):
    status = forms.ChoiceField(
        label=_("Status"),
        required=False,
        choices=[
            (WORKBENCH_OPEN, _("In progress")),
            (WORKBENCH_ALL, _("All")),
            *Application.Status.choices,
        ],
    )


class ApproveForm(forms.Form):
    amount = forms.DecimalField(label=_("Approved amount (yuan)"), **MONEY)
    rate = forms.DecimalField(label=_("Annual rate (%)"), **RATE)
    term_months = forms.IntegerField(label=_("Term (months)"), **TERM)
    guarantee = forms.ChoiceField(label=_("Guarantee"), choices=Guarantee.choices)
    first_loan = forms.BooleanField(label=_("First loan"), required=False)  # 首贷
    pure_credit = forms.BooleanField(label=_("Pure credit loan"), required=False)  # 纯信用
    renewal = forms.BooleanField(label=_("Renewal without repaying principal first"), required=False)  # 无还本续贷


class RejectForm(forms.Form):
    reason_code = forms.ChoiceField(label=_("Reason"), choices=Application.RejectReason.choices)
    reason = forms.CharField(
        label=_("Explanation for the enterprise"),
        max_length=500,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class SignForm(forms.Form):
    contract_no = forms.CharField(label=_("Contract number"), max_length=64)
    amount = forms.DecimalField(label=_("Signed amount (yuan)"), **MONEY)
    signed_on = forms.DateField(label=_("Signed on"), widget=_date_input())


class DisburseForm(forms.Form):
    amount = forms.DecimalField(label=_("Disbursed amount (yuan)"), **MONEY)
    disbursed_on = forms.DateField(label=_("Disbursed on"), widget=_date_input())


class AcceptForm(forms.Form):
    """Accepting takes no details; the empty form keeps every action alike."""


class WithdrawForm(forms.Form):
    reason = forms.CharField(label=_("Reason (optional)"), max_length=500, required=False)


# Each action of the transition table and the form of its details.
ACTION_FORMS: dict[str, type[forms.Form]] = {
    "accept": AcceptForm,
    "approve": ApproveForm,
    "reject": RejectForm,
    "sign": SignForm,
    "disburse": DisburseForm,
    "withdraw": WithdrawForm,
}


def action_form_initial(action: str, application: Application) -> dict:
    """Sensible starting values: what was asked for, approved or signed; today's date."""
    today = timezone.localdate()
    if action == "approve":
        product = application.product
        return {
            "amount": application.amount,
            "term_months": application.term_months,
            "rate": product.min_rate if product else None,
            "guarantee": product.guarantee if product else Guarantee.CREDIT,
        }
    if action == "sign":
        return {"amount": application.approved_amount, "signed_on": today}
    if action == "disburse":
        return {"amount": application.signed_amount, "disbursed_on": today}
    return {}


# --- matchmaking events and matches ----------------------------------------------------------------


class EventCreateForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=200)
    region_code = forms.CharField(label=_("Region code"), min_length=6, max_length=6, validators=[validate_region_code])
    held_on = forms.DateField(label=_("Held on"), widget=_date_input())
    description = forms.CharField(
        label=_("Description"), required=False, max_length=5000, widget=forms.Textarea(attrs={"rows": 3})
    )


class IntentForm(forms.Form):
    """An intent signed at an event: which bank, which enterprise, how much."""

    bank = forms.ChoiceField(label=_("Bank"))
    enterprise = forms.CharField(
        label=_("Enterprise's unified social credit code"), min_length=18, max_length=18, validators=[validate_uscc]
    )
    amount = forms.DecimalField(label=_("Intended amount (yuan)"), required=False, **MONEY)
    category = forms.ChoiceField(label=_("Product category"), required=False)

    def __init__(self, *args, banks: list[tuple[str, str]], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["bank"].choices = _optional_choices(banks, _("Choose a bank"))
        self.fields["category"].choices = _optional_choices(ProductCategory.choices, _("Not specified"))

    def clean_enterprise(self) -> str:
        return self.cleaned_data["enterprise"].strip().upper()


def next_match_statuses(status: str) -> list[tuple[str, str]]:
    """The statuses a bank may record next for a match now in ``status``."""
    return [(value, label) for value, label in Match.Status.choices if status in MATCH_TRANSITIONS.get(value, ())]


class MatchProgressForm(forms.Form):
    status = forms.ChoiceField(label=_("New status"))
    amount = forms.DecimalField(label=_("Amount signed or disbursed (yuan)"), required=False, **MONEY)
    reason = forms.CharField(label=_("Reason it failed"), max_length=500, required=False)

    def __init__(self, *args, match: Match, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["status"].choices = next_match_statuses(match.status)


MATCH_FILTER_OPEN = "open"


class MatchFilterForm(forms.Form):
    status = forms.ChoiceField(
        label=_("Status"),
        required=False,
        choices=[(MATCH_FILTER_OPEN, _("Open")), (WORKBENCH_ALL, _("All")), *Match.Status.choices],
    )
    source = forms.ChoiceField(
        label=_("Source"), required=False, choices=_optional_choices(Match.Source.choices, _("All sources"))
    )


# --- statistics --------------------------------------------------------------------------------------


class PolicyForm(forms.Form):
    """A policy to push: its text, and whom it reaches (every field of the target may stay
    empty: then everyone in the publisher's region)."""

    title = forms.CharField(label=_("Title"), max_length=200)
    body = forms.CharField(label=_("Text"), max_length=20000, widget=forms.Textarea(attrs={"rows": 6}))
    region_codes = forms.CharField(
        label=_("Regions (codes, separated by commas)"),
        required=False,
        help_text=_("Empty: your whole region."),
    )
    scales = forms.MultipleChoiceField(
        label=_("Enterprise scales"),
        required=False,
        choices=Organization.Scale.choices,
        widget=forms.CheckboxSelectMultiple,
    )
    industries = forms.CharField(label=_("Industries (GB/T 4754 codes, separated by commas)"), required=False)
    whitelisted = forms.BooleanField(label=_("Only enterprises on a published whitelist"), required=False)

    def clean(self) -> dict:
        """What policy_publish takes: the text, and the targeting the API takes as JSON."""
        values = super().clean()
        if self.errors:
            return values
        targeting = {
            "region_codes": _codes(values["region_codes"]),
            "scales": list(values["scales"]),
            "industries": _codes(values["industries"]),
        }
        if values["whitelisted"]:
            targeting["whitelisted"] = True
        targeting = {key: value for key, value in targeting.items() if value}
        return {"title": values["title"], "body": values["body"], "targeting": targeting}


def _codes(text: str) -> list[str]:
    return [code.strip().upper() for code in text.replace("，", ",").split(",") if code.strip()]


class DashboardForm(forms.Form):
    group_by = forms.ChoiceField(
        label=_("Group by"),
        required=False,
        choices=[
            ("region", _("Region")),
            ("bank", _("Bank")),
            ("category", _("Product category")),
            ("month", _("Month")),
        ],
    )
    date_from = forms.DateField(label=_("From"), required=False, widget=_date_input())
    date_to = forms.DateField(label=_("To"), required=False, widget=_date_input())

    def clean(self):
        values = super().clean()
        date_from, date_to = values.get("date_from"), values.get("date_to")
        if date_from and date_to and date_from > date_to:
            self.add_error("date_from", _("From must not be after to."))
        values["group_by"] = values.get("group_by") or "region"
        return values
