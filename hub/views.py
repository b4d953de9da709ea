"""Pages and operational endpoints. Thin: forms validate, services act."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth.decorators import login_required
from django.core.cache import cache
from django.db import connection
from django.http import HttpResponseNotAllowed, JsonResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from hub.errors import HubError, json_error_response
from hub.errors import Messages as ErrorMessages
from hub.forms import EnterpriseRegistrationForm, MemberForm
from hub.identifiers import region_name
from hub.services.organizations import enterprise_register, member_add
from hub.web.forms import add_service_error


@require_http_methods(["GET", "POST"])
def register_enterprise(request):
    form = EnterpriseRegistrationForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        values = dict(form.cleaned_data)
        try:
            enterprise = enterprise_register(
                uscc=values["uscc"],
                name=values["name"],
                region_code=values["region_code"],
                industry_code=values["industry_code"],
                scale=values["scale"],
                contact_phone=values["contact_phone"],
                admin_username=values["admin_username"],
                admin_password=values["admin_password"],
            )
        except HubError as error:
            add_service_error(form, error)
        else:
            admin = enterprise.members.get()
            login(request, admin, backend="django.contrib.auth.backends.ModelBackend")
            messages.success(request, _("Welcome, %(name)s is registered.") % {"name": enterprise.name})
            return redirect("home")
    return render(request, "hub/register.html", {"form": form}, status=400 if form.errors else 200)


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


@never_cache
def healthz(request):
    """The process is alive and serving requests."""
    return JsonResponse({"status": "ok"})


@never_cache
def readyz(request):
    """Ready to serve: the database answers, and Redis when it is configured."""
    checks = {}
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        checks["database"] = "ok"
    except Exception as error:  # any failure means not ready; the message says which.
        checks["database"] = f"error: {error.__class__.__name__}"
    if settings.REDIS_URL:
        try:
            cache.set("readyz", "1", timeout=5)
            checks["redis"] = "ok" if cache.get("readyz") == "1" else "error: no round trip"
        except Exception as error:
            checks["redis"] = f"error: {error.__class__.__name__}"
    ready = all(value == "ok" for value in checks.values())
    return JsonResponse({"status": "ok" if ready else "unavailable", "checks": checks}, status=200 if ready else 503)


def _wants_json(request) -> bool:
    return request.path.startswith("/api/")


def page_not_found(request, exception=None):
    if _wants_json(request):
        return json_error_response(404, "not_found", ErrorMessages.NOT_FOUND)
    return render(request, "404.html", status=404)


def server_error(request):
    if _wants_json(request):
        return json_error_response(500, "server_error", ErrorMessages.SERVER_ERROR)
    return render(request, "500.html", status=500)


def bad_request(request, exception=None):
    if _wants_json(request):
        return json_error_response(400, "bad_request", ErrorMessages.MALFORMED)
    return render(request, "400.html", status=400)


def permission_denied(request, exception=None):
    if _wants_json(request):
        return json_error_response(403, "forbidden", ErrorMessages.FORBIDDEN)
    return render(request, "403.html", status=403)
