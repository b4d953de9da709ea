"""Whitelist imports through the API: files read, rows checked, errors reported, reruns harmless."""

import io
from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone
from openpyxl import Workbook

from hub.models import AuditEvent
from tests.whitelist.imports.helpers import FUTURE, HEADER, csv_bytes, run, upload, uscc
from whitelist.models import WhitelistEntry, WhitelistImport
from whitelist.services.imports import import_run

pytestmark = pytest.mark.django_db


def test_a_platform_creates_a_whitelist(whitelist):
    assert (whitelist["status"], whitelist["kind"], whitelist["version"]) == ("draft", "specialized", None)


def test_a_clean_csv_becomes_the_draft(api_client_for, platform_admin, whitelist):
    client = api_client_for(platform_admin)
    response = upload(
        client,
        whitelist["id"],
        csv_bytes(f"{uscc(1)},郑州甲科技有限公司,专精特新,500000.00,{FUTURE}", f"{uscc(2)},郑州乙制造有限公司,,,"),
    )

    assert set(response.json()) >= {"id", "status", "total_rows", "processed_rows"}
    done = run(response)

    assert (done.status, done.total_rows, done.processed_rows, done.accepted, done.rejected) == (
        "succeeded",
        2,
        2,
        2,
        0,
    )
    detail = client.get(f"/api/v1/whitelist-imports/{done.pk}/").json()
    assert detail["errors"] == [] and detail["status"] == "succeeded"
    entries = {entry.uscc: entry for entry in WhitelistEntry.objects.all()}
    assert entries[uscc(1)].recommended_amount == Decimal("500000.00")
    assert entries[uscc(2)].valid_until is None


def test_codes_registered_centrally_are_accepted(api_client_for, platform_admin, whitelist):
    """Region characters 100000 (the whole country) are valid, on the fast path too."""
    response = upload(
        api_client_for(platform_admin),
        whitelist["id"],
        csv_bytes("91100000100003962T,中国工商银行股份有限公司,,,", "911000001000013428,中国邮政集团有限公司,,,"),
    )

    done = run(response)

    assert (done.status, done.accepted, done.rejected) == ("succeeded", 2, 0)


def test_every_kind_of_bad_row_is_reported_with_row_field_and_message(api_client_for, platform_admin, whitelist):
    good = uscc(10)
    wrong_check = good[:17] + ("0" if good[17] != "0" else "1")
    lines = [
        f"{good},好企业,,100.00,{FUTURE}",  # row 2: fine
        f"{wrong_check},校验码错误,,,",  # row 3: check character
        ",没有代码,,,",  # row 4: missing uscc
        f"{uscc(11)},,,,",  # row 5: missing name
        f"{uscc(12)},金额错误,,五十万,",  # row 6: amount not a number
        f"{uscc(13)},金额为负,,-5,",  # row 7: negative amount
        f"{uscc(14)},金额三位小数,,1.005,",  # row 8: too many decimals
        f"{uscc(15)},日期错误,,,2026-02-30",  # row 9: impossible date
        f"{uscc(16)},已过期,,,2020-01-01",  # row 10: past date
        f"{good},重复,,,",  # row 11: duplicate of row 2
        "91410100MA00000X,太短,,,",  # row 12: length
    ]
    done = run(upload(api_client_for(platform_admin), whitelist["id"], csv_bytes(*lines)))

    errors = {(error.row, error.field): error.message for error in done.errors.all()}
    assert done.status == "succeeded" and done.accepted == 1 and done.rejected == 10
    assert "check character" in errors[(3, "uscc")] or "校验码" in errors[(3, "uscc")]
    assert set(errors) >= {
        (3, "uscc"),
        (4, "uscc"),
        (5, "name"),
        (6, "recommended_amount"),
        (7, "recommended_amount"),
        (8, "recommended_amount"),
        (9, "valid_until"),
        (10, "valid_until"),
        (11, "uscc"),
        (12, "uscc"),
    }
    assert "2" in errors[(11, "uscc")]  # names the row it duplicates
    assert list(WhitelistEntry.objects.values_list("uscc", flat=True)) == [good]


def test_the_error_report_downloads_as_csv(api_client_for, platform_admin, whitelist):
    done = run(upload(api_client_for(platform_admin), whitelist["id"], csv_bytes(",没有代码,,,")))

    response = api_client_for(platform_admin).get(f"/api/v1/whitelist-imports/{done.pk}/errors.csv")

    text = b"".join(response.streaming_content).decode("utf-8-sig")
    assert text.splitlines()[0] == "row,field,message"
    assert text.splitlines()[1].startswith("2,uscc,")


def test_gb18030_and_bom_csv_files_are_read(api_client_for, platform_admin, whitelist):
    client = api_client_for(platform_admin)
    run(upload(client, whitelist["id"], csv_bytes(f"{uscc(20)},郑州市中原区某某商贸有限公司,,,", encoding="gb18030")))
    assert WhitelistEntry.objects.get().name == "郑州市中原区某某商贸有限公司"

    run(upload(client, whitelist["id"], csv_bytes(f"{uscc(21)},郑州BOM公司,,,", bom=True)))
    assert WhitelistEntry.objects.get().name == "郑州BOM公司"


def test_an_xlsx_file_is_read_with_native_dates_and_numbers(api_client_for, platform_admin, whitelist):
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(HEADER.split(","))
    sheet.append([uscc(30), "郑州表格公司", "首贷培育", 300000, timezone.localdate() + timedelta(days=100)])
    sheet.append([uscc(31), "坏日期公司", "", "", "明年"])
    buffer = io.BytesIO()
    workbook.save(buffer)

    done = run(upload(api_client_for(platform_admin), whitelist["id"], buffer.getvalue(), name="list.xlsx"))

    assert (done.accepted, done.rejected) == (1, 1)
    entry = WhitelistEntry.objects.get()
    assert entry.recommended_amount == Decimal("300000.00") and entry.valid_until is not None
    assert done.errors.get().field == "valid_until"


def test_importing_the_same_file_twice_changes_nothing(api_client_for, platform_admin, whitelist):
    client = api_client_for(platform_admin)
    content = csv_bytes(f"{uscc(40)},甲,,1.00,", f"{uscc(41)},乙,,,")
    run(upload(client, whitelist["id"], content))
    before = list(WhitelistEntry.objects.order_by("uscc").values_list("pk", "uscc", "name", "recommended_amount"))

    again = run(upload(client, whitelist["id"], content))

    assert again.status == "succeeded"
    assert (
        list(WhitelistEntry.objects.order_by("uscc").values_list("pk", "uscc", "name", "recommended_amount")) == before
    )


def test_a_new_file_replaces_the_draft(api_client_for, platform_admin, whitelist):
    client = api_client_for(platform_admin)
    run(upload(client, whitelist["id"], csv_bytes(f"{uscc(50)},甲,,,", f"{uscc(51)},乙,,,")))

    run(upload(client, whitelist["id"], csv_bytes(f"{uscc(51)},乙（更名）,,,", f"{uscc(52)},丙,,,")))

    assert dict(WhitelistEntry.objects.values_list("uscc", "name")) == {uscc(51): "乙（更名）", uscc(52): "丙"}


def test_running_an_import_twice_is_harmless(api_client_for, platform_admin, whitelist):
    response = upload(api_client_for(platform_admin), whitelist["id"], csv_bytes(f"{uscc(60)},甲,,,"))
    run(response)

    assert import_run(import_id=response.json()["id"]) == "succeeded"
    assert WhitelistEntry.objects.count() == 1


def test_a_file_without_the_header_fails_with_a_clear_message(api_client_for, platform_admin, whitelist):
    done = run(upload(api_client_for(platform_admin), whitelist["id"], b"code,title\nx,y\n"))

    assert done.status == "failed" and "uscc" in done.error
    assert AuditEvent.objects.filter(action="whitelist.import_failed", object_id=str(done.pk)).exists()


def test_other_file_types_are_415_and_large_ones_413(api_client_for, platform_admin, whitelist, settings):
    client = api_client_for(platform_admin)

    pdf = upload(client, whitelist["id"], b"%PDF-1.7 ...", name="list.pdf")
    zip_named_csv = upload(client, whitelist["id"], b"PK\x03\x04 not a workbook", name="list.zip")
    settings.WHITELIST_MAX_UPLOAD_BYTES = 100
    large = upload(client, whitelist["id"], csv_bytes(*[f"{uscc(70 + i)},企业{i},,," for i in range(10)]))

    assert pdf.status_code == 415 and pdf.json()["error"]["code"] == "unsupported_file_type"
    assert zip_named_csv.status_code == 415
    assert large.status_code == 413 and "file" in large.json()["error"]["fields"]
    assert not WhitelistImport.objects.exists()


def test_a_missing_file_field_is_named(api_client_for, platform_admin, whitelist):
    response = api_client_for(platform_admin).post(
        f"/api/v1/whitelists/{whitelist['id']}/imports/", {}, format="multipart"
    )

    assert response.status_code == 400 and "file" in response.json()["error"]["fields"]


def test_a_running_import_shows_no_errors_until_it_ends(api_client_for, platform_admin, whitelist):
    response = upload(api_client_for(platform_admin), whitelist["id"], csv_bytes(",没有代码,,,"))
    WhitelistImport.objects.filter(pk=response.json()["id"]).update(status="running")
    ImportRowError = WhitelistImport.errors.rel.related_model
    ImportRowError.objects.create(whitelist_import_id=response.json()["id"], row=2, field="uscc", message="x")

    detail = api_client_for(platform_admin).get(f"/api/v1/whitelist-imports/{response.json()['id']}/").json()

    assert detail["errors"] == [] and detail["errors_total"] == 1


def test_chinese_column_titles_as_staff_export_them_are_read(api_client_for, platform_admin, whitelist):
    content = (
        "统一社会信用代码,企业名称,推荐理由,推荐金额（元）,有效期至\n"
        f"{uscc(1)},郑州甲科技有限公司,专精特新,500000.00,{FUTURE}\n"
    ).encode()

    done = run(upload(api_client_for(platform_admin), whitelist["id"], content))

    assert (done.status, done.accepted) == ("succeeded", 1)
    entry = WhitelistEntry.objects.get()
    assert (entry.reason, entry.recommended_amount) == ("专精特新", Decimal("500000.00"))


def test_a_missing_column_is_named_in_both_languages(api_client_for, platform_admin, whitelist):
    content = "企业名称,推荐理由\n郑州甲科技有限公司,专精特新\n".encode()

    done = run(upload(api_client_for(platform_admin), whitelist["id"], content))

    assert done.status == "failed" and "uscc" in done.error and "统一社会信用代码" in done.error
