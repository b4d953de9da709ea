"""Forms of the whitelist pages. They validate shapes; the services decide, and their domain
errors are shown next to the fields they name (hub.web.forms.add_service_error). Field names are
the services' (and the API's), so those errors land on the right field."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from hub.identifiers import validate_region_code
from whitelist.models import Whitelist


class WhitelistCreateForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=200)
    kind = forms.ChoiceField(label=_("Kind"), choices=Whitelist.Kind.choices)
    region_code = forms.CharField(label=_("Region code"), min_length=6, max_length=6, validators=[validate_region_code])
    policy_basis = forms.CharField(label=_("Policy basis (document number or title)"), required=False, max_length=300)
    contact_days = forms.IntegerField(
        label=_("Days for banks to make contact (empty: the hub's default)"),
        required=False,
        min_value=1,
        max_value=365,
    )
    description = forms.CharField(
        label=_("Description"), required=False, max_length=5000, widget=forms.Textarea(attrs={"rows": 3})
    )


class WhitelistUploadForm(forms.Form):
    file = forms.FileField(
        label=_("Whitelist file (CSV or XLSX)"),
        widget=forms.FileInput(attrs={"accept": ".csv,.xlsx"}),
    )
