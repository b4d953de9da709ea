"""The policy push page (信用政策精准推送): regulators and the operator compose a policy, choose
whom it reaches, send it, and see what they sent with how many it reached."""

from __future__ import annotations

from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from hub.web.access import role_required
from hub.web.forms import submit_form
from hub.web.pagination import page_of
from lending.forms import PolicyForm
from lending.selectors.policies import policies_visible_to
from lending.services.policies import policy_publish

POLICIES_PAGE_SIZE = 30


@role_required("operator", "regulator")
@require_http_methods(["GET", "POST"])
def policies(request):
    form = PolicyForm(request.POST or None)
    status = 200
    if request.method == "POST":
        policy, status = submit_form(
            request,
            form,
            policy_publish,
            actor=request.user,
            success=lambda policy: (
                _("Policy %(title)s is being sent to the enterprises it targets.") % {"title": policy.title}
            ),
        )
        if policy is not None:
            return redirect("policies")
    page, number, has_next = page_of(request, policies_visible_to(request.user).order_by("-id"), POLICIES_PAGE_SIZE)
    context = {"form": form, "policies": page, "page_number": number, "has_next": has_next}
    return render(request, "lending/policies.html", context, status=status)
