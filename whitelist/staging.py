"""The tables an import works in, one pair per import, dropped when it ends:

- ``whitelist_import_<id>_rows``: every record of the file as text, one column per header
  column, with its row number. On PostgreSQL it is UNLOGGED (the file itself is the
  durable copy) and a CSV's records go in with COPY, which parses them.
- ``whitelist_import_<id>_clean``: the checked rows, typed, on their way into the draft.

Per-import tables are dropped at once when the import ends, where deleting a million rows
from a shared table would cost seconds and leave dead rows behind.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

from django.db import connection

PG_ENCODINGS = {"utf-8": "UTF8", "utf-8-sig": "UTF8", "gb18030": "GB18030"}


class RecordsRefused(Exception):
    """COPY refused some record of a chunk: a field too many or too few, bytes that are not
    text. Reading the chunk in Python says which, or copes."""


def rows_table(import_id: int) -> str:
    return f"whitelist_import_{int(import_id)}_rows"


def clean_table(import_id: int) -> str:
    return f"whitelist_import_{int(import_id)}_clean"


def text_columns(width: int) -> list[str]:
    return [f"c{index}" for index in range(width)]


def _unlogged() -> str:
    return "UNLOGGED " if connection.vendor == "postgresql" else ""


def create_rows_table(import_id: int, width: int) -> None:
    columns = ", ".join(f"{column} text" for column in text_columns(width))
    with connection.cursor() as cursor:
        cursor.execute(f"CREATE {_unlogged()}TABLE IF NOT EXISTS {rows_table(import_id)} (row integer, {columns})")


def staged_count(import_id: int) -> int | None:
    """Rows staged so far, or None when the table is gone (a database crash empties an
    UNLOGGED table; a fresh start of the import then stages again)."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT 1 FROM information_schema.tables WHERE table_name = %s"
            if connection.vendor == "postgresql"
            else "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = %s",
            [rows_table(import_id)],
        )
        if cursor.fetchone() is None:
            return None
        cursor.execute(f"SELECT COUNT(*) FROM {rows_table(import_id)}")
        return cursor.fetchone()[0]


def insert_rows(import_id: int, width: int, rows: Iterable[tuple]) -> None:
    """Stage (row number, cell, cell, …) tuples of text."""
    _insert(rows_table(import_id), ["row", *text_columns(width)], rows)


CLEAN_COLUMNS = ["row", "uscc", "name", "reason", "recommended_amount", "valid_until"]


def insert_clean(import_id: int, rows: Iterable[tuple]) -> None:
    """Add (row number, *CleanRow) tuples to the checked rows."""
    _insert(clean_table(import_id), CLEAN_COLUMNS, rows)


def _insert(table: str, columns: list[str], rows: Iterable[tuple]) -> None:
    if connection.vendor == "postgresql":
        with (
            connection.cursor() as cursor,
            cursor.connection.cursor().copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy,
        ):
            for row in rows:
                copy.write_row(row)
        return
    with connection.cursor() as cursor:
        cursor.executemany(
            f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({', '.join(['%s'] * len(columns))})", list(rows)
        )


def read(query: str, *, batch: int):
    """Yield the rows of ``query`` in lists of ``batch``, holding one list at a time in
    memory (a server-side cursor on PostgreSQL: a file may be all slow rows)."""
    if connection.vendor == "postgresql":
        with connection.cursor() as outer, outer.connection.cursor(name="whitelist_import_read") as cursor:
            cursor.itersize = batch
            cursor.execute(query)
            while rows := cursor.fetchmany(batch):
                yield rows
        return
    with connection.cursor() as cursor:
        cursor.execute(query)
        while rows := cursor.fetchmany(batch):
            yield rows


def copy_csv_records(
    import_id: int,
    width: int,
    encoding: str,
    chunks: Iterable[list[tuple[int, bytes]]],
    *,
    sent: Callable[[int], None] | None = None,
) -> None:
    """PostgreSQL only: stage raw CSV records, each prefixed with its row number, parsed by
    COPY itself, in one COPY however many chunks of records come; ``sent(count)`` hears how
    many have gone after each chunk. A blank line becomes a row of NULLs, as the other paths
    stage it. Raises RecordsRefused when a record does not fit (the caller's transaction is
    then spoilt)."""
    import psycopg

    columns = ", ".join(["row", *text_columns(width)])
    blank = b"," * (width - 1)  # the row number, then ``width`` empty fields
    sql = f"COPY {rows_table(import_id)} ({columns}) FROM STDIN (FORMAT csv, ENCODING '{PG_ENCODINGS[encoding]}')"
    count = 0
    try:
        with connection.cursor() as cursor, cursor.connection.cursor().copy(sql) as copy:
            for records in chunks:
                copy.write(b"".join(b"%d,%s\n" % (number, record or blank) for number, record in records))
                count += len(records)
                if sent is not None:
                    sent(count)
    except psycopg.errors.DataError as error:  # class 22: the data, not the database
        raise RecordsRefused(str(error)) from None


def create_clean_table(import_id: int) -> None:
    with connection.cursor() as cursor:
        cursor.execute(
            f"""CREATE {_unlogged()}TABLE {clean_table(import_id)} (
                row integer, uscc varchar(18), name varchar(200), reason varchar(500),
                recommended_amount numeric(14, 2), valid_until date)"""
        )


def drop_tables(import_id: int) -> None:
    with connection.cursor() as cursor:
        cursor.execute(f"DROP TABLE IF EXISTS {rows_table(import_id)}")
        cursor.execute(f"DROP TABLE IF EXISTS {clean_table(import_id)}")
