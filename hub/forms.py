"""Forms of the hub's own pages. They validate shapes; the services decide, and
``hub.web.forms`` shows what they refuse next to the fields they name."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from django import forms
from django.contrib.admin.forms import AdminAuthenticationForm
from django.contrib.auth.forms import AuthenticationForm
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from hub.categories import Category
from hub.identifiers import validate_region_code, validate_uscc
from hub.models import Authorization, Organization, User
from hub.services.consent import Messages as GrantMessages
from hub.services.logins import LoginRefused
from hub.web.widgets import CategoryCheckboxes


class _GuardedLogin:
    """A login the guard refused (too many failures from the address, or a locked account)
    is the form's error, worded the same whether or not the account exists."""

    def clean(self):
        try:
            return super().clean()
        except LoginRefused as refusal:
            raise forms.ValidationError(refusal.message, code=refusal.code) from None


class LoginForm(_GuardedLogin, AuthenticationForm):
    """The login page's form (/login/)."""


class AdminLoginForm(_GuardedLogin, AdminAuthenticationForm):
    """The administration's login form (/admin/login/)."""


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


# --- consent -----------------------------------------------------------------------------------

# Dates people pick are dates in China (DESIGN.md §7), whatever the server's clock says.
CHINA_TIME = ZoneInfo("Asia/Shanghai")
DEFAULT_VALIDITY_DAYS = 90


def end_of_day_in_china(day: date) -> datetime:
    """The last second of ``day`` in Asia/Shanghai: an authorization "until 1 March" covers
    the whole of 1 March."""
    return datetime.combine(day, time(23, 59, 59), tzinfo=CHINA_TIME)


def default_expiry_date() -> date:
    return timezone.now().astimezone(CHINA_TIME).date() + timedelta(days=DEFAULT_VALIDITY_DAYS)


class AuthorizationGrantForm(forms.Form):
    # Field names are the service's (and the API's), so its errors land on the right field.
    bank = forms.ChoiceField(label=_("Bank"))
    # Required here too, in the service's words, so every missing field is named at once.
    scopes = forms.MultipleChoiceField(
        label=_("Credit categories the bank may read"),
        choices=Category.choices,
        widget=CategoryCheckboxes,
        error_messages={"required": GrantMessages.SCOPES_EMPTY},
    )
    purpose = forms.ChoiceField(label=_("Purpose"), choices=Authorization.Purpose.choices)
    expires_at = forms.DateField(
        label=_("Valid until (inclusive)"),
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )

    def __init__(self, *args, banks: list[tuple[str, str]], **kwargs):
        """``banks``: (code, label) of the banks an authorization may be granted to."""
        super().__init__(*args, **kwargs)
        self.fields["bank"].choices = [("", _("Choose a bank"))] + list(banks)
        self.fields["expires_at"].initial = default_expiry_date

    def clean_expires_at(self) -> datetime:
        return end_of_day_in_china(self.cleaned_data["expires_at"])
