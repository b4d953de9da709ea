"""Whitelist uploads imported by the real worker from the imports queue, on PostgreSQL."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from hub.celery import app as celery_app
from hub.identifiers import make_uscc
from tests.integration.conftest import wait_for
from tests.whitelist.imports import bombs
from whitelist.models import WhitelistEntry, WhitelistImport

pytestmark = pytest.mark.django_db(transaction=True)


def test_an_upload_is_imported_on_the_worker_with_progress_and_errors(
    celery_worker_process, api_client_for, platform_admin
):
    client = api_client_for(platform_admin)
    whitelist = client.post(
        "/api/v1/whitelists/", {"name": "稳链企业", "kind": "supply_chain", "region_code": "410100"}, format="json"
    ).json()
    lines = ["uscc,name,reason,recommended_amount,valid_until"]
    lines += [
        f"{make_uscc(region_code='410100', serial=700_000 + i)},企业{i},稳链,{(i + 1) * 1000}.00," for i in range(2500)
    ]
    lines.append("not-a-code,坏行,,,")
    upload = SimpleUploadedFile("list.csv", ("\n".join(lines) + "\n").encode("gb18030"))

    response = client.post(f"/api/v1/whitelists/{whitelist['id']}/imports/", {"file": upload}, format="multipart")

    assert response.status_code == 202 and response.json()["status"] == "queued"
    done = wait_for(
        lambda: (
            (record := WhitelistImport.objects.get(pk=response.json()["id"])).status in ("succeeded", "failed")
            and record
        ),
        timeout=120,
        message="the import",
    )
    assert (done.status, done.total_rows, done.processed_rows, done.accepted, done.rejected) == (
        "succeeded",
        2501,
        2501,
        2500,
        1,
    )
    assert WhitelistEntry.objects.filter(whitelist_id=whitelist["id"]).count() == 2500


def test_bombs_fail_on_the_worker_with_their_reason_and_the_worker_survives(
    celery_worker_process, api_client_for, platform_admin, settings, tmp_path
):
    """A sheet of 12 GB stored while the limits were higher (the worker reads with its own,
    the defaults), and a cell far longer than a cell may be inside a workbook whose archive
    passes every limit: both end failed, the worker's memory never holds them, it lives on."""
    client = api_client_for(platform_admin)
    whitelist = client.post(
        "/api/v1/whitelists/", {"name": "稳链企业", "kind": "supply_chain", "region_code": "410100"}, format="json"
    ).json()
    expanding = bombs.workbook(tmp_path / "big.xlsx", bombs.sheet_of_rows(b"<row/>" * 100_000, 12 * 2**30 // 600_000))
    text = b"".join(b"%07d" % number for number in range(300_000))  # 2.1 MB, hardly compressible
    long_cell = bombs.workbook(
        tmp_path / "cell.xlsx",
        bombs.Part.of(
            "xl/worksheets/sheet1.xml",
            bombs.SHEET_START
            + b'<row r="2"><c t="inlineStr"><is><t>'
            + text
            + b"</t></is></c></row>"
            + bombs.SHEET_END,
        ),
    )
    settings.WHITELIST_MAX_EXPANDED_BYTES = 20 * 2**30
    settings.WHITELIST_MAX_COMPRESSION_RATIO = 10_000
    ids = []
    for path in (expanding, long_cell):
        upload = SimpleUploadedFile("list.xlsx", path.read_bytes())
        response = client.post(f"/api/v1/whitelists/{whitelist['id']}/imports/", {"file": upload}, format="multipart")
        assert response.status_code == 202, response.content
        ids.append(response.json()["id"])
        wait_for(
            lambda: WhitelistImport.objects.get(pk=ids[-1]).status in ("succeeded", "failed"),
            timeout=60,
            message="the import",
        )

    expanded, long = (WhitelistImport.objects.get(pk=pk) for pk in ids)
    # The worker writes in the hub's language.
    assert expanded.status == "failed" and expanded.error == "工作簿解压后为 12288 MB，最多读取 2048 MB。"
    assert long.status == "failed" and "超过 32767 个字符" in long.error
    assert celery_worker_process.poll() is None and celery_app.control.ping(timeout=5)
    assert not WhitelistEntry.objects.filter(whitelist_id=whitelist["id"]).exists()
