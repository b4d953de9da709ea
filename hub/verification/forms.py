"""Forms of the verification pages; the services decide (hub.web.forms.submit_to_service)."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from hub.categories import Category


class SignersRequiredForm(forms.Form):
    two_signers = forms.MultipleChoiceField(
        label=_("Categories that need two signers"),
        choices=Category.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("An authorization for any of these waits for a second signer before the bank can read anything."),
    )

    def signers_required(self) -> dict[str, int]:
        chosen = set(self.cleaned_data["two_signers"])
        return {category: 2 if category in chosen else 1 for category, _label in Category.choices}


class AgentForm(forms.Form):
    username = forms.RegexField(label=_("Username"), regex=r"^[\w.@+-]+\Z", max_length=150)
    scopes = forms.MultipleChoiceField(
        label=_("Credit categories"), choices=Category.choices, widget=forms.CheckboxSelectMultiple
    )
    expires_at = forms.DateTimeField(
        label=_("Appointed until"), widget=forms.DateTimeInput(attrs={"type": "datetime-local"})
    )


class SuspendForm(forms.Form):
    reason = forms.CharField(label=_("Reason"), max_length=500)
