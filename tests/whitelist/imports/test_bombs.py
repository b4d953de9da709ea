"""Spreadsheet bombs: a small upload that expands to gigabytes is refused — at upload when
its archive tells, otherwise while it is read — with an error naming the limit, quickly, and
with the memory of the process that reads it staying flat."""

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.utils import translation

from hub.models import AuditEvent
from tests.whitelist.imports import bombs
from tests.whitelist.imports.helpers import HEADER, csv_bytes, run, upload, uscc
from whitelist.models import WhitelistEntry, WhitelistImport
from whitelist.services.imports import import_run

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parents[3]
DEFAULTS = {
    "rows": 5_000_000,
    "columns": 100,
    "cell_chars": 32_767,
    "expanded_bytes": 2048 * 2**20,
    "compression_ratio": 200,
}
#: A reading that expands a bomb would grow by gigabytes; a bounded one by a few MB.
FLAT_MB = 100


@pytest.fixture
def client(api_client_for, platform_admin):
    """The importer's client, reading English (the hub's default language is Chinese)."""
    client = api_client_for(platform_admin)
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    language = translation.get_language()
    yield client
    translation.activate(language)  # a request leaves its language active in this thread


def xlsx_upload(client, whitelist_id, path: Path):
    return upload(client, whitelist_id, path.read_bytes(), name="list.xlsx")


def read_in_a_subprocess(path: Path, file_format: str, **limits) -> dict:
    """Read the file as an import does, in a process of its own, and tell what it raised,
    how long it took and how much its peak memory grew."""
    script = """
import json, os, resource, sys, time
import django
django.setup()
from django.utils import translation
translation.activate("en")
from whitelist.parsers import FileLimits, FileUnreadable, iterate_text_rows, open_table
limits = FileLimits(**json.loads(sys.argv[3]))
before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
started = time.monotonic()
error = None
try:
    for _row in iterate_text_rows(sys.argv[1], open_table(sys.argv[1], sys.argv[2], limits)):
        pass
except FileUnreadable as refusal:
    error = str(refusal)
grown = (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before) / 1024
print(json.dumps({"error": error, "seconds": time.monotonic() - started, "grown_mb": grown}))
"""
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "hub.settings"}
    result = subprocess.run(
        [sys.executable, "-c", script, str(path), file_format, json.dumps({**DEFAULTS, **limits})],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    return json.loads(result.stdout.strip().splitlines()[-1])


# --- refused at upload: the central directory tells ---------------------------------------------


def test_a_sheet_expanding_to_twelve_gigabytes_is_refused_at_upload_naming_the_limit(client, whitelist, tmp_path):
    bomb = bombs.workbook(tmp_path / "bomb.xlsx", bombs.sheet_of_rows(b"<row/>" * 100_000, 12 * 2**30 // 600_000))
    assert bomb.stat().st_size < 25 * 2**20

    started = time.monotonic()
    response = xlsx_upload(client, whitelist["id"], bomb)

    assert time.monotonic() - started < 5
    assert response.status_code == 413, response.content
    message = response.json()["error"]["fields"]["file"][0]
    assert "12288 MB" in message and "at most 2048 MB" in message
    assert not WhitelistImport.objects.exists()


def test_a_one_gigabyte_cell_is_refused_at_upload_by_its_compression_ratio(client, whitelist, tmp_path):
    bomb = bombs.workbook(tmp_path / "cell.xlsx", bombs.huge_cell_sheet(1024))  # about 1 MB

    response = xlsx_upload(client, whitelist["id"], bomb)

    assert response.status_code == 413
    message = response.json()["error"]["fields"]["file"][0]
    assert "xl/worksheets/sheet1.xml" in message and "at most 200 to 1" in message


def test_a_workbook_that_is_no_zip_archive_is_400_naming_the_file(client, whitelist):
    response = upload(client, whitelist["id"], b"PK\x03\x04 no archive", name="list.xlsx")

    assert response.status_code == 400
    assert "cannot be opened" in response.json()["error"]["fields"]["file"][0]


def test_the_refusal_at_upload_reads_in_chinese_too(client, whitelist, tmp_path):
    bomb = bombs.workbook(tmp_path / "cell.xlsx", bombs.huge_cell_sheet(1024))

    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "zh-hans"
    response = xlsx_upload(client, whitelist["id"], bomb)

    assert response.status_code == 413 and "200" in response.json()["error"]["fields"]["file"][0]
    assert "压缩" in response.json()["error"]["fields"]["file"][0]


# --- refused in the worker: a file stored before, or beyond what its archive tells --------------


def test_a_bomb_already_stored_fails_in_the_worker_and_the_draft_stays(client, whitelist, tmp_path, settings):
    client = client
    run(upload(client, whitelist["id"], csv_bytes(f"{uscc(1)},郑州甲科技有限公司,,,")))
    bomb = bombs.workbook(tmp_path / "bomb.xlsx", bombs.sheet_of_rows(b"<row/>" * 100_000, 12 * 2**30 // 600_000))
    settings.WHITELIST_MAX_EXPANDED_BYTES = 20 * 2**30  # the limit was higher when it was stored
    settings.WHITELIST_MAX_COMPRESSION_RATIO = 10_000
    response = xlsx_upload(client, whitelist["id"], bomb)
    settings.WHITELIST_MAX_EXPANDED_BYTES = 2048 * 2**20
    settings.WHITELIST_MAX_COMPRESSION_RATIO = 200

    started = time.monotonic()
    done = run(response)

    assert time.monotonic() - started < 5
    assert done.status == "failed" and "at most 2048 MB" in done.error
    assert AuditEvent.objects.filter(action="whitelist.import_failed", object_id=str(done.pk)).exists()
    assert list(WhitelistEntry.objects.values_list("uscc", flat=True)) == [uscc(1)]
    detail = client.get(f"/api/v1/whitelist-imports/{done.pk}/").json()
    assert detail["status"] == "failed" and "2048 MB" in detail["error"]


def test_millions_of_tiny_rows_fail_at_the_row_limit_quickly(client, whitelist, tmp_path, settings):
    rows = bombs.sheet_of_rows(b"<row><c><v>1</v></c></row>" * 100_000, 30)  # 3 million rows
    bomb = bombs.workbook(tmp_path / "rows.xlsx", rows)
    settings.WHITELIST_MAX_ROWS = 20_000
    settings.WHITELIST_MAX_COMPRESSION_RATIO = 10_000  # rows less alike than these pass it

    started = time.monotonic()
    done = run(xlsx_upload(client, whitelist["id"], bomb))

    assert time.monotonic() - started < 20
    assert done.status == "failed"
    assert done.error == "The file has more than 20000 rows below the header; at most 20000 are read."


def test_a_row_numbered_past_the_limit_fails_at_once(client, whitelist, tmp_path):
    far = bombs.sheet_of_rows(b'<row r="9999999"><c r="A9999999"><v>1</v></c></row>', 1)

    started = time.monotonic()
    done = run(xlsx_upload(client, whitelist["id"], bombs.workbook(tmp_path / "far.xlsx", far)))

    assert time.monotonic() - started < 5
    assert done.status == "failed" and "more than 5000000 rows" in done.error


def test_a_row_of_too_many_cells_fails_naming_the_row(client, whitelist, tmp_path, settings):
    settings.WHITELIST_MAX_COMPRESSION_RATIO = 10_000  # cells less alike than these pass it
    wide = bombs.sheet_of_rows(b'<row r="2">' + b"<c><v>1</v></c>" * 1_000_000 + b"</row>", 1)

    done = run(xlsx_upload(client, whitelist["id"], bombs.workbook(tmp_path / "w.xlsx", wide)))

    assert done.status == "failed"
    assert done.error == "Row 2 holds more than 100 cells; at most 100 columns are read."


def test_a_cell_longer_than_the_limit_fails_naming_the_row(client, whitelist, tmp_path):
    text = b"".join(b"%06d" % number for number in range(6000))  # 36,000 characters, hardly compressible
    sheet = bombs.Part.of(
        "xl/worksheets/sheet1.xml",
        bombs.SHEET_START + b'<row r="2"><c t="inlineStr"><is><t>' + text + b"</t></is></c></row>" + bombs.SHEET_END,
    )

    done = run(xlsx_upload(client, whitelist["id"], bombs.workbook(tmp_path / "c.xlsx", sheet)))

    assert done.status == "failed"
    assert done.error == "A cell on row 2 holds more than 32767 characters; at most 32767 are read."


def test_a_worker_failure_reads_in_chinese_when_the_worker_speaks_it(client, whitelist, tmp_path, settings):
    bomb = bombs.workbook(tmp_path / "rows.xlsx", bombs.sheet_of_rows(b"<row><c><v>1</v></c></row>" * 1000, 30))
    settings.WHITELIST_MAX_ROWS = 1000
    response = xlsx_upload(client, whitelist["id"], bomb)

    with translation.override("zh-hans"):
        import_run(import_id=response.json()["id"])

    error = WhitelistImport.objects.get(pk=response.json()["id"]).error
    assert "1000" in error and "行" in error


# --- while parsing: memory stays flat ------------------------------------------------------------


def test_a_one_gigabyte_cell_is_refused_while_parsing_with_flat_memory(tmp_path):
    """With the archive limits raised out of the way, the parser's own guard holds."""
    bomb = bombs.workbook(tmp_path / "cell.xlsx", bombs.huge_cell_sheet(1024))

    outcome = read_in_a_subprocess(bomb, "xlsx", expanded_bytes=2**40, compression_ratio=10**6)

    assert outcome["error"] == (
        "The workbook holds a text longer than 32767 characters; a cell holds at most 32767."
    ), outcome
    assert outcome["seconds"] < 10 and outcome["grown_mb"] < FLAT_MB, outcome


def test_a_one_gigabyte_shared_string_is_refused_while_parsing_with_flat_memory(tmp_path):
    sheet = bombs.sheet_of_rows(b'<row><c t="s"><v>0</v></c></row>', 1)
    bomb = bombs.workbook(tmp_path / "strings.xlsx", sheet, bombs.huge_shared_string(1024))

    outcome = read_in_a_subprocess(bomb, "xlsx", expanded_bytes=2**40, compression_ratio=10**6)

    assert "a text longer than 32767 characters" in outcome["error"], outcome
    assert outcome["seconds"] < 10 and outcome["grown_mb"] < FLAT_MB, outcome


def test_a_shared_strings_table_of_millions_of_texts_stops_at_what_the_rows_could_use(tmp_path):
    sheet = bombs.sheet_of_rows(b'<row><c t="s"><v>0</v></c></row>', 1)
    bomb = bombs.workbook(tmp_path / "strings.xlsx", sheet, bombs.many_shared_strings(60))

    outcome = read_in_a_subprocess(bomb, "xlsx", rows=20_000, expanded_bytes=2**40, compression_ratio=10**6)

    assert "more than 100000 texts" in outcome["error"], outcome
    assert outcome["seconds"] < 10 and outcome["grown_mb"] < FLAT_MB, outcome


def test_a_sheet_of_many_gigabytes_is_read_with_flat_memory_up_to_the_row_limit(tmp_path):
    rows = bombs.sheet_of_rows(b"<row><c><v>1</v></c></row>" * 100_000, 400)  # 40 million rows, 1 GB
    bomb = bombs.workbook(tmp_path / "rows.xlsx", rows)

    outcome = read_in_a_subprocess(bomb, "xlsx", rows=300_000, expanded_bytes=2**40, compression_ratio=10**6)

    assert "more than 300000 rows" in outcome["error"], outcome
    assert outcome["seconds"] < 30 and outcome["grown_mb"] < FLAT_MB, outcome


def test_a_csv_line_of_a_gigabyte_is_refused_with_flat_memory(tmp_path):
    path = tmp_path / "line.csv"
    with path.open("wb") as file:
        file.write(HEADER.encode() + b"\n")
        for _ in range(1024):
            file.write(b"a" * 2**20)

    outcome = read_in_a_subprocess(path, "csv")

    assert outcome["error"] == (
        "Row 2 is longer than 100 cells of 32767 characters each; at most 32767 characters a cell are read."
    ), outcome
    assert outcome["seconds"] < 10 and outcome["grown_mb"] < FLAT_MB, outcome


def test_a_csv_of_ten_million_rows_is_refused_with_flat_memory(tmp_path):
    path = tmp_path / "rows.csv"
    path.write_bytes(HEADER.encode() + b"\n" + b"x,y\n" * 10_000_000)

    outcome = read_in_a_subprocess(path, "csv", rows=1_000_000)

    assert outcome["error"] == "The file has more than 1000000 rows below the header; at most 1000000 are read."
    assert outcome["grown_mb"] < FLAT_MB, outcome


# --- CSV through the import -------------------------------------------------------------------------


def test_a_csv_past_the_row_limit_fails_and_the_draft_stays(client, whitelist, settings):
    client = client
    run(upload(client, whitelist["id"], csv_bytes(f"{uscc(1)},郑州甲科技有限公司,,,")))
    settings.WHITELIST_MAX_ROWS = 1000
    lines = [f"{uscc(100 + number)},企业{number},,," for number in range(1001)]

    done = run(upload(client, whitelist["id"], csv_bytes(*lines)))

    assert done.status == "failed"
    assert done.error == "The file has more than 1000 rows below the header; at most 1000 are read."
    assert list(WhitelistEntry.objects.values_list("uscc", flat=True)) == [uscc(1)]


def test_a_csv_cell_longer_than_the_limit_fails_naming_the_row(client, whitelist):
    lines = [f"{uscc(1)},郑州甲科技有限公司,,,", f"{uscc(2)},{'长' * 40_000},,,"]

    done = run(upload(client, whitelist["id"], csv_bytes(*lines)))

    assert done.status == "failed"
    assert done.error == "A cell on row 3 holds more than 32767 characters; at most 32767 are read."


def test_a_csv_row_of_too_many_cells_fails_naming_the_row(client, whitelist):
    lines = [f"{uscc(1)},郑州甲科技有限公司,,,", f"{uscc(2)},企业" + ",x" * 200]

    done = run(upload(client, whitelist["id"], csv_bytes(*lines)))

    assert done.status == "failed"
    assert done.error == "Row 3 holds more than 100 cells; at most 100 columns are read."


def test_a_csv_line_longer_than_any_row_within_the_limits_fails(client, whitelist):
    content = csv_bytes(f"{uscc(1)},郑州甲科技有限公司,,,") + b"a" * (14 * 2**20)

    done = run(upload(client, whitelist["id"], content))

    assert done.status == "failed" and done.error.startswith("Row 3 is longer than 100 cells of 32767 characters")


def test_files_within_the_limits_still_import(client, whitelist, tmp_path):
    rows = b"".join(
        b'<row><c t="inlineStr"><is><t>%s</t></is></c><c t="inlineStr"><is><t>%s</t></is></c></row>'
        % (uscc(number).encode(), f"企业{number}".encode())
        for number in range(1, 301)
    )
    workbook = bombs.workbook(tmp_path / "ok.xlsx", bombs.sheet_of_rows(rows, 1))

    done = run(xlsx_upload(client, whitelist["id"], workbook))

    assert (done.status, done.accepted, done.rejected) == ("succeeded", 300, 0), done.error
