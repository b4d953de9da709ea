"""Whitelist pages: the list, creating, uploading, publishing and archiving."""

import re

import pytest

from tests.whitelist.pages.helpers import FUTURE, in_chinese, text, uscc
from whitelist.models import Whitelist, WhitelistImport
from whitelist.services.whitelists import Messages

pytestmark = pytest.mark.django_db


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


@pytest.mark.parametrize("file_format", ["csv", "xlsx"])
def test_the_import_template_downloads_with_the_chinese_titles_and_imports_as_it_is(
    client, platform_admin, file_format
):
    from whitelist.parsers import open_table

    client.force_login(platform_admin)
    response = client.get(f"/whitelists/template.{file_format}")

    assert response.status_code == 200
    path = __import__("pathlib").Path(__import__("tempfile").mkdtemp()) / f"template.{file_format}"
    path.write_bytes(response.content)
    table = open_table(str(path), file_format)
    assert table.header[:2] == ["统一社会信用代码", "企业名称"]
    assert set(table.positions) == {"uscc", "name", "reason", "recommended_amount", "valid_until"}


def test_the_upload_form_links_the_templates(client, platform_admin, whitelist):
    client.force_login(platform_admin)

    page = client.get(f"/whitelists/{whitelist.pk}/").content.decode()

    assert 'data-testid="template-xlsx"' in page and "统一社会信用代码" in page


def test_a_workbook_bomb_is_refused_next_to_the_field_naming_the_limit(logged_in, platform_admin, whitelist, tmp_path):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from tests.whitelist.imports import bombs

    bomb = bombs.workbook(tmp_path / "bomb.xlsx", bombs.huge_cell_sheet(1024))
    file = SimpleUploadedFile("list.xlsx", bomb.read_bytes())

    response = logged_in(platform_admin).post(f"/whitelists/{whitelist.pk}/", {"file": file})

    assert response.status_code == 413 and 'data-field="file"' in text(response)
    assert "xl/worksheets/sheet1.xml" in text(response) and "200" in text(response)
    assert not WhitelistImport.objects.exists()
