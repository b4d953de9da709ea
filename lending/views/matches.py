"""Pages of matches: matchmaking events (政银企对接) and the banks' follow-up of every match."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Count
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from hub.errors import Conflict
from hub.identifiers import region_name
from hub.selectors.organizations import active_bank_choices
from hub.web.access import has_role, role_required
from hub.web.forms import errors_shown_on, submit_form
from hub.web.pagination import page_of
from lending.forms import (
    MATCH_FILTER_OPEN,
    WORKBENCH_ALL,
    EventCreateForm,
    IntentForm,
    MatchFilterForm,
    MatchProgressForm,
    next_match_statuses,
)
from lending.models import Match
from lending.selectors.matches import (
    OPEN_FILTER,
    event_get,
    events_visible_to,
    match_get,
    match_list,
    matches_visible_to,
)
from lending.services.matches import event_create, event_record_intent, match_progress
from lending.views.common import EVENTS_PAGE_SIZE, MATCHES_PAGE_SIZE, category_label, query_without_page


@login_required
@require_http_methods(["GET", "POST"])
def events(request):
    """Matchmaking events the caller may see; platforms and regulators create them here."""
    user = request.user
    form = None
    if has_role(user, "platform", "regulator"):  # who organizes events
        form = EventCreateForm(request.POST or None, initial={"region_code": user.organization.region_code})
    status = 200
    if request.method == "POST":
        event, status = submit_form(
            request,
            form,
            event_create,
            actor=user,
            success=lambda event: _("Matchmaking event %(title)s is created.") % {"title": event.title},
        )
        if event is not None:
            return redirect("event", event_id=event.pk)
    page, number, has_next = page_of(request, events_visible_to(user).order_by("-held_on", "-id"), EVENTS_PAGE_SIZE)
    counts = {
        row["event_id"]: row["count"]
        for row in matches_visible_to(user)
        .filter(event_id__in=[event.pk for event in page])
        .values("event_id")
        .annotate(count=Count("id"))
        .order_by()
    }
    rows = [
        {
            "event": event,
            "region": region_name(event.region_code) or event.region_code,
            "matches": counts.get(event.pk, 0),
        }
        for event in page
    ]
    context = {"form": form, "rows": rows, "page_number": number, "has_next": has_next, "page_query": ""}
    return render(request, "lending/events.html", context, status=status)


def _match_rows(matches, bound: tuple[int, MatchProgressForm] | None = None) -> list[dict]:
    now = timezone.now()
    rows = []
    for match in matches:
        form = None
        if match.source != Match.Source.APPLICATION and match.status in Match.OPEN_STATUSES:
            if bound is not None and bound[0] == match.pk:
                form = bound[1]
            else:
                form = MatchProgressForm(match=match, prefix=f"match-{match.pk}")
        rows.append(
            {
                "match": match,
                "category_label": category_label(match.category) if match.category else "",
                "contact_overdue": match.status == Match.Status.INTENT
                and match.contact_due_at is not None
                and match.contact_due_at < now,
                "form": form,
            }
        )
    return rows


def _record_intent(*, actor, event_id: int, bank, enterprise, amount, category):
    return event_record_intent(
        actor=actor, event_id=event_id, bank_code=bank, uscc=enterprise, amount=amount, category=category
    )


@login_required
@require_http_methods(["GET", "POST"])
def event_detail(request, event_id: int):
    """An event, its matches, and (for its organizer) the form to record an intent."""
    user = request.user
    event = event_get(user=user, event_id=event_id)
    is_organizer = event.organizer_id == user.organization_id
    form = IntentForm(request.POST or None, banks=active_bank_choices()) if is_organizer else None
    status = 200
    if request.method == "POST":
        # The form says bank and enterprise (as the service's errors do); its arguments are
        # bank_code and uscc.
        match, status = submit_form(
            request,
            form,
            _record_intent,
            actor=user,
            event_id=event.pk,
            success=lambda match: (
                _("The intent of %(enterprise)s with %(bank)s is recorded; the bank will follow it up.")
                % {"enterprise": match.enterprise_name or match.enterprise.name, "bank": match.bank.name}
            ),
        )
        if match is not None:
            return redirect("event", event_id=event.pk)
    page, number, has_next = page_of(request, match_list(user=user, filters={"event": event.pk}), MATCHES_PAGE_SIZE)
    context = {
        "event": event,
        "region": region_name(event.region_code) or event.region_code,
        "form": form,
        "rows": _match_rows(page),
        "page_number": number,
        "has_next": has_next,
        "page_query": "",
    }
    return render(request, "lending/event_detail.html", context, status=status)


# --- the banks' follow-up of matches --------------------------------------------------------------------------


def _render_matches(request, bound: tuple[int, MatchProgressForm] | None = None, status: int = 200):
    filter_form = MatchFilterForm(request.GET or None)
    if filter_form.is_bound and not filter_form.is_valid():
        return render(request, "400.html", status=400)
    values = filter_form.cleaned_data if filter_form.is_bound else {}
    chosen = values.get("status") or MATCH_FILTER_OPEN
    if not filter_form.is_bound:
        filter_form = MatchFilterForm(initial={"status": chosen})
    wanted = {MATCH_FILTER_OPEN: OPEN_FILTER, WORKBENCH_ALL: None}.get(chosen, chosen)
    queryset = match_list(user=request.user, filters={"source": values.get("source"), "status": wanted})
    page, number, has_next = page_of(request, queryset, MATCHES_PAGE_SIZE)
    if bound is not None and all(match.pk != bound[0] for match in page):
        # The row whose form failed stays in view, whatever the list shows.
        page.insert(0, match_get(user=request.user, match_id=bound[0]))
    context = {
        "filter_form": filter_form,
        "rows": _match_rows(page, bound),
        "page_number": number,
        "has_next": has_next,
        "page_query": query_without_page(request),
    }
    return render(request, "lending/matches.html", context, status=status)


@role_required("bank")
@require_http_methods(["GET"])
def matches(request):
    """The bank's pairings to follow up: from events and whitelists by hand here; those
    from applications follow their application."""
    return _render_matches(request)


@role_required("bank")
@require_POST
def match_progress_view(request, match_id: int):
    match = match_get(user=request.user, match_id=match_id)
    form = MatchProgressForm(request.POST, match=match, prefix=f"match-{match.pk}")
    if not next_match_statuses(match.status) or match.source == Match.Source.APPLICATION:
        messages.error(request, _("Match #%(id)s cannot be moved from here.") % {"id": match.pk})
        return redirect("matches")
    if not form.is_valid():
        return _render_matches(request, bound=(match.pk, form), status=400)
    values = form.cleaned_data
    with errors_shown_on(form) as refusal:
        match = match_progress(
            actor=request.user,
            match_id=match.pk,
            status=values["status"],
            amount=values["amount"],
            reason=values["reason"],
        )
    if isinstance(refusal.error, Conflict):  # the match moved on meanwhile
        messages.error(request, refusal.error.message)
        return redirect("matches")
    if refusal.error:
        return _render_matches(request, bound=(match.pk, form), status=refusal.error.status_code)
    messages.success(
        request, _("Match #%(id)s is now %(status)s.") % {"id": match.pk, "status": match.get_status_display()}
    )
    return redirect("matches")
