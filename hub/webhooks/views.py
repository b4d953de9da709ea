"""The webhook pages for an organization's admins: endpoints (create, with the secret shown
once; edit; pause and resume; rotate; delete; the test event), deliveries with every attempt,
failures and dead letters, and replay of one event or of a time range. Thin adapters over the
services and selectors the API uses."""

from __future__ import annotations

from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.cache import add_never_cache_headers
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST

from hub.errors import Forbidden
from hub.models import WebhookDelivery, WebhookEndpoint
from hub.selectors.webhooks import (
    webhook_attempts_of,
    webhook_deliveries_for,
    webhook_delivery_of,
    webhook_endpoints_for,
    webhook_endpoints_with_counts,
    webhook_recent_deliveries,
)
from hub.services import webhook_deliveries as delivery_texts
from hub.services import webhooks as services
from hub.web.access import role_required
from hub.web.forms import run_action, submit_form
from hub.web.pagination import page_of
from hub.webhooks.catalogue import EVENT_TYPES, TEST_EVENT
from hub.webhooks.forms import DeliveryFilterForm, EndpointForm, ReplayRangeForm

DELIVERIES_PAGE_SIZE = 50
# Organizations that integrate: banks first, platforms and regulators too.
INTEGRATORS = ("bank", "platform", "regulator")

# What the delivery code stores in English (it runs without a request), read in the page's language.
_STORED_TEXTS = {
    delivery_texts.ENDPOINT_DISABLED: gettext_lazy("The endpoint is disabled."),
    delivery_texts.ENDPOINT_GONE: gettext_lazy("The receiver answered 410 Gone: the endpoint was disabled."),
    delivery_texts.RETRIES_EXHAUSTED: gettext_lazy("Not delivered within the retry window."),
    delivery_texts.WORKER_DIED: gettext_lazy("The attempt's worker died before it finished."),
}


def stored_text(text: str) -> tuple[str, str]:
    """(the sentence in the page's language, the technical rest shown as code) of a stored error."""
    for known, translated in _STORED_TEXTS.items():
        if text.startswith(known):
            return str(translated), text.removeprefix(known).strip()
    return "", text


def event_type_label(event_type: str) -> str:
    if event_type == TEST_EVENT:
        return _("Test event")
    known = EVENT_TYPES.get(event_type)
    return str(known.label) if known else event_type


def _admin_required(request) -> None:
    if not request.user.is_organization_admin:
        raise Forbidden(services.Messages.ADMINS_ONLY)


def _endpoint_choices(user) -> list[tuple[int, str]]:
    return [(endpoint.pk, endpoint.url) for endpoint in webhook_endpoints_for(user)]


def _delivery_row(delivery: WebhookDelivery) -> dict:
    message, detail = stored_text(delivery.last_error)
    return {
        "delivery": delivery,
        "type_label": event_type_label(delivery.event.type),
        "error_message": message,
        "error_detail": detail,
    }


def _secret_shown_once(request, endpoint: WebhookEndpoint, secret: str, *, rotated: bool):
    response = render(request, "hub/webhooks/secret.html", {"endpoint": endpoint, "secret": secret, "rotated": rotated})
    add_never_cache_headers(response)  # neither the browser nor a proxy keeps the secret
    return response


# --- endpoints --------------------------------------------------------------------------------------


@role_required(*INTEGRATORS)
@require_http_methods(["GET", "POST"])
def endpoints(request):
    _admin_required(request)
    form = EndpointForm(request.POST or None)
    status = 200
    if request.method == "POST":
        result, status = submit_form(
            request,
            form,
            services.webhook_endpoint_create,
            actor=request.user,
            success=lambda created: _("Endpoint %(url)s registered.") % {"url": created[0].url},
        )
        if result is not None:
            endpoint, secret = result
            return _secret_shown_once(request, endpoint, secret, rotated=False)
    rows = [
        {"endpoint": endpoint, "type_labels": [event_type_label(t) for t in endpoint.event_types]}
        for endpoint in webhook_endpoints_with_counts(request.user)
    ]
    return render(request, "hub/webhooks/endpoints.html", {"rows": rows, "form": form}, status=status)


@role_required(*INTEGRATORS)
@require_http_methods(["GET", "POST"])
def endpoint_detail(request, endpoint_id: int):
    endpoint = services.webhook_endpoint_managed(request.user, endpoint_id)
    initial = {"url": endpoint.url, "description": endpoint.description, "event_types": endpoint.event_types}
    form = EndpointForm(request.POST or None, initial=initial)
    status = 200
    if request.method == "POST":
        result, status = submit_form(
            request,
            form,
            services.webhook_endpoint_update,
            actor=request.user,
            endpoint_id=endpoint.pk,
            success=lambda changed: _("Endpoint %(url)s saved.") % {"url": changed.url},
        )
        if result is not None:
            return redirect("webhook-endpoint", endpoint_id=endpoint.pk)
    disabled_message, disabled_detail = stored_text(endpoint.disabled_reason)
    context = {
        "endpoint": endpoint,
        "form": form,
        "type_labels": [event_type_label(t) for t in endpoint.event_types],
        "disabled_message": disabled_message,
        "disabled_detail": disabled_detail,
        "rows": [_delivery_row(d) for d in webhook_recent_deliveries(request.user, endpoint.pk)],
        "deliveries_url": reverse("webhook-deliveries") + "?" + urlencode({"endpoint": endpoint.pk}),
    }
    return render(request, "hub/webhooks/endpoint_detail.html", context, status=status)


@role_required(*INTEGRATORS)
@require_POST
def endpoint_pause(request, endpoint_id: int):
    run_action(
        request,
        services.webhook_endpoint_pause,
        actor=request.user,
        endpoint_id=endpoint_id,
        success=_("The endpoint is paused: events wait for it and are sent in order when it is resumed."),
    )
    return redirect("webhook-endpoint", endpoint_id=endpoint_id)


@role_required(*INTEGRATORS)
@require_POST
def endpoint_resume(request, endpoint_id: int):
    run_action(
        request,
        services.webhook_endpoint_resume,
        actor=request.user,
        endpoint_id=endpoint_id,
        success=_("The endpoint is active again; what waited is being sent."),
    )
    return redirect("webhook-endpoint", endpoint_id=endpoint_id)


@role_required(*INTEGRATORS)
@require_POST
def endpoint_rotate(request, endpoint_id: int):
    result = run_action(request, services.webhook_endpoint_rotate_secret, actor=request.user, endpoint_id=endpoint_id)
    if result is None:
        return redirect("webhook-endpoint", endpoint_id=endpoint_id)
    endpoint, secret = result
    return _secret_shown_once(request, endpoint, secret, rotated=True)


@role_required(*INTEGRATORS)
@require_POST
def endpoint_delete(request, endpoint_id: int):
    run_action(
        request,
        services.webhook_endpoint_delete,
        actor=request.user,
        endpoint_id=endpoint_id,
        success=_("The endpoint and its deliveries are deleted."),
    )
    return redirect("webhook-endpoints")


@role_required(*INTEGRATORS)
@require_POST
def endpoint_test(request, endpoint_id: int):
    run_action(
        request,
        services.webhook_test_send,
        actor=request.user,
        endpoint_id=endpoint_id,
        success=lambda delivery: _("A test event (%(id)s) is on its way.") % {"id": delivery.event.public_id},
    )
    return redirect("webhook-endpoint", endpoint_id=endpoint_id)


# --- deliveries and replays ---------------------------------------------------------------------------


@role_required(*INTEGRATORS)
@require_http_methods(["GET", "POST"])
def deliveries(request):
    """Deliveries newest first, filtered (failures are the retrying ones, dead letters the dead
    ones); POST replays a time range."""
    _admin_required(request)
    choices = _endpoint_choices(request.user)
    event_types = [(key, event_type_label(key)) for key in [*EVENT_TYPES, TEST_EVENT]]
    filters = DeliveryFilterForm(request.GET, endpoints=choices, event_types=event_types)
    values = filters.cleaned_data if filters.is_valid() else {}
    replay = ReplayRangeForm(request.POST or None, endpoints=choices)
    status = 200
    if request.method == "POST":
        result, status = submit_form(
            request,
            replay,
            services.webhook_events_replay_range,
            actor=request.user,
            success=lambda queued: _("%(count)s deliveries queued again.") % {"count": queued},
        )
        if result is not None:
            return redirect("webhook-deliveries")
    selected = webhook_deliveries_for(
        request.user,
        status=values.get("status") or None,
        endpoint_id=values.get("endpoint"),
        event_type=values.get("event_type") or None,
    )
    items, page_number, has_next = page_of(request, selected, DELIVERIES_PAGE_SIZE)
    query = {name: value for name, value in request.GET.items() if name != "page" and value}
    context = {
        "filters": filters,
        "replay": replay,
        "rows": [_delivery_row(delivery) for delivery in items],
        "page_number": page_number,
        "has_next": has_next,
        "page_query": urlencode(query),
        "current_status": values.get("status") or "",
    }
    return render(request, "hub/webhooks/deliveries.html", context, status=status)


@role_required(*INTEGRATORS)
@require_http_methods(["GET"])
def delivery_detail(request, delivery_id: int):
    _admin_required(request)
    delivery = webhook_delivery_of(request.user, delivery_id)
    if delivery is None:
        raise Http404
    attempts = []
    for attempt in webhook_attempts_of(delivery):
        message, detail = stored_text(attempt.error)
        attempts.append({"attempt": attempt, "error_message": message, "error_detail": detail})
    context = {**_delivery_row(delivery), "attempts": attempts}
    return render(request, "hub/webhooks/delivery_detail.html", context)


@role_required(*INTEGRATORS)
@require_POST
def event_replay(request, event_id: str):
    endpoint = request.POST.get("endpoint", "")
    run_action(
        request,
        services.webhook_event_replay,
        actor=request.user,
        event_id=event_id,
        endpoint_id=int(endpoint) if endpoint.isdigit() else None,
        success=lambda queued: (
            _("Event %(id)s queued again to %(count)s endpoints.") % {"id": event_id, "count": len(queued)}
        ),
    )
    return redirect("webhook-deliveries")
