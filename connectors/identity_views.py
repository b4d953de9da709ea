"""The legal representative check's page, a step of the verification wizard."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods

from connectors.services.identity import legal_representative_verify
from hub.web.access import role_required
from hub.web.forms import submit_to_service


class LegalRepresentativeForm(forms.Form):
    name = forms.CharField(label=gettext_lazy("Legal representative's name"), max_length=100)
    id_number = forms.CharField(
        label=gettext_lazy("Resident ID number"),
        min_length=18,
        max_length=18,
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
    )

    def clean_id_number(self):
        return self.cleaned_data["id_number"].strip().upper()


@role_required("enterprise")
@require_http_methods(["GET", "POST"])
def legal_representative_check(request):
    form = LegalRepresentativeForm(request.POST or None)
    status = 200
    if request.method == "POST":
        verification, status = submit_to_service(
            form, legal_representative_verify, actor=request.user, enterprise=request.user.organization
        )
        if verification is not None:
            messages.success(request, _("The enterprise is verified; you are its legal representative."))
            return redirect("verification")
    return render(request, "connectors/legal_representative.html", {"form": form}, status=status)
