"""Forms of the hub's own pages. They validate shapes; the services decide, and
``hub.web.forms`` shows what they refuse next to the fields they name."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from hub.identifiers import validate_region_code, validate_uscc
from hub.models import Organization, User


class EnterpriseRegistrationForm(forms.Form):
    uscc = forms.CharField(
        label=_("Unified social credit code"), min_length=18, max_length=18, validators=[validate_uscc]
    )
    name = forms.CharField(label=_("Enterprise name"), max_length=200)
    region_code = forms.CharField(label=_("Region code"), min_length=6, max_length=6, validators=[validate_region_code])
    industry_code = forms.RegexField(
        label=_("Industry code (GB/T 4754)"),
        regex=r"^[A-T](\d{2,4})?\Z",
        max_length=5,
        error_messages={"invalid": _("Use a GB/T 4754 code such as I65 or C39.")},
    )
    scale = forms.ChoiceField(label=_("Scale"), choices=Organization.Scale.choices)
    contact_phone = forms.RegexField(label=_("Contact phone"), regex=r"^\+?[\d-]{6,20}\Z", required=False)
    admin_username = forms.RegexField(label=_("Administrator username"), regex=r"^[\w.@+-]+\Z", max_length=150)
    admin_password = forms.CharField(label=_("Administrator password"), widget=forms.PasswordInput, max_length=128)

    def clean_uscc(self):
        return self.cleaned_data["uscc"].strip().upper()


class MemberForm(forms.Form):
    username = forms.RegexField(label=_("Username"), regex=r"^[\w.@+-]+\Z", max_length=150)
    password = forms.CharField(label=_("Password"), widget=forms.PasswordInput, max_length=128)
    role = forms.ChoiceField(label=_("Role"), choices=User.Role.choices, initial=User.Role.STAFF)
