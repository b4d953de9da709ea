"""Forms of the credit pull and connector pages. They validate shapes; the services decide,
and their domain errors are shown next to the fields they name (hub.web.forms.add_service_error).
Field names are the services' (and the API's) so those errors land on the right field."""

from __future__ import annotations

import re

from django import forms
from django.utils.translation import gettext_lazy as _

from connectors import registry
from connectors.services.connectors import Messages as RegisterMessages
from hub.categories import Category
from hub.identifiers import validate_uscc
from hub.web.widgets import CategoryCheckboxes

_SEPARATORS = re.compile(r"[\s,，;；、]+")


class CreditPullStartForm(forms.Form):
    enterprise = forms.CharField(
        label=_("Unified social credit code"), min_length=18, max_length=18, validators=[validate_uscc]
    )
    categories = forms.MultipleChoiceField(
        label=_("Credit categories (none ticked: every category your authorization covers)"),
        choices=Category.choices,
        widget=CategoryCheckboxes,
        required=False,
    )

    def clean_enterprise(self) -> str:
        return self.cleaned_data["enterprise"].strip().upper()

    def clean_categories(self) -> list[str] | None:
        return self.cleaned_data["categories"] or None


class ConnectorRegisterForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=200)
    kind = forms.ChoiceField(label=_("Kind"), choices=registry.choices())
    base_url = forms.CharField(label=_("Base URL or directory"), max_length=500)
    # Required here too, in the service's words, so every missing field is named at once.
    region_codes = forms.CharField(
        label=_("Region codes (six digits, separated by commas)"),
        max_length=400,
        error_messages={"required": RegisterMessages.REGIONS_EMPTY},
    )
    categories = forms.MultipleChoiceField(
        label=_("Credit categories served"),
        choices=Category.choices,
        widget=CategoryCheckboxes,
        error_messages={"required": RegisterMessages.CATEGORIES_EMPTY},
    )
    key_id = forms.CharField(label=_("Key id"), max_length=100, required=False)
    # Never rendered back into the page, not even after an error elsewhere in the form.
    secret = forms.CharField(
        label=_("Secret"),
        max_length=500,
        required=False,
        strip=False,
        widget=forms.PasswordInput(render_value=False, attrs={"autocomplete": "new-password"}),
    )

    def clean_region_codes(self) -> list[str]:
        return [code for code in _SEPARATORS.split(self.cleaned_data["region_codes"]) if code]


class RetentionPolicyForm(forms.Form):
    """One purpose's caps and retention, as the operator's page edits them; ``lookbacks`` is
    typed as ``tax:24, social_insurance:12`` (category key and months)."""

    purpose = forms.CharField(widget=forms.HiddenInput)
    pulls_per_day = forms.IntegerField(
        label=_("Pulls a day per authorization (empty: no cap)"), min_value=1, max_value=1000, required=False
    )
    lookback_months = forms.IntegerField(
        label=_("Months back for every category (empty: everything the platform keeps)"),
        min_value=1,
        max_value=600,
        required=False,
    )
    lookbacks = forms.CharField(
        label=_("Months back per category, e.g. tax:24, social_insurance:12"), max_length=500, required=False
    )
    keep_days = forms.IntegerField(
        label=_("Days records are kept after the authorization ends or its application is decided"),
        min_value=0,
        max_value=3650,
    )

    def clean_lookbacks(self) -> dict[str, int]:
        lookbacks = {}
        for item in filter(None, _SEPARATORS.split(self.cleaned_data["lookbacks"].strip())):
            category, _colon, months = item.replace("：", ":").partition(":")
            if category not in Category.values or not months.isdigit() or not 1 <= int(months) <= 600:
                raise forms.ValidationError(
                    _("Write each as category:months, with a category key and 1 to 600 months (%(item)s)."),
                    params={"item": item},
                )
            lookbacks[category] = int(months)
        return lookbacks
