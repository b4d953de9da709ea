"""Forms of the enterprise's consent pages. They validate shapes; ``authorization_grant``
decides, and its domain errors are shown next to the fields they name."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from hub.categories import Category
from hub.models import Authorization
from hub.services.consent import Messages as GrantMessages

# Dates people pick are dates in China (DESIGN.md §7), whatever the server's clock says.
CHINA_TIME = ZoneInfo("Asia/Shanghai")
DEFAULT_VALIDITY_DAYS = 90


def end_of_day_in_china(day: date) -> datetime:
    """The last second of ``day`` in Asia/Shanghai: an authorization "until 1 March" covers
    the whole of 1 March."""
    return datetime.combine(day, time(23, 59, 59), tzinfo=CHINA_TIME)


def default_expiry_date() -> date:
    return timezone.now().astimezone(CHINA_TIME).date() + timedelta(days=DEFAULT_VALIDITY_DAYS)


class CategoryCheckboxes(forms.CheckboxSelectMultiple):
    """The fifteen credit categories as a grid of checkboxes."""

    def __init__(self, attrs=None):
        super().__init__(attrs={"class": "checkbox-grid", **(attrs or {})})


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
