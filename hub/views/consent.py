"""The enterprise's consent pages: grant and revoke authorizations, read who read its data,
read its notices. Thin: forms validate, services act, selectors scope."""

from __future__ import annotations

from django.contrib import messages
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST

from hub.categories import category_labels
from hub.errors import HubError
from hub.forms import AuthorizationGrantForm
from hub.models import Authorization
from hub.models.authorizations import SELF_PURPOSE
from hub.selectors.access_log import access_log_events, access_log_rows
from hub.selectors.consent import authorizations_visible_to
from hub.selectors.notifications import notifications_for
from hub.selectors.organizations import active_bank_choices
from hub.selectors.verification import current_signer
from hub.services.consent import authorization_grant, authorization_revoke, authorization_sign
from hub.services.notifications import notification_mark_read
from hub.services.verification import verification_of
from hub.web.access import role_required
from hub.web.forms import add_service_error, run_action

ACCESS_LOG_PAGE_SIZE = 50
NOTICES_PAGE_SIZE = 50

PURPOSE_LABELS = {**dict(Authorization.Purpose.choices), SELF_PURPOSE: gettext_lazy("Own credit report")}
ACCESS_LOG_ACTIONS = {
    "credit_pull.started": gettext_lazy("Started a credit pull"),
    "credit_profile.read": gettext_lazy("Read the credit profile"),
    "credit_records.deleted": gettext_lazy("Records deleted at the end of retention"),
    "credit_report.issued": gettext_lazy("Issued its own credit report"),
}


# --- authorizations ---------------------------------------------------------------------------------


def _authorization_rows(user) -> list[dict]:
    rows = []
    for authorization in authorizations_visible_to(user).order_by("-granted_at", "-id"):
        status = authorization.status_now
        rows.append(
            {
                "authorization": authorization,
                "status": status.value,
                "status_label": status.label,
                "scope_labels": category_labels(authorization.scopes),
                "purpose_label": PURPOSE_LABELS.get(authorization.purpose, authorization.purpose),
                "revocable": status in (Authorization.Status.ACTIVE, Authorization.Status.PENDING_SIGNATURES),
                "signable": status == Authorization.Status.PENDING_SIGNATURES
                and all(signature.user_id != user.pk for signature in authorization.signatures.all()),
                "signers": [signature.get_role_display() for signature in authorization.signatures.all()],
            }
        )
    return rows


@role_required("enterprise")
@require_http_methods(["GET", "POST"])
def authorizations(request):
    form = AuthorizationGrantForm(request.POST or None, banks=active_bank_choices())
    if request.method == "POST" and form.is_valid():
        values = form.cleaned_data
        try:
            authorization = authorization_grant(
                actor=request.user,
                bank_code=values["bank"],
                scopes=values["scopes"],
                purpose=values["purpose"],
                expires_at=values["expires_at"],
            )
        except HubError as error:
            add_service_error(form, error)
        else:
            if authorization.status == Authorization.Status.PENDING_SIGNATURES:
                message = _("Authorization #%(id)s to %(bank)s waits for a second signer (within 7 days).")
            else:
                message = _("Authorization #%(id)s granted to %(bank)s.")
            messages.success(request, message % {"id": authorization.pk, "bank": authorization.bank.name})
            return redirect("authorizations")
    verification = verification_of(request.user.organization)
    context = {
        "form": form,
        "rows": _authorization_rows(request.user),
        "verified": verification.status == verification.Status.VERIFIED,
        "is_signer": current_signer(user=request.user, enterprise=request.user.organization) is not None,
    }
    return render(request, "hub/consent/authorizations.html", context, status=400 if form.errors else 200)


@role_required("enterprise")
@require_POST
def authorization_sign_view(request, authorization_id: int):
    run_action(
        request,
        authorization_sign,
        actor=request.user,
        authorization_id=authorization_id,
        success=lambda authorization: (
            _("Authorization #%(id)s is signed and active.") % {"id": authorization.pk}
            if authorization.status == Authorization.Status.ACTIVE
            else _("Your signature is recorded.")
        ),
    )
    return redirect("authorizations")


@role_required("enterprise")
@require_POST
def authorization_revoke_view(request, authorization_id: int):
    # Already revoked or expired: the message says so, and nothing changes.
    run_action(
        request,
        authorization_revoke,
        actor=request.user,
        authorization_id=authorization_id,
        success=lambda authorization: (
            _("Authorization #%(id)s to %(bank)s is revoked; the bank can no longer read your data.")
            % {"id": authorization.pk, "bank": authorization.bank.name}
        ),
    )
    return redirect("authorizations")


# --- access log -------------------------------------------------------------------------------------


@role_required("enterprise")
@require_http_methods(["GET"])
def access_log(request):
    """Every read of the enterprise's credit data, newest first, a page at a time. Pages are
    keyed by event id ("older than"), which stays as cheap on the thousandth page as on
    the first."""
    before = request.GET.get("before", "")
    if before and not before.isdigit():
        return render(request, "400.html", status=400)
    events = access_log_events(user=request.user, uscc=request.user.organization.code).order_by("-id")
    if before:
        events = events.filter(id__lt=int(before))
    page = list(events[: ACCESS_LOG_PAGE_SIZE + 1])
    older = page[ACCESS_LOG_PAGE_SIZE - 1].pk if len(page) > ACCESS_LOG_PAGE_SIZE else None
    page = page[:ACCESS_LOG_PAGE_SIZE]
    rows = access_log_rows(page)
    for row in rows:
        row["action_label"] = ACCESS_LOG_ACTIONS.get(row["action"], row["action"])
        row["category_labels"] = category_labels(row["categories"])
        row["purpose_label"] = PURPOSE_LABELS.get(row["purpose"], row["purpose"] or "")
    context = {"rows": rows, "older": older, "is_first_page": not before}
    return render(request, "hub/consent/access_log.html", context)


# --- notices ------------------------------------------------------------------------------------------


@role_required("member", "operator")
@require_http_methods(["GET"])
def notices(request):
    before = request.GET.get("before", "")
    if before and not before.isdigit():
        return render(request, "400.html", status=400)
    notifications = notifications_for(request.user).order_by("-id")
    if before:
        notifications = notifications.filter(id__lt=int(before))
    page = list(notifications[: NOTICES_PAGE_SIZE + 1])
    older = page[NOTICES_PAGE_SIZE - 1].pk if len(page) > NOTICES_PAGE_SIZE else None
    context = {"notifications": page[:NOTICES_PAGE_SIZE], "older": older, "is_first_page": not before}
    return render(request, "hub/consent/notices.html", context)


@role_required("member", "operator")
@require_POST
def notice_mark_read(request, notification_id: int):
    notification_mark_read(user=request.user, notification_id=notification_id)
    messages.success(request, _("Notice marked as read."))
    return redirect("notices")
