"""Reading whitelist files, streamed row by row: CSV (UTF-8 with or without BOM, or
GB18030) and XLSX, with the header ``uscc,name,reason,recommended_amount,valid_until``,
and checking each row, with messages that say what is wrong."""

from __future__ import annotations

import codecs
import csv
import io
import re
from collections.abc import Iterator
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import NamedTuple

from django.conf import settings
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from hub.identifiers import uscc_errors

COLUMNS = ("uscc", "name", "reason", "recommended_amount", "valid_until")
REQUIRED_COLUMNS = ("uscc", "name")
# The titles government staff's spreadsheets use (the first is the template's), read as
# the column keys above. Spaces, an asterisk marking a required column, and the unit in
# brackets are ignored: "推荐金额（元）" reads as "推荐金额".
CHINESE_TITLES: dict[str, tuple[str, ...]] = {
    "uscc": ("统一社会信用代码", "社会信用代码", "信用代码"),
    "name": ("企业名称", "单位名称", "名称"),
    "reason": ("推荐理由", "理由"),
    "recommended_amount": ("推荐金额", "推荐额度", "金额"),
    "valid_until": ("有效期至", "有效期", "截止日期"),
}
_TITLE_KEYS = {title: key for key, titles in CHINESE_TITLES.items() for title in titles}
_TITLE_NOISE = re.compile(r"[\s\u3000*＊]|[（(][^）)]*[）)]")


def column_key(title) -> str:
    """The column a header title names: an English key as written, or a Chinese title."""
    text = str(title or "").strip().lstrip("\ufeff")
    if text.lower() in COLUMNS:
        return text.lower()
    return _TITLE_KEYS.get(_TITLE_NOISE.sub("", text), "")


CSV, XLSX = "csv", "xlsx"
_SNIFF_BYTES = 64 * 1024
MAX_AMOUNT = Decimal("999999999999.99")
NAME_MAX, REASON_MAX = 200, 500  # the entry columns' lengths


class UnsupportedFile(Exception):
    """Not a CSV or XLSX file (415)."""


class FileUnreadable(Exception):
    """A file whose structure cannot be used (a missing header column, bytes that are no
    text): the import fails with this message."""


class LimitExceeded(FileUnreadable):
    """A file beyond one of the limits of what an upload may expand to (rows, columns, cell
    length, expanded size, compression ratio): refused at upload (413) when its archive
    tells, otherwise the import fails with this message, which names the limit."""


class FileLimits(NamedTuple):
    """What a whitelist file may hold (the WHITELIST_MAX_* settings)."""

    rows: int  # below the header
    columns: int  # cells a row holds
    cell_chars: int  # characters a cell holds
    expanded_bytes: int  # an XLSX's parts together, expanded
    compression_ratio: int  # an XLSX part's expanded size over its compressed size

    @classmethod
    def from_settings(cls) -> FileLimits:
        return cls(
            rows=settings.WHITELIST_MAX_ROWS,
            columns=settings.WHITELIST_MAX_COLUMNS,
            cell_chars=settings.WHITELIST_MAX_CELL_CHARS,
            expanded_bytes=settings.WHITELIST_MAX_EXPANDED_BYTES,
            compression_ratio=settings.WHITELIST_MAX_COMPRESSION_RATIO,
        )


class LimitMessages:
    ROWS = gettext_lazy("The file has more than %(limit)d rows below the header; at most %(limit)d are read.")
    COLUMNS = gettext_lazy("Row %(row)d holds more than %(limit)d cells; at most %(limit)d columns are read.")
    HEADER_COLUMNS = gettext_lazy("The header has %(count)d columns; at most %(limit)d are read.")
    CELL = gettext_lazy("A cell on row %(row)d holds more than %(limit)d characters; at most %(limit)d are read.")
    CSV_RECORD = gettext_lazy(
        "Row %(row)d is longer than %(columns)d cells of %(limit)d characters each; "
        "at most %(limit)d characters a cell are read."
    )


def detect_format(head: bytes, filename: str) -> str:
    """XLSX is a ZIP archive; CSV is text. Anything else, whatever its name, is refused."""
    name = filename.lower()
    if head.startswith(b"PK\x03\x04"):
        if name.endswith(".xlsx"):
            return XLSX
        raise UnsupportedFile(_("A ZIP file that is not an .xlsx workbook."))
    if name.endswith(".csv") or name.endswith(".txt"):
        if b"\x00" in head[:4096]:
            raise UnsupportedFile(_("The file is binary, not CSV text."))
        return CSV
    raise UnsupportedFile(_("Upload a CSV (.csv) or Excel (.xlsx) file."))


def csv_encoding(head: bytes) -> str:
    """UTF-8 (a BOM is skipped) when the start decodes as UTF-8, otherwise GB18030."""
    if head.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    try:
        codecs.getincrementaldecoder("utf-8")().decode(head, final=False)
    except UnicodeDecodeError:
        return "gb18030"
    return "utf-8"


def header_positions(header: list) -> dict[str, int]:
    """Where each known column is in the header (the first of repeated titles); raises
    FileUnreadable when a required column is missing."""
    positions = {}
    for index, title in enumerate(header):
        key = column_key(title)
        if key and key not in positions:
            positions[key] = index
    missing = [column for column in REQUIRED_COLUMNS if column not in positions]
    if missing:
        raise FileUnreadable(
            _("The header row must name the columns %(columns)s (or %(titles)s); missing: %(missing)s.")
            % {
                "columns": ",".join(COLUMNS),
                "titles": ",".join(titles[0] for titles in CHINESE_TITLES.values()),
                "missing": ", ".join(f"{column} ({CHINESE_TITLES[column][0]})" for column in missing),
            }
        )
    return positions


class Table(NamedTuple):
    """A file's header and where its data starts: a CSV's encoding and the byte offset
    after the header record (an XLSX is read from the top again), and the limits the file
    is read within."""

    header: list[str]
    positions: dict[str, int]
    encoding: str | None
    data_offset: int
    limits: FileLimits


def open_table(path: str, file_format: str, limits: FileLimits | None = None) -> Table:
    """The file's header. Raises FileUnreadable (LimitExceeded past a limit)."""
    limits = limits or FileLimits.from_settings()
    if file_format == CSV:
        with open(path, "rb") as binary:
            encoding = csv_encoding(binary.read(_SNIFF_BYTES))
            binary.seek(0)
            first = next(_bounded_records(csv_records(binary, limit=record_limit(limits)), 1, limits), None)
        if first is None:
            raise FileUnreadable(_("The file is empty."))
        header, offset = csv_row(first[0], encoding), first[1]
    else:
        first = next(_xlsx_rows(path, limits, width=limits.columns + 1), None)
        if first is None:
            raise FileUnreadable(_("The file is empty."))
        header, offset, encoding = [cell_text(value) or "" for value in first[1]], 0, None
        while header and not header[-1].strip():
            header.pop()  # a sheet's formatted but empty columns to the right
    if len(header) > limits.columns:
        raise LimitExceeded(str(LimitMessages.HEADER_COLUMNS) % {"count": len(header), "limit": limits.columns})
    return Table(header, header_positions(header), encoding, offset, limits)


def record_limit(limits: FileLimits) -> int:
    """The most bytes a CSV record may take: its cells at four bytes a character (UTF-8 or
    GB18030), quoted, with their commas. A longer one is refused before it is held whole."""
    return limits.columns * (limits.cell_chars * 4 + 3)


class _RecordTooLong(Exception):
    pass


def csv_records(binary, *, limit: int | None = None) -> Iterator[tuple[bytes, int]]:
    """The records of a CSV as bytes (a quoted field may span lines), each with the byte
    offset just after it, without decoding or parsing them: a record ends at a line end
    outside quotes, which an even count of quote characters so far tells — the rule
    PostgreSQL's COPY follows too. Neither ``"`` nor a line feed occurs inside a multi-byte
    character in UTF-8 or GB18030, so counting bytes is safe. A trailing ``\r`` goes.
    A record longer than ``limit`` bytes raises _RecordTooLong once that many are read."""
    position = binary.tell()
    pending: list[bytes] = []
    held, quotes = 0, 0
    while True:
        line = binary.readline(-1 if limit is None else limit - held + 1)
        if not line:
            break
        position += len(line)
        held += len(line)
        if limit is not None and held > limit:
            raise _RecordTooLong
        quotes += line.count(b'"')
        pending.append(line)
        if quotes % 2 or not line.endswith(b"\n"):
            continue  # inside a quoted field, or a line read in part: the record goes on
        record = b"".join(pending) if len(pending) > 1 else line
        pending, quotes, held = [], 0, 0
        yield record.rstrip(b"\n").removesuffix(b"\r"), position
    if pending:  # an unclosed quote at the end: the parser will say what is wrong
        yield b"".join(pending).rstrip(b"\n").removesuffix(b"\r"), position


def _bounded_records(records, first_row: int, limits: FileLimits):
    """``records`` numbered from ``first_row``, refusing a record past the row limit or
    longer than any record within the limits can be."""
    number = first_row - 1
    try:
        for number, (record, end) in enumerate(records, start=first_row):  # noqa: B007
            if number - 1 > limits.rows:
                raise LimitExceeded(str(LimitMessages.ROWS) % {"limit": limits.rows})
            yield record, end
    except _RecordTooLong:
        raise LimitExceeded(
            str(LimitMessages.CSV_RECORD) % {"row": number + 1, "columns": limits.columns, "limit": limits.cell_chars}
        ) from None


def csv_row(record: bytes, encoding: str) -> list[str]:
    """One record's fields (an empty list for a blank line)."""
    try:
        text = record.decode(encoding)
    except UnicodeDecodeError:
        raise FileUnreadable(_("The file mixes text encodings; save it as UTF-8 or GB18030.")) from None
    try:
        return next(csv.reader(io.StringIO(text, newline="")), [])
    except csv.Error as error:
        raise FileUnreadable(_("The CSV is malformed: %(error)s") % {"error": error}) from None


def csv_cells(number: int, record: bytes, table: Table) -> list[str | None]:
    """One record's cells, one per header column; refuses a record of more cells than the
    limit, or with a cell longer than it."""
    cells = csv_row(record, table.encoding)
    _check_cells(number, cells, table.limits)
    return fit(cells, len(table.header))


def _check_cells(number: int, cells: list[str], limits: FileLimits) -> None:
    if len(cells) > limits.columns:
        raise LimitExceeded(str(LimitMessages.COLUMNS) % {"row": number, "limit": limits.columns})
    if any(len(cell) > limits.cell_chars for cell in cells):
        raise LimitExceeded(str(LimitMessages.CELL) % {"row": number, "limit": limits.cell_chars})


def iterate_records(path: str, table: Table, *, skip: int = 0) -> Iterator[tuple[int, bytes]]:
    """(row number, raw record) for every record of a CSV after the header, past the first
    ``skip`` ones; a record that may hold a cell longer than the limit (it has more bytes)
    is parsed to see."""
    limits = table.limits
    with open(path, "rb") as binary:
        binary.seek(table.data_offset)
        records = _bounded_records(csv_records(binary, limit=record_limit(limits)), 2, limits)
        for number, (record, _end) in enumerate(records, start=2):
            if number - 2 >= skip:
                if len(record) > limits.cell_chars:
                    _check_cells(number, csv_row(record, table.encoding), limits)
                yield number, record


def iterate_text_rows(path: str, table: Table, *, skip: int = 0) -> Iterator[tuple[int, list[str | None]]]:
    """(row number, the row's cells as text, one per header column) for every record after
    the header — blank ones of a CSV too, so numbers are a spreadsheet's: the header is
    row 1. The first ``skip`` records are passed over unread (an import resuming)."""
    width = len(table.header)
    if table.encoding is not None:
        for number, record in iterate_records(path, table, skip=skip):
            yield number, csv_cells(number, record, table)
        return
    rows = _xlsx_rows(path, table.limits, width=width)
    next(rows, None)  # the header
    for index, (number, values) in enumerate(rows):
        if index >= skip:
            yield number, [cell_text(value) for value in values]


def fit(cells: list, width: int) -> list:
    """A record's cells, one per header column: missing ones None, extra ones dropped."""
    return (cells + [None] * (width - len(cells)))[:width]


def _xlsx_rows(path: str, limits: FileLimits, *, width: int) -> Iterator[tuple[int, list]]:
    from whitelist.workbooks import sheet_rows

    return sheet_rows(path, limits, width=width)


def cell_text(value) -> str | None:
    """A spreadsheet cell as the text a CSV would hold: whole numbers without ``.0``, dates
    (with or without a time) as ISO dates."""
    if value is None or value.__class__ is str:
        return value
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, datetime):
        return value.date().isoformat()
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


def is_blank(cells) -> bool:
    return not any(cell.strip() for cell in cells if cell is not None)


def row_values(cells: list[str | None], positions: dict[str, int]) -> dict[str, str | None]:
    return {column: cells[index] for column, index in positions.items()}


def count_rows(path: str, file_format: str) -> int | None:
    """About how many data rows the file has, for the progress bar, without parsing it: the
    lines of a CSV (a quoted field may span lines: the import corrects the total at its
    end) or the dimension an XLSX sheet declares."""
    if file_format == CSV:
        lines, last = 0, b"\n"
        with open(path, "rb") as binary:
            while block := binary.read(1 << 20):
                lines += block.count(b"\n")
                last = block[-1:]
        return max(0, lines + (last != b"\n") - 1)
    from whitelist.workbooks import declared_rows

    try:
        rows = declared_rows(path, FileLimits.from_settings())
    except FileUnreadable:  # a broken workbook fails properly when the import reads it
        return None
    return max(0, (rows or 1) - 1)


# --- checking one row -----------------------------------------------------------------------------


class CleanRow(NamedTuple):  # a tuple: a million of them are made per large import
    uscc: str
    name: str
    reason: str
    recommended_amount: Decimal | None
    valid_until: date | None


def _text(value) -> str:
    if value.__class__ is str:
        return value.strip()
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip()


def check_row(values: dict, *, today: date) -> tuple[CleanRow | None, list[tuple[str, str]]]:
    """A clean row, or the (field, message) errors that keep it out."""
    errors: list[tuple[str, str]] = []
    uscc = _text(values.get("uscc")).upper()
    if not uscc:
        errors.append(("uscc", _("The unified social credit code is missing.")))
    else:
        errors.extend(("uscc", message) for message in uscc_errors(uscc))
    name = _text(values.get("name"))
    if not name:
        errors.append(("name", _("The enterprise name is missing.")))
    elif len(name) > NAME_MAX:
        errors.append(
            ("name", _("The name has %(length)d characters; at most 200 are allowed.") % {"length": len(name)})
        )
    reason = _text(values.get("reason"))
    if len(reason) > REASON_MAX:
        errors.append(
            ("reason", _("The reason has %(length)d characters; at most 500 are allowed.") % {"length": len(reason)})
        )
    amount = _amount(values.get("recommended_amount"), errors)
    valid_until = _date(values.get("valid_until"), today, errors)
    if errors:
        return None, errors
    return CleanRow(uscc, name, reason, amount, valid_until), []


def _amount(value, errors) -> Decimal | None:
    if isinstance(value, (int, float, Decimal)) and not isinstance(value, bool):
        text = str(value)
    else:
        text = _text(value).replace(",", "").replace("，", "")
    if not text:
        return None
    try:
        amount = Decimal(text)
    except InvalidOperation:
        errors.append(
            ("recommended_amount", _("Expected an amount in yuan such as 500000.00, not %(value)r.") % {"value": text})
        )
        return None
    if not amount.is_finite() or amount <= 0 or amount > MAX_AMOUNT:
        errors.append(
            (
                "recommended_amount",
                _("The amount must be positive and below one trillion yuan, not %(value)s.") % {"value": text},
            )
        )
        return None
    if amount != amount.quantize(Decimal("0.01")):
        errors.append(
            ("recommended_amount", _("An amount has at most two decimals (fen), not %(value)s.") % {"value": text})
        )
        return None
    return amount.quantize(Decimal("0.01"))


def _iso_date(text: str) -> date | None:
    try:
        return date.fromisoformat(text) if len(text) == 10 else None
    except ValueError:
        return None


def _date(value, today: date, errors) -> date | None:
    if isinstance(value, datetime):
        day = value.date()
    elif isinstance(value, date):
        day = value
    else:
        text = _text(value)
        if not text:
            return None
        day = _iso_date(text)
        for pattern in () if day else ("%Y/%m/%d", "%Y.%m.%d"):
            try:
                day = datetime.strptime(text, pattern).date()
                break
            except ValueError:
                continue
        if day is None:
            errors.append(("valid_until", _("Expected a date such as 2027-06-30, not %(value)r.") % {"value": text}))
            return None
    if day < today:
        errors.append(
            (
                "valid_until",
                _("The date %(date)s has passed; a listing must still be valid.") % {"date": day.isoformat()},
            )
        )
        return None
    return day
