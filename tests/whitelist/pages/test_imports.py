"""Whitelist pages: an import's progress and errors, coverage and follow-up."""

import re
from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from lending.models import Match
from tests.whitelist.pages.helpers import csv_file, progress, text, uscc
from whitelist.models import WhitelistImport
from whitelist.services.imports import import_run
from whitelist.views import import_progress

pytestmark = pytest.mark.django_db


def test_coverage_and_the_overdue_follow_ups_are_shown(
    logged_in, platform_admin, checker, whitelist, upload, bank, enterprise, django_capture_on_commit_callbacks
):
    upload(logged_in(platform_admin), whitelist, f"{enterprise.code},{enterprise.name},,,", f"{uscc(7)},乙公司,,,")
    with django_capture_on_commit_callbacks(execute=True):
        logged_in(checker).post(f"/whitelists/{whitelist.pk}/publish/")
    late = Match.objects.get(source="whitelist", enterprise_code=uscc(7))
    Match.objects.filter(pk=late.pk).update(contact_due_at=timezone.now() - timedelta(days=3, hours=1))

    page = text(logged_in(platform_admin).get(f"/whitelists/{whitelist.pk}/"))

    assert 'data-testid="coverage-listed">2<' in page
    assert 'data-testid="coverage-overdue">1<' in page
    overdue = page.split('data-testid="overdue"')[1].split("</table>")[0]
    assert f'data-match="{late.pk}"' in overdue
    assert bank.name in overdue and uscc(7) in overdue and "乙公司" in overdue
    assert enterprise.code not in overdue


def test_the_import_page_shows_counts_the_first_errors_and_the_report_link(
    logged_in, platform_admin, whitelist, upload
):
    client = logged_in(platform_admin)
    upload(
        client,
        whitelist,
        f"{uscc(1)},甲,,,",
        f"{uscc(2)},,,,",  # row 3: no name
        f"{uscc(3)},丙,,五十万,",  # row 4: amount
        f"{uscc(1)},甲again,,,",  # row 5: duplicate of row 2
    )
    whitelist_import = WhitelistImport.objects.get()

    response = client.get(f"/whitelist-imports/{whitelist_import.pk}/")

    page = text(response)
    assert response.status_code == 200
    assert progress(page) == (4, 4)
    assert 'data-testid="import-status" data-status="succeeded"' in page
    assert 'data-testid="import-accepted">1<' in page and 'data-testid="import-rejected">3<' in page
    errors = page.split('data-testid="import-errors"')[1].split("</table>")[0]
    assert re.findall(r'<td class="num">(\d+)</td><td>(\w+)</td>', errors) == [
        ("3", "name"),
        ("4", "recommended_amount"),
        ("5", "uscc"),
    ]
    assert f'href="/api/v1/whitelist-imports/{whitelist_import.pk}/errors.csv"' in page
    assert 'data-testid="import-done" hidden' not in page
    assert 'data-testid="import-live-hint" class="hint" hidden' in page


def test_the_bar_ends_full_when_the_estimated_total_was_off(logged_in, platform_admin, whitelist, upload):
    client = logged_in(platform_admin)
    # Blank lines and a quoted name spanning two lines: more lines than rows.
    upload(client, whitelist, f"{uscc(1)},甲,,,", "", f'{uscc(2)},"乙\n分公司",,,', "", "")
    whitelist_import = WhitelistImport.objects.get()

    page = text(client.get(f"/whitelist-imports/{whitelist_import.pk}/"))

    assert whitelist_import.status == "succeeded" and whitelist_import.accepted == 2
    assert progress(page) == (2, 2) and 'data-testid="import-total">2<' in page


def test_a_running_import_never_shows_a_total_below_the_rows_checked(whitelist, platform_admin):
    running = WhitelistImport(whitelist=whitelist, uploaded_by=platform_admin, status="running")
    running.total_rows, running.processed_rows = 0, 1500  # a workbook that declared no size

    assert import_progress(running) == {"max": 1500, "value": 1500, "total": 1500}


def test_a_queued_import_shows_an_indeterminate_bar_and_polls(logged_in, platform_admin, whitelist):
    client = logged_in(platform_admin)
    client.post(f"/whitelists/{whitelist.pk}/", {"file": csv_file(f"{uscc(1)},甲,,,")})  # task not run yet
    whitelist_import = WhitelistImport.objects.get()

    queued = text(client.get(f"/whitelist-imports/{whitelist_import.pk}/"))
    import_run(import_id=whitelist_import.pk)
    done = text(client.get(f"/whitelist-imports/{whitelist_import.pk}/"))

    assert progress(queued) == (1, None)
    assert 'data-status="queued"' in queued and 'data-testid="import-done" hidden' in queued
    assert f'data-api="/api/v1/whitelist-imports/{whitelist_import.pk}/"' in queued
    assert progress(done) == (1, 1) and 'data-testid="import-no-errors"' in done
    assert 'data-testid="import-no-errors" hidden' not in done


def test_a_failed_import_shows_why(logged_in, platform_admin, whitelist, django_capture_on_commit_callbacks):
    client = logged_in(platform_admin)
    bad = SimpleUploadedFile("list.csv", b"code,title\nx,y\n", content_type="text/csv")
    with django_capture_on_commit_callbacks(execute=True):
        client.post(f"/whitelists/{whitelist.pk}/", {"file": bad})

    page = text(client.get(f"/whitelist-imports/{WhitelistImport.objects.get().pk}/"))

    assert 'data-testid="import-status" data-status="failed"' in page
    assert re.search(r'data-testid="import-error">[^<]*uscc', page)


def test_banks_get_a_link_to_their_whitelist_follow_up(logged_in, bank_officer):
    page = text(logged_in(bank_officer).get("/matches/"))

    assert 'href="/matches/?source=whitelist"' in page and 'data-testid="nav-whitelists"' not in page
