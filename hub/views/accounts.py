"""Pages of accounts: an enterprise registers itself; each organization's home page, where its
admin adds people and unlocks those the login guard locked."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth.decorators import login_required
from django.http import HttpResponseNotAllowed
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from hub.errors import HubError
from hub.forms import EnterpriseRegistrationForm, MemberForm
from hub.identifiers import region_name
from hub.selectors.organizations import member_get
from hub.services.logins import account_unlock
from hub.services.organizations import enterprise_register, member_add
from hub.web.forms import add_service_error, run_action, submit_to_service


@require_http_methods(["GET", "POST"])
def register_enterprise(request):
    form = EnterpriseRegistrationForm(request.POST or None)
    status = 200
    if request.method == "POST":
        enterprise, status = submit_to_service(form, enterprise_register)
        if enterprise is not None:
            admin = enterprise.members.get()
            login(request, admin, backend="hub.backends.GuardedModelBackend")
            messages.success(request, _("Welcome, %(name)s is registered.") % {"name": enterprise.name})
            return redirect("home")
    return render(request, "hub/register.html", {"form": form}, status=status)


@login_required
@require_http_methods(["GET", "POST"])
def home(request):
    user = request.user
    organization = user.organization
    member_form = MemberForm(request.POST or None) if user.is_organization_admin else None
    if request.method == "POST":
        if member_form is None:
            return HttpResponseNotAllowed(["GET"])
        if member_form.is_valid():
            try:
                member_add(actor=user, organization=organization, **member_form.cleaned_data)
            except HubError as error:
                add_service_error(member_form, error)
            else:
                messages.success(
                    request, _("%(username)s was added.") % {"username": member_form.cleaned_data["username"]}
                )
                return redirect("home")
    context = {
        "organization": organization,
        "region_name": region_name(organization.region_code) if organization else "",
        "members": organization.members.order_by("username") if organization else [],
        "member_form": member_form,
    }
    template = f"hub/home_{organization.kind}.html" if organization else "hub/home_operator.html"
    return render(request, template, context, status=400 if member_form is not None and member_form.errors else 200)


@login_required
@require_POST
def member_unlock(request, member_id: int):
    member = member_get(user=request.user, member_id=member_id)
    run_action(
        request,
        account_unlock,
        actor=request.user,
        user=member,
        success=_("%(username)s can log in again.") % {"username": member.username},
    )
    return redirect("home")
