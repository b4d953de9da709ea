"""Pages of whitelists (白名单) for city platforms and regulators: the list and creation, one
whitelist with its upload, draft-versus-published diff, publication, coverage and overdue
follow-ups, and the live progress of an import. Thin: forms validate, services act,
selectors scope (so a whitelist another organization cannot see is a 404)."""

from __future__ import annotations

from datetime import date

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST

from hub.api.exports import export_response
from hub.identifiers import region_name
from hub.web.access import has_role, role_required
from hub.web.forms import errors_shown_on, run_action, submit_form
from hub.web.pagination import page_of
from whitelist.forms import WhitelistCreateForm, WhitelistUploadForm
from whitelist.models import Whitelist, WhitelistImport
from whitelist.parsers import CHINESE_TITLES, COLUMNS
from whitelist.selectors.whitelists import (
    coverage,
    import_get,
    overdue_matches,
    whitelist_get,
    whitelists_visible_to,
)
from whitelist.services.imports import import_start
from whitelist.services.whitelists import (
    diff_entries,
    draft_diff,
    whitelist_archive,
    whitelist_create,
    whitelist_publish,
)

WHITELISTS_PAGE_SIZE = 25
RECENT_IMPORTS = 10
DIFF_SAMPLES = 20
OVERDUE_SHOWN = 50
ERRORS_SHOWN = 20
FINISHED = (WhitelistImport.Status.SUCCEEDED, WhitelistImport.Status.FAILED)
ENTRY_FIELDS = {
    "name": gettext_lazy("Name"),
    "reason": gettext_lazy("Reason"),
    "recommended_amount": gettext_lazy("Recommended amount (yuan)"),
    "valid_until": gettext_lazy("Valid until"),
}


def _region(code: str) -> str:
    name = region_name(code)
    return f"{name} ({code})" if name and name != code else code


def _visible_whitelist(request, whitelist_id: int) -> Whitelist:
    return whitelist_get(user=request.user, whitelist_id=whitelist_id)


def _owned_whitelist(request, whitelist_id: int) -> Whitelist:
    """A whitelist the caller may change: invisible ones are 404, visible but not their
    organization's (a regulator over the region, the operator) 403."""
    whitelist = _visible_whitelist(request, whitelist_id)
    if whitelist.owner_id != request.user.organization_id:
        raise PermissionDenied
    return whitelist


# --- the import template -------------------------------------------------------------------------


@role_required("operator", "platform", "regulator")
@require_http_methods(["GET"])
def import_template(request, file_format: str):
    """An empty whitelist file with the Chinese column titles staff export (no example row:
    one left in by mistake would be imported)."""
    titles = [CHINESE_TITLES[column][0] for column in COLUMNS]
    return export_response(
        [],
        filename="whitelist-template",
        file_format=file_format,
        columns=titles,
        sheet_name="whitelist",
    )


# --- the list ---------------------------------------------------------------------------------------


@role_required("operator", "platform", "regulator")
@require_http_methods(["GET", "POST"])
def whitelists(request):
    """Whitelists the caller may see; platforms and regulators create them here."""
    user = request.user
    form = None
    if has_role(user, "platform", "regulator"):  # who owns whitelists
        form = WhitelistCreateForm(request.POST or None, initial={"region_code": user.organization.region_code})
    status = 200
    if request.method == "POST":
        whitelist, status = submit_form(
            request,
            form,
            whitelist_create,
            actor=user,
            success=lambda whitelist: (
                _("Whitelist %(name)s is created: upload its entries, then a colleague publishes it.")
                % {"name": whitelist.name}
            ),
        )
        if whitelist is not None:
            return redirect("whitelist", whitelist_id=whitelist.pk)
    page, number, has_next = page_of(request, whitelists_visible_to(user).order_by("-id"), WHITELISTS_PAGE_SIZE)
    rows = [{"whitelist": whitelist, "region": _region(whitelist.region_code)} for whitelist in page]
    context = {"form": form, "rows": rows, "page_number": number, "has_next": has_next}
    return render(request, "whitelist/whitelists.html", context, status=status)


# --- one whitelist -----------------------------------------------------------------------------------


def _shown(value) -> str:
    if value is None or value == "":
        return "—"
    return value.isoformat() if isinstance(value, date) else str(value)


def _changed_fields(before, after) -> list[dict]:
    return [
        {"label": label, "before": _shown(getattr(before, name)), "after": _shown(getattr(after, name))}
        for name, label in ENTRY_FIELDS.items()
        if getattr(before, name) != getattr(after, name)
    ]


def _render_whitelist(request, whitelist: Whitelist, upload_form: WhitelistUploadForm | None = None, status=200):
    user = request.user
    is_owner = whitelist.owner_id == user.organization_id
    is_open = whitelist.status != Whitelist.Status.ARCHIVED
    diff = draft_diff(whitelist)
    samples = diff_entries(whitelist, limit=DIFF_SAMPLES)
    imports = list(whitelist.imports.select_related("uploaded_by").order_by("-id")[:RECENT_IMPORTS])
    import_running = any(item.status not in FINISHED for item in imports)
    now = timezone.now()
    overdue = [
        {"match": match, "days_overdue": (now - match.contact_due_at).days}
        for match in overdue_matches(whitelist).order_by("contact_due_at", "id")[:OVERDUE_SHOWN]
    ]
    context = {
        "whitelist": whitelist,
        "region": _region(whitelist.region_code),
        "version": whitelist.current_version,
        "is_owner": is_owner,
        "may_upload": is_owner and is_open,
        "may_publish": is_owner and is_open and whitelist.last_import_by_id is not None,
        "may_archive": is_owner and is_open,
        "upload_form": upload_form or (WhitelistUploadForm() if is_owner and is_open else None),
        "columns": ",".join(COLUMNS),
        "chinese_columns": ",".join(CHINESE_TITLES[column][0] for column in COLUMNS),
        "draft_entries": whitelist.entries.count(),
        "diff": diff,
        "diff_total": diff.added + diff.removed + diff.changed,
        "added": samples["added"],
        "removed": samples["removed"],
        "changed": [
            {"before": pair["before"], "after": pair["after"], "fields": _changed_fields(pair["before"], pair["after"])}
            for pair in samples["changed"]
        ],
        "diff_samples": DIFF_SAMPLES,
        "imports": imports,
        "import_running": import_running,
        "last_importer_is_me": whitelist.last_import_by_id == user.pk,
        "coverage": coverage(whitelist),
        "overdue": overdue,
    }
    return render(request, "whitelist/whitelist_detail.html", context, status=status)


@login_required
@require_http_methods(["GET", "POST"])
def whitelist_detail(request, whitelist_id: int):
    """One whitelist; its owner's people upload a file here (POST), which queues an import
    and leads to the import's progress page."""
    if request.method == "GET":
        return _render_whitelist(request, _visible_whitelist(request, whitelist_id))
    whitelist = _owned_whitelist(request, whitelist_id)
    form = WhitelistUploadForm(request.POST, request.FILES)
    if not form.is_valid():
        return _render_whitelist(request, whitelist, form, status=400)
    with errors_shown_on(form) as refusal:  # too large (413), not CSV/XLSX (415), archived meanwhile
        whitelist_import = import_start(
            actor=request.user, whitelist_id=whitelist.pk, uploaded=form.cleaned_data["file"]
        )
    if refusal.error:
        return _render_whitelist(request, whitelist, form, status=refusal.error.status_code)
    messages.success(
        request,
        _("File %(name)s is received; its rows are being checked.") % {"name": whitelist_import.original_name},
    )
    return redirect("whitelist-import", import_id=whitelist_import.pk)


@login_required
@require_POST
def whitelist_publish_view(request, whitelist_id: int):
    """Publish the draft; a refusal (maker-checker, an import running, nothing imported)
    comes back as an error message on the whitelist's page."""
    whitelist = _owned_whitelist(request, whitelist_id)
    run_action(
        request,
        whitelist_publish,
        actor=request.user,
        whitelist_id=whitelist.pk,
        success=lambda version: (
            _(
                "Version %(number)s is published with %(entries)s entries "
                "(%(added)s added, %(removed)s removed, %(changed)s changed)."
            )
            % {
                "number": version.number,
                "entries": version.entries_count,
                "added": version.added,
                "removed": version.removed,
                "changed": version.changed,
            }
        ),
    )
    return redirect("whitelist", whitelist_id=whitelist.pk)


@login_required
@require_POST
def whitelist_archive_view(request, whitelist_id: int):
    whitelist = _owned_whitelist(request, whitelist_id)
    run_action(
        request,
        whitelist_archive,
        actor=request.user,
        whitelist_id=whitelist.pk,
        success=_("Whitelist %(name)s is archived: banks no longer see it.") % {"name": whitelist.name},
    )
    return redirect("whitelist", whitelist_id=whitelist.pk)


# --- one import -----------------------------------------------------------------------------------


def import_progress(whitelist_import: WhitelistImport) -> dict:
    """The bar's max and value and the total shown, as the page's script computes them from
    the API: rows checked of rows in the file. The total is an estimate while the import
    runs (lines of a CSV, the sheet's declared size) and exact once it has finished, so it
    is never shown below the rows already checked. A finished import without rows shows a
    full bar; one whose rows are not counted yet an indeterminate one (value None)."""
    processed = whitelist_import.processed_rows
    finished = whitelist_import.status in FINISHED
    if whitelist_import.total_rows is None:
        return {"max": 1, "value": 1 if finished else None, "total": None}
    total = max(whitelist_import.total_rows, processed)
    if total == 0:
        return {"max": 1, "value": 1 if finished else 0, "total": 0}
    return {"max": total, "value": processed, "total": total}


@login_required
@require_http_methods(["GET"])
def import_detail(request, import_id: int):
    """The import's progress; the page polls the API every second until it has finished.
    The server renders the state it finds, so an import that finished before the page
    loaded shows its final state at once."""
    whitelist_import = import_get(user=request.user, import_id=import_id)
    errors = list(whitelist_import.errors.order_by("row", "id").values("row", "field", "message")[:ERRORS_SHOWN])
    context = {
        "import": whitelist_import,
        "whitelist": whitelist_import.whitelist,
        "progress": import_progress(whitelist_import),
        "is_finished": whitelist_import.status in FINISHED,
        "errors": errors,
        "errors_total": whitelist_import.errors.count() if errors else 0,
        "errors_shown": ERRORS_SHOWN,
        "finished_statuses": list(FINISHED),
        "status_labels": {value: str(label) for value, label in WhitelistImport.Status.choices},
    }
    return render(request, "whitelist/import_detail.html", context)
