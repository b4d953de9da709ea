"""Whitelist pages: the list and creation, one whitelist with its upload, diff, publication,
coverage and overdue follow-ups, and an import's progress — scoped like the API."""

import html
import re
from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone, translation

from hub.identifiers import make_uscc
from lending.models import Match
from tests.hub.factories import OrganizationFactory, UserFactory
from whitelist.models import Whitelist, WhitelistImport
from whitelist.services.imports import import_run
from whitelist.services.whitelists import Messages, whitelist_create
from whitelist.views import import_progress

pytestmark = pytest.mark.django_db

HEADER = "uscc,name,reason,recommended_amount,valid_until"
FUTURE = (timezone.localdate() + timedelta(days=365)).isoformat()


def uscc(serial):
    return make_uscc(region_code="410100", serial=serial)


def csv_file(*lines, name="list.csv"):
    return SimpleUploadedFile(name, ("\n".join([HEADER, *lines]) + "\n").encode(), content_type="text/csv")


def text(response) -> str:
    return html.unescape(response.content.decode())


def in_chinese(message) -> str:
    with translation.override("zh-hans"):
        return str(message)


def progress(page_html):
    match = re.search(r'<progress data-testid="import-progress" max="(\d+)"(?: value="(\d+)")?', page_html)
    return int(match.group(1)), (int(match.group(2)) if match.group(2) is not None else None)


@pytest.fixture(autouse=True)
def _uploads_in_a_temporary_directory(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


@pytest.fixture
def logged_in(client):
    def login(user):
        client.force_login(user)
        return client

    return login


@pytest.fixture
def whitelist(platform_admin):
    return whitelist_create(
        actor=platform_admin,
        name="郑州市专精特新企业白名单",
        kind="specialized",
        region_code="410100",
        policy_basis="郑政〔2026〕1号",
        contact_days=20,
    )


@pytest.fixture
def checker(platform_admin):
    """A colleague of the importer: the one who may publish."""
    return UserFactory(organization=platform_admin.organization, role="staff", username="checker")


@pytest.fixture
def upload(django_capture_on_commit_callbacks):
    """Upload through the page; the queued import runs when the upload commits."""

    def post(client, whitelist, *lines, name="list.csv"):
        with django_capture_on_commit_callbacks(execute=True):
            return client.post(f"/whitelists/{whitelist.pk}/", {"file": csv_file(*lines, name=name)})

    return post


@pytest.fixture
def intruders(bank_officer, outsider):
    other_platform = UserFactory(organization=OrganizationFactory(kind="platform", region_code="410300"), role="admin")
    return {"bank": bank_officer, "another platform": other_platform, "outsider enterprise": outsider}


# --- who may see the pages ------------------------------------------------------------------------


@pytest.mark.parametrize("path", ["/whitelists/", "/whitelists/1/", "/whitelist-imports/1/"])
def test_the_pages_need_a_login(client, path):
    response = client.get(path)

    assert response.status_code == 302 and response["Location"].startswith("/login/")


def test_the_list_shows_the_platforms_whitelists_and_the_create_form(logged_in, platform_admin, whitelist):
    response = logged_in(platform_admin).get("/whitelists/")

    assert response.status_code == 200
    page = text(response)
    assert f'data-whitelist="{whitelist.pk}"' in page and "郑州市专精特新企业白名单" in page
    assert 'data-testid="whitelist-form"' in page
    assert 'data-testid="nav-whitelists"' in page


def test_another_platform_does_not_see_it_in_its_list(logged_in, intruders, whitelist):
    response = logged_in(intruders["another platform"]).get("/whitelists/")

    assert response.status_code == 200 and f'data-whitelist="{whitelist.pk}"' not in text(response)


@pytest.mark.parametrize("persona", ["bank_officer", "outsider"])
def test_banks_and_enterprises_are_refused_the_list(logged_in, request, persona):
    assert logged_in(request.getfixturevalue(persona)).get("/whitelists/").status_code == 403


def test_each_page_is_404_for_other_organizations(logged_in, platform_admin, whitelist, upload, intruders):
    upload(logged_in(platform_admin), whitelist, f"{uscc(1)},甲,,,")
    whitelist_import = WhitelistImport.objects.get()

    for who, intruder in intruders.items():
        client = logged_in(intruder)
        assert client.get(f"/whitelists/{whitelist.pk}/").status_code == 404, who
        assert client.get(f"/whitelist-imports/{whitelist_import.pk}/").status_code == 404, who
        assert upload(client, whitelist, f"{uscc(2)},乙,,,").status_code == 404, who
        assert client.post(f"/whitelists/{whitelist.pk}/publish/").status_code == 404, who
        assert client.post(f"/whitelists/{whitelist.pk}/archive/").status_code == 404, who
    assert WhitelistImport.objects.count() == 1
    assert Whitelist.objects.get().status == "draft"


def test_a_regulator_over_the_region_views_but_does_not_change_it(
    logged_in, platform_admin, regulator_user, whitelist, upload
):
    upload(logged_in(platform_admin), whitelist, f"{uscc(1)},甲,,,")
    whitelist_import = WhitelistImport.objects.get()
    client = logged_in(regulator_user)

    listed = client.get("/whitelists/")
    detail = client.get(f"/whitelists/{whitelist.pk}/")
    import_page = client.get(f"/whitelist-imports/{whitelist_import.pk}/")

    assert f'data-whitelist="{whitelist.pk}"' in text(listed)
    assert detail.status_code == 200 and import_page.status_code == 200
    assert 'data-testid="upload-form"' not in text(detail) and 'data-testid="publish-form"' not in text(detail)
    assert client.post(f"/whitelists/{whitelist.pk}/publish/").status_code == 403
    assert upload(client, whitelist, f"{uscc(2)},乙,,,").status_code == 403
    assert Whitelist.objects.get().status == "draft"


# --- creating ---------------------------------------------------------------------------------------


def test_creating_a_whitelist_through_the_form_leads_to_its_page(logged_in, platform_admin):
    form = {"name": "首贷培育名单", "kind": "first_loan", "region_code": "410102", "contact_days": "15"}

    response = logged_in(platform_admin).post("/whitelists/", form)

    created = Whitelist.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/whitelists/{created.pk}/"
    assert (created.owner, created.kind, created.contact_days) == (platform_admin.organization, "first_loan", 15)


def test_a_region_outside_the_owners_is_refused_next_to_the_field_keeping_what_was_typed(logged_in, platform_admin):
    form = {"name": "洛阳名单", "kind": "local", "region_code": "410300", "policy_basis": "洛政〔2026〕9号"}

    response = logged_in(platform_admin).post("/whitelists/", form)

    page = text(response)
    assert response.status_code == 400 and not Whitelist.objects.exists()
    assert re.search(r'data-field="region_code">[^<]*410100', page)
    assert 'value="洛阳名单"' in page and 'value="洛政〔2026〕9号"' in page


def test_a_missing_name_is_named(logged_in, platform_admin):
    response = logged_in(platform_admin).post("/whitelists/", {"kind": "local", "region_code": "410100"})

    assert response.status_code == 400 and 'data-field="name"' in text(response)


# --- one whitelist: facts, upload -------------------------------------------------------------------


def test_the_whitelist_page_shows_its_facts_and_the_upload_form(logged_in, platform_admin, whitelist):
    response = logged_in(platform_admin).get(f"/whitelists/{whitelist.pk}/")

    page = text(response)
    assert response.status_code == 200
    assert "郑政〔2026〕1号" in page and 'data-testid="contact-days">20<' in page
    assert 'accept=".csv,.xlsx"' in page and 'enctype="multipart/form-data"' in page
    assert 'data-testid="no-imports"' in page


def test_uploading_through_the_page_creates_an_import_and_leads_to_its_page(
    logged_in, platform_admin, whitelist, upload
):
    client = logged_in(platform_admin)

    response = upload(client, whitelist, f"{uscc(1)},甲,,100.00,{FUTURE}", f"{uscc(2)},乙,,,")

    whitelist_import = WhitelistImport.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/whitelist-imports/{whitelist_import.pk}/"
    assert (whitelist_import.uploaded_by, whitelist_import.status, whitelist_import.accepted) == (
        platform_admin,
        "succeeded",
        2,
    )
    detail = text(client.get(f"/whitelists/{whitelist.pk}/"))
    assert f'data-import="{whitelist_import.pk}"' in detail and 'data-testid="draft-entries">2<' in detail


def test_a_file_of_another_type_is_refused_next_to_the_field(logged_in, platform_admin, whitelist, upload):
    response = upload(logged_in(platform_admin), whitelist, "whatever", name="list.pdf")

    assert response.status_code == 415 and 'data-field="file"' in text(response)
    assert not WhitelistImport.objects.exists()


def test_a_file_too_large_is_refused_next_to_the_field(logged_in, platform_admin, whitelist, upload, settings):
    settings.WHITELIST_MAX_UPLOAD_BYTES = 100

    response = upload(logged_in(platform_admin), whitelist, *[f"{uscc(i)},企业{i},,," for i in range(10)])

    assert response.status_code == 413 and 'data-field="file"' in text(response)
    assert not WhitelistImport.objects.exists()


def test_an_upload_without_a_file_is_named(logged_in, platform_admin, whitelist):
    response = logged_in(platform_admin).post(f"/whitelists/{whitelist.pk}/", {})

    assert response.status_code == 400 and 'data-field="file"' in text(response)


# --- publication and diff ----------------------------------------------------------------------------


def test_the_importer_is_refused_publication_and_a_colleague_publishes(
    logged_in, client, platform_admin, checker, whitelist, upload
):
    upload(logged_in(platform_admin), whitelist, f"{uscc(1)},甲,,,")
    assert 'data-testid="maker-checker-hint"' in text(client.get(f"/whitelists/{whitelist.pk}/"))

    refused = client.post(f"/whitelists/{whitelist.pk}/publish/", follow=True)

    assert refused.redirect_chain == [(f"/whitelists/{whitelist.pk}/", 302)]
    assert re.search(r'<li class="error">[^<]*' + re.escape(in_chinese(Messages.MAKER_CHECKER)), text(refused))
    assert Whitelist.objects.get().status == "draft"

    published = logged_in(checker).post(f"/whitelists/{whitelist.pk}/publish/", follow=True)

    whitelist.refresh_from_db()
    assert whitelist.status == "published" and whitelist.current_version.number == 1
    page = text(published)
    assert 'data-testid="whitelist-status" data-status="published"' in page
    assert '<li class="success">' in page


def test_publishing_before_any_import_offers_no_button_and_is_refused(logged_in, checker, whitelist):
    client = logged_in(checker)

    assert 'data-testid="publish-form"' not in text(client.get(f"/whitelists/{whitelist.pk}/"))
    refused = client.post(f"/whitelists/{whitelist.pk}/publish/", follow=True)

    assert in_chinese(Messages.NOTHING_IMPORTED) in text(refused)


def test_the_diff_shows_added_removed_and_changed_entries(logged_in, platform_admin, checker, whitelist, upload):
    importer = logged_in(platform_admin)
    upload(importer, whitelist, f"{uscc(1)},甲,,,", f"{uscc(2)},乙,,100.00,")
    logged_in(checker).post(f"/whitelists/{whitelist.pk}/publish/")
    importer = logged_in(platform_admin)
    upload(importer, whitelist, f"{uscc(2)},乙（更名）,,250.00,", f"{uscc(3)},丙,,,")

    page = text(importer.get(f"/whitelists/{whitelist.pk}/"))

    assert 'data-testid="diff-added">1<' in page
    assert 'data-testid="diff-removed">1<' in page
    assert 'data-testid="diff-changed">1<' in page
    added = page.split('data-testid="diff-added-entries"')[1].split("</details>")[0]
    removed = page.split('data-testid="diff-removed-entries"')[1].split("</details>")[0]
    changed = page.split('data-testid="diff-changed-entries"')[1].split("</details>")[0]
    assert uscc(3) in added and "丙" in added
    assert uscc(1) in removed and "甲" in removed
    assert uscc(2) in changed
    assert "<del>乙</del> → <ins>乙（更名）</ins>" in changed
    assert "<del>100.00</del> → <ins>250.00</ins>" in changed


def test_archiving_through_the_page_stops_uploads(logged_in, platform_admin, whitelist):
    client = logged_in(platform_admin)

    response = client.post(f"/whitelists/{whitelist.pk}/archive/", follow=True)

    page = text(response)
    assert Whitelist.objects.get().status == "archived"
    assert 'data-testid="whitelist-status" data-status="archived"' in page
    assert 'data-testid="upload-form"' not in page and 'data-testid="archive-form"' not in page


# --- coverage and overdue follow-ups ---------------------------------------------------------------


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


# --- the import page --------------------------------------------------------------------------------


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


# --- navigation -----------------------------------------------------------------------------------------


def test_banks_get_a_link_to_their_whitelist_follow_up(logged_in, bank_officer):
    page = text(logged_in(bank_officer).get("/matches/"))

    assert 'href="/matches/?source=whitelist"' in page and 'data-testid="nav-whitelists"' not in page
