"""A city platform uploads a whitelist file of a few hundred rows, some of them bad, through
the page and follows its import to the end; then downloads the error report. A second
import, still queued when its page opens, is followed by the page's polling to its end."""

import re
from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from playwright.sync_api import expect

from hub.identifiers import make_uscc
from tests.e2e.helpers import log_in
from whitelist.models import WhitelistEntry, WhitelistImport
from whitelist.services.imports import import_run, import_start
from whitelist.services.whitelists import whitelist_create

pytestmark = pytest.mark.django_db(transaction=True)

HEADER = "uscc,name,reason,recommended_amount,valid_until"
ROWS = 300


@pytest.fixture(autouse=True)
def _uploads_in_a_temporary_directory(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


def whitelist_csv() -> tuple[bytes, int]:
    """ROWS data rows; every 25th has no name and every 40th an amount in words (both: one
    bad row), and the last repeats the first code. Returns the file and its bad rows."""
    future = (timezone.localdate() + timedelta(days=365)).isoformat()
    lines, bad = [HEADER], 0
    for serial in range(1, ROWS):
        name = "" if serial % 25 == 0 else f"郑州第{serial}号科技有限公司"
        amount = "五十万" if serial % 40 == 0 else f"{serial * 1000}.00"
        bad += serial % 25 == 0 or serial % 40 == 0
        lines.append(f"{make_uscc(region_code='410100', serial=serial)},{name},专精特新,{amount},{future}")
    lines.append(f"{make_uscc(region_code='410100', serial=1)},重复的企业,,,")
    return ("\n".join(lines) + "\n").encode(), bad + 1


def test_a_platform_uploads_a_whitelist_and_follows_the_import_to_its_error_report(page, platform_admin, monkeypatch):
    whitelist = whitelist_create(
        actor=platform_admin, name="郑州市专精特新企业白名单", kind="specialized", region_code="410100"
    )
    content, bad_rows = whitelist_csv()

    # the platform admin opens the whitelist from the navigation and uploads the file
    log_in(page, "platform-admin")
    page.get_by_test_id("nav-whitelists").click()
    page.get_by_role("link", name="郑州市专精特新企业白名单").click()
    expect(page).to_have_url(re.compile(rf"/whitelists/{whitelist.pk}/$"))
    page.set_input_files("#id_file", files=[{"name": "名单.csv", "mimeType": "text/csv", "buffer": content}])
    page.get_by_test_id("upload-form").locator("button[type=submit]").click()

    # and lands on the import's page, which shows it to its end
    expect(page).to_have_url(re.compile(r"/whitelist-imports/\d+/$"))
    bar = page.get_by_test_id("import-progress")
    expect(bar).to_have_attribute("max", str(ROWS))
    expect(bar).to_have_js_property("value", ROWS)
    expect(page.get_by_test_id("import-status")).to_have_attribute("data-status", "succeeded")
    expect(page.get_by_test_id("import-rejected")).to_have_text(str(bad_rows))
    expect(page.get_by_test_id("import-accepted")).to_have_text(str(ROWS - bad_rows))
    expect(page.get_by_test_id("import-errors").locator("tbody tr").first).to_contain_text("name")
    assert WhitelistEntry.objects.filter(whitelist=whitelist).count() == ROWS - bad_rows

    # the full error report downloads as CSV
    with page.expect_download() as download_info:
        page.get_by_test_id("error-report-link").click()
    download = download_info.value
    report = open(download.path(), encoding="utf-8-sig").read().splitlines()
    assert download.suggested_filename.endswith("-errors.csv")
    assert report[0] == "row,field,message"
    assert len(report) - 1 >= bad_rows and report[-1].startswith(f"{ROWS + 1},uscc,")

    # an import still queued when its page opens (a busy worker) is followed by polling
    monkeypatch.setattr("whitelist.tasks.run_import.delay_on_commit", lambda *args, **kwargs: None)
    queued = import_start(
        actor=platform_admin,
        whitelist_id=whitelist.pk,
        uploaded=SimpleUploadedFile("second.csv", content, content_type="text/csv"),
    )
    page.goto(f"/whitelist-imports/{queued.pk}/")
    expect(page.get_by_test_id("import-status")).to_have_attribute("data-status", "queued")
    expect(page.get_by_test_id("import-done")).to_be_hidden()

    assert import_run(import_id=queued.pk) == "succeeded"

    expect(page.get_by_test_id("import-status")).to_have_attribute("data-status", "succeeded")
    expect(bar).to_have_js_property("value", ROWS)
    expect(page.get_by_test_id("import-rejected")).to_have_text(str(bad_rows))
    expect(page.get_by_test_id("error-report-link")).to_be_visible()
    assert WhitelistImport.objects.count() == 2
