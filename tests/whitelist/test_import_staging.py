"""How an import reads and stages a file: the CSV shapes people really upload (reordered and
extra columns, short and long records, blank lines, line breaks inside quotes, CRLF), an
import resuming after its worker died, and — on PostgreSQL — the SQL fast path agreeing
with check_row on every row it takes."""

import io
from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import DEFAULT_DB_ALIAS, connection, connections
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from openpyxl import Workbook

from hub.identifiers import USCC_ALPHABET, make_uscc
from tests.conftest import require_service
from tests.whitelist.imports.helpers import FUTURE, run, upload, uscc
from whitelist import fast_checks, staging
from whitelist.models import WhitelistEntry, WhitelistImport
from whitelist.parsers import CleanRow, check_row
from whitelist.services import imports
from whitelist.services.imports import import_run
from whitelist.tasks import run_import

pytestmark = pytest.mark.django_db


@pytest.fixture
def whitelist(api_client_for, platform_admin):
    body = {"name": "郑州市科技型企业", "kind": "tech", "region_code": "410100"}
    return api_client_for(platform_admin).post("/api/v1/whitelists/", body, format="json").json()


def imported(api_client_for, platform_admin, whitelist, content: bytes) -> WhitelistImport:
    return run(upload(api_client_for(platform_admin), whitelist["id"], content))


def entries():
    return dict(WhitelistEntry.objects.values_list("uscc", "name"))


# --- the shapes of real files ----------------------------------------------------------------------


def test_columns_in_any_order_with_unknown_ones_are_read_by_their_titles(api_client_for, platform_admin, whitelist):
    content = (
        f"序号,name,valid_until,USCC,备注\n1,郑州甲公司,{FUTURE},{uscc(1)},x\n2,郑州乙公司,,{uscc(2)},y\n"
    ).encode()

    done = imported(api_client_for, platform_admin, whitelist, content)

    assert (done.accepted, done.rejected) == (2, 0)
    assert entries() == {uscc(1): "郑州甲公司", uscc(2): "郑州乙公司"}


def test_short_and_long_records_blank_lines_and_quoted_line_breaks(api_client_for, platform_admin, whitelist):
    content = (
        "uscc,name,reason,recommended_amount,valid_until\r\n"
        f"{uscc(1)},甲公司\r\n"  # row 2: short, the missing fields are empty
        "\r\n"  # row 3: blank
        f'{uscc(2)},"乙公司\r\n(分公司)",推荐,100.00,{FUTURE},extra,fields\r\n'  # row 4: spans two lines, long
        f"{uscc(3)},,,,\r\n"  # row 5: no name
        ",,,,\r\n"  # row 6: only commas: blank
        f'{uscc(4)},"丁公司,""有限""",,,\r\n'  # row 7: quotes and a comma inside quotes
    ).encode()

    done = imported(api_client_for, platform_admin, whitelist, content)

    assert (done.status, done.accepted, done.rejected, done.total_rows) == ("succeeded", 3, 1, 4)
    assert [(error.row, error.field) for error in done.errors.all()] == [(5, "name")]
    assert entries() == {uscc(1): "甲公司", uscc(2): "乙公司\r\n(分公司)", uscc(4): '丁公司,"有限"'}
    assert WhitelistEntry.objects.get(uscc=uscc(2)).recommended_amount == Decimal("100.00")


def test_line_breaks_inside_quotes_and_crlf_line_ends(api_client_for, platform_admin, whitelist):
    content = (
        f'uscc,name,reason\r\n{uscc(1)},"甲公司\r\n（分公司）","推荐理由：""专精特新"""\r\n{uscc(2)},乙公司,\r\n'
    ).encode()

    done = imported(api_client_for, platform_admin, whitelist, content)

    assert (done.accepted, done.rejected, done.total_rows) == (2, 0, 2)
    first = WhitelistEntry.objects.get(uscc=uscc(1))
    assert (first.name, first.reason) == ("甲公司\r\n（分公司）", '推荐理由："专精特新"')


def test_gb18030_with_rows_needing_the_careful_path(api_client_for, platform_admin, whitelist):
    lines = [
        "uscc,name,reason,recommended_amount,valid_until",
        f"{uscc(1)},郑州市中原区某某商贸有限公司,,500000,{FUTURE}",
        f' {uscc(2).lower()} ,　全角空格公司　,,"1,000.5",{FUTURE.replace("-", "/")}',
    ]

    done = imported(api_client_for, platform_admin, whitelist, ("\n".join(lines) + "\n").encode("gb18030"))

    assert (done.accepted, done.rejected) == (2, 0)
    second = WhitelistEntry.objects.get(uscc=uscc(2))
    assert (second.name, second.recommended_amount) == ("全角空格公司", Decimal("1000.50"))


def test_bytes_that_are_not_text_fail_the_import_with_a_clear_message(api_client_for, platform_admin, whitelist):
    content = f"uscc,name,reason,recommended_amount,valid_until\n{uscc(1)},甲,,,\n".encode() + b"\xff\xfe,\x80,,,\n"

    done = imported(api_client_for, platform_admin, whitelist, content)

    assert done.status == "failed" and "GB18030" in done.error
    assert entries() == {}
    assert staging.staged_count(done.pk) is None  # its working tables are gone


def test_a_header_of_more_than_a_hundred_columns_fails_the_import(api_client_for, platform_admin, whitelist):
    header = ",".join(["uscc", "name", *(f"列{index}" for index in range(99))])

    done = imported(api_client_for, platform_admin, whitelist, f"{header}\n{uscc(1)},甲\n".encode())

    assert done.status == "failed" and "101" in done.error


def test_a_sheet_with_many_empty_columns_to_the_right_is_read(api_client_for, platform_admin, whitelist):
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(["uscc", "name"])
    sheet.append([uscc(1), "表格公司"])
    sheet.cell(row=1, column=500).value = " "  # formatting far to the right widens the sheet
    buffer = io.BytesIO()
    workbook.save(buffer)

    done = run(upload(api_client_for(platform_admin), whitelist["id"], buffer.getvalue(), name="list.xlsx"))

    assert (done.status, done.accepted) == ("succeeded", 1)


# --- resuming ---------------------------------------------------------------------------------------


class WorkerDied(BaseException):
    """Not an Exception: like a killed worker, it skips the import's own failure handling."""


def workbook_bytes(rows) -> bytes:
    workbook = Workbook()
    for row in rows:
        workbook.active.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def test_a_chunked_import_resumes_after_the_last_committed_chunk(
    api_client_for, platform_admin, whitelist, monkeypatch
):
    rows = [[uscc(100 + index), f"企业{index}", None, index + 1] for index in range(25)] + [[None, "没有代码"]]
    content = workbook_bytes([["uscc", "name", "reason", "recommended_amount"], *rows])
    import_id = upload(api_client_for(platform_admin), whitelist["id"], content, name="list.xlsx").json()["id"]
    monkeypatch.setattr(imports, "CHUNK_ROWS", 10)
    staged_chunks = []
    real_insert_rows = staging.insert_rows

    def dies_on_the_third_chunk(import_id, width, rows):
        staged_chunks.append(rows)
        if len(staged_chunks) == 3:
            raise WorkerDied
        return real_insert_rows(import_id, width, rows)

    monkeypatch.setattr(staging, "insert_rows", dies_on_the_third_chunk)
    with pytest.raises(WorkerDied):
        import_run(import_id=import_id)
    assert WhitelistImport.objects.get(pk=import_id).processed_rows == 20

    WhitelistImport.objects.filter(pk=import_id).update(lease_until=timezone.now() - timedelta(seconds=1))
    assert import_run(import_id=import_id) == "succeeded"

    assert [chunk[0][0] for chunk in staged_chunks] == [2, 12, 22, 22]  # the third chunk, once more
    done = WhitelistImport.objects.get(pk=import_id)
    assert (done.accepted, done.rejected, done.total_rows) == (25, 1, 26)
    assert len(entries()) == 25


@pytest.mark.django_db(transaction=True)  # the progress is written by a connection of its own
def test_a_streamed_csv_shows_progress_while_staging_and_stages_again_after_a_crash(
    api_client_for, platform_admin, whitelist, monkeypatch
):
    require_service("PostgreSQL", connection.vendor == "postgresql", "set DATABASE_URL to a PostgreSQL database")
    rows = [f"{uscc(100 + index)},企业{index},,{index + 1}.00," for index in range(25)] + [",没有代码,,,"]
    content = ("uscc,name,reason,recommended_amount,valid_until\n" + "\n".join(rows) + "\n").encode()
    monkeypatch.setattr(run_import, "delay_on_commit", lambda import_id: None)  # run below, by hand
    import_id = upload(api_client_for(platform_admin), whitelist["id"], content).json()["id"]
    monkeypatch.setattr(imports, "CHUNK_ROWS", 10)
    real_copy = staging.copy_csv_records
    progress_seen = []
    observer = connections.create_connection(DEFAULT_DB_ALIAS)  # as the progress bar's request would read

    def dies_after_twenty_records(*args, sent):
        def reported(count):
            sent(count)
            with observer.cursor() as cursor:
                cursor.execute("SELECT processed_rows FROM whitelist_whitelistimport WHERE id = %s", [import_id])
                progress_seen.append(cursor.fetchone()[0])
            if count == 20:
                raise WorkerDied

        return real_copy(*args, sent=reported)

    monkeypatch.setattr(staging, "copy_csv_records", dies_after_twenty_records)
    try:
        with pytest.raises(WorkerDied):
            import_run(import_id=import_id)
    finally:
        observer.close()
    monkeypatch.undo()

    assert progress_seen == [10, 20]
    assert staging.staged_count(import_id) == 0  # the COPY's transaction rolled back
    WhitelistImport.objects.filter(pk=import_id).update(lease_until=None)
    assert import_run(import_id=import_id) == "succeeded"
    done = WhitelistImport.objects.get(pk=import_id)
    assert (done.accepted, done.rejected, done.total_rows) == (25, 1, 26)
    assert len(entries()) == 25


@pytest.mark.django_db(transaction=True)
def test_the_progress_connection_goes_back_to_the_pool_committing_durably(
    api_client_for, platform_admin, whitelist, monkeypatch
):
    require_service("PostgreSQL", connection.vendor == "postgresql", "set DATABASE_URL to a PostgreSQL database")
    pooled = "pool" in connection.settings_dict.get("OPTIONS", {})
    require_service("a connection pool", pooled, "leave DB_POOL on (the default)")
    content = ("uscc,name\n" + "\n".join(f"{uscc(400 + index)},企业{index}" for index in range(3)) + "\n").encode()
    monkeypatch.setattr(run_import, "delay_on_commit", lambda import_id: None)
    import_id = upload(api_client_for(platform_admin), whitelist["id"], content).json()["id"]
    lent = []
    real_create_connection = connections.create_connection

    def keeps_the_connection(alias):
        wrapper = real_create_connection(alias)
        wrapper.ensure_connection()
        lent.append(wrapper.connection)  # the psycopg connection itself, which outlives the wrapper
        return wrapper

    monkeypatch.setattr(connections, "create_connection", keeps_the_connection)
    assert import_run(import_id=import_id) == "succeeded"

    [progress] = lent
    assert not progress.closed  # back in the pool: whoever borrows it next must commit durably
    assert progress.execute("SHOW synchronous_commit").fetchone() == ("on",)


def test_a_passing_database_error_leaves_the_import_to_resume(api_client_for, platform_admin, whitelist, monkeypatch):
    from django.db import OperationalError

    content = ("uscc,name\n" + "\n".join(f"{uscc(300 + index)},企业{index}" for index in range(8)) + "\n").encode()
    import_id = upload(api_client_for(platform_admin), whitelist["id"], content).json()["id"]
    monkeypatch.setattr(imports, "_merge", lambda *args: (_ for _ in ()).throw(OperationalError("server closed")))

    with pytest.raises(OperationalError):
        import_run(import_id=import_id)
    monkeypatch.undo()

    assert WhitelistImport.objects.get(pk=import_id).status == "running"  # not failed for good
    WhitelistImport.objects.filter(pk=import_id).update(lease_until=None)
    assert import_run(import_id=import_id) == "succeeded" and len(entries()) == 8


def test_an_import_whose_staged_rows_vanished_starts_over(api_client_for, platform_admin, whitelist, monkeypatch):
    content = ("uscc,name\n" + "\n".join(f"{uscc(200 + index)},企业{index}" for index in range(12)) + "\n").encode()
    response = upload(api_client_for(platform_admin), whitelist["id"], content)
    import_id = response.json()["id"]
    monkeypatch.setattr(imports, "CHUNK_ROWS", 5)
    monkeypatch.setattr(imports, "_merge", lambda *args: (_ for _ in ()).throw(WorkerDied()))
    with pytest.raises(WorkerDied):
        import_run(import_id=import_id)
    monkeypatch.undo()
    staging.drop_tables(import_id)  # as a database crash empties an UNLOGGED table
    WhitelistImport.objects.filter(pk=import_id).update(lease_until=None)

    assert import_run(import_id=import_id) == "succeeded"
    assert len(entries()) == 12


# --- the PostgreSQL fast path against check_row -----------------------------------------------------

TODAY = timezone.localdate()


def _uscc_variants():
    valid = st.builds(
        lambda region, serial: make_uscc(region_code=region, serial=serial),
        st.sampled_from(["410100", "110105", "440300", "999999", "41A100"]),
        st.integers(min_value=0, max_value=10**8),
    )
    mutated = st.tuples(valid, st.integers(0, 17), st.sampled_from(list(USCC_ALPHABET) + ["a", "I", "中", " "])).map(
        lambda parts: parts[0][: parts[1]] + parts[2] + parts[0][parts[1] + 1 :]
    )
    return st.one_of(valid, mutated, valid.map(str.lower), valid.map(lambda code: f" {code}"), st.text(max_size=20))


_AMOUNTS = st.one_of(
    st.none(),
    st.sampled_from(
        [
            *["", "0", "00", "012", "1", "1.5", "1.50", "1.005", "1,000", "１２", "-5", "1e5", " 5", "5.", ".5"],
            *["1..5", "1.2.3", "5 ", "999999999999.99", "1000000000000", "123456789012.3", "1234567890123.4"],
        ]
    ),
    st.decimals(min_value=0, max_value=Decimal("9999999999999"), places=2).map(str),
)
_DATES = st.one_of(
    st.none(),
    st.sampled_from(
        [
            *["", "2027-02-29", "2028-02-29", "2027-13-01", "0999-01-01", "2027-6-30", "明年", "2027/06/30"],
            *["2027-06-31", "2027-00-10", "2027-06-00", "2027-06-3", "20270-6-30", "2027-06-30 ", "2027--0630"],
            *["2027_06_30", "9999-12-31", "1999-12-31", "2027-0６-30", "2027-04-31", "2027-12-32"],
        ]
    ),
    st.dates(min_value=TODAY - timedelta(days=3), max_value=TODAY + timedelta(days=4000)).map(str),
)
_NAMES = st.one_of(st.sampled_from(["", " ", "甲公司", " 甲公司", "甲公司\u3000", "甲\t公司"]), st.text(max_size=210))
_ROWS = st.tuples(_uscc_variants(), _NAMES, st.one_of(st.none(), _NAMES), _AMOUNTS, _DATES)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(rows=st.lists(_ROWS, min_size=1, max_size=30))
def test_every_row_the_fast_path_takes_is_one_check_row_accepts_with_the_same_values(rows):
    require_service("PostgreSQL", connection.vendor == "postgresql", "set DATABASE_URL to a PostgreSQL database")
    columns = {"uscc": "c0", "name": "c1", "reason": "c2", "recommended_amount": "c3", "valid_until": "c4"}
    rows = [tuple(None if value is None else value.replace("\x00", "") for value in row) for row in rows]
    with connection.cursor() as cursor:
        cursor.execute(
            "CREATE TEMPORARY TABLE fast_path_rows (row integer, c0 text, c1 text, c2 text, c3 text, c4 text)"
        )
        try:
            cursor.executemany(
                "INSERT INTO fast_path_rows VALUES (%s, %s, %s, %s, %s, %s)",
                [(number, *row) for number, row in enumerate(rows)],
            )
            cursor.execute(
                f"""SELECT row, {fast_checks.clean_values(columns)}
                FROM {fast_checks.staged_rows("fast_path_rows", columns)} staged
                WHERE {fast_checks.row_condition(columns)}""",
                fast_checks.parameters(TODAY),
            )
            taken = {number: CleanRow(*values) for number, *values in cursor.fetchall()}
        finally:
            cursor.execute("DROP TABLE fast_path_rows")
    for number, clean in taken.items():
        values = dict(zip(columns, rows[number], strict=True))
        assert check_row(values, today=TODAY) == (clean, []), values


def test_the_fast_path_takes_canonical_rows():
    require_service("PostgreSQL", connection.vendor == "postgresql", "set DATABASE_URL to a PostgreSQL database")
    columns = {"uscc": "c0", "name": "c1"}
    with connection.cursor() as cursor:
        cursor.execute(
            f"""SELECT {fast_checks.row_condition(columns)}
            FROM {fast_checks.staged_rows("(SELECT %(code)s AS c0, '郑州甲公司' AS c1) given", columns)} staged""",
            {**fast_checks.parameters(TODAY), "code": make_uscc(region_code="410100", serial=123)},
        )
        assert cursor.fetchone() == (True,)
