"""Forms of the pages. They validate shapes; the services decide and raise domain errors,
which ``add_service_error`` shows next to the fields they name."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from hub.errors import HubError
from hub.identifiers import validate_region_code, validate_uscc
from hub.models import Organization, User

# Service field names (as in the API) → form field names.
_FIELD_NAMES = {"admin.username": "admin_username", "admin.password": "admin_password"}


def add_service_error(form: forms.Form, error: HubError) -> None:
    if not error.fields:
        form.add_error(None, error.message)
    for name, messages in error.fields.items():
        field = _FIELD_NAMES.get(name, name)
        for message in messages:
            form.add_error(field if field in form.fields else None, message)


def submit_to_service(form: forms.Form, service, **arguments):
    """Validate a bound form and call ``service(**arguments, **form.cleaned_data)``.

    Returns ``(result, 200)`` on success, or ``(None, status)`` with the problem shown on the
    form: 400 for invalid fields, the service error's own status (400, 403, 409…) otherwise.
    """
    if not form.is_valid():
        return None, 400
    try:
        return service(**arguments, **form.cleaned_data), 200
    except HubError as error:
        add_service_error(form, error)
        return None, error.status_code


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
