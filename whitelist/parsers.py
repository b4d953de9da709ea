"""Reading whitelist files, streamed row by row: CSV (UTF-8 with or without BOM, or
GB18030) and XLSX, with the header ``uscc,name,reason,recommended_amount,valid_until``,
and checking each row, with messages that say what is wrong."""

from __future__ import annotations

import codecs
import csv
import io
from collections.abc import Iterator
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import NamedTuple

from django.utils.translation import gettext as _

from hub.identifiers import uscc_errors

COLUMNS = ("uscc", "name", "reason", "recommended_amount", "valid_until")
REQUIRED_COLUMNS = ("uscc", "name")
CSV, XLSX = "csv", "xlsx"
_SNIFF_BYTES = 64 * 1024
MAX_AMOUNT = Decimal("999999999999.99")


class UnsupportedFile(Exception):
    """Not a CSV or XLSX file (415)."""


class FileUnreadable(Exception):
    """A file whose structure cannot be used (a missing header column, bytes that are no
    text): the import fails with this message."""


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


def _header_map(header: list) -> dict[str, int]:
    positions = {}
    for index, title in enumerate(header):
        key = str(title or "").strip().lstrip("\ufeff").lower()
        if key in COLUMNS and key not in positions:
            positions[key] = index
    missing = [column for column in REQUIRED_COLUMNS if column not in positions]
    if missing:
        raise FileUnreadable(
            _("The header row must name the columns %(columns)s; missing: %(missing)s.")
            % {"columns": ",".join(COLUMNS), "missing": ", ".join(missing)}
        )
    return positions


def iterate_rows(path: str, file_format: str) -> Iterator[tuple[int, dict]]:
    """Yield (row number, values by column) for each data row; the header is row 1, as a
    spreadsheet numbers it. Blank rows are skipped."""
    rows = _csv_rows(path) if file_format == CSV else _xlsx_rows(path)
    try:
        header = next(rows)
    except StopIteration:
        raise FileUnreadable(_("The file is empty.")) from None
    positions = _header_map(header)
    for number, raw in enumerate(rows, start=2):
        if not any(str(value).strip() for value in raw if value is not None):
            continue
        yield number, {column: (raw[index] if index < len(raw) else None) for column, index in positions.items()}


def _csv_rows(path: str) -> Iterator[list]:
    with open(path, "rb") as binary:
        encoding = csv_encoding(binary.read(_SNIFF_BYTES))
        binary.seek(0)
        text = io.TextIOWrapper(binary, encoding=encoding, newline="")
        try:
            yield from csv.reader(text)
        except UnicodeDecodeError:
            raise FileUnreadable(_("The file mixes text encodings; save it as UTF-8 or GB18030.")) from None
        except csv.Error as error:
            raise FileUnreadable(_("The CSV is malformed: %(error)s") % {"error": error}) from None


def _xlsx_rows(path: str) -> Iterator[list]:
    from openpyxl import load_workbook

    try:
        workbook = load_workbook(path, read_only=True, data_only=True)
    except Exception as error:  # openpyxl raises many types for broken archives
        raise FileUnreadable(
            _("The workbook cannot be opened: %(error)s") % {"error": error.__class__.__name__}
        ) from None
    try:
        for values in workbook.worksheets[0].iter_rows(values_only=True):
            yield list(values)
    finally:
        workbook.close()


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
    from openpyxl import load_workbook

    try:
        workbook = load_workbook(path, read_only=True)
        rows = workbook.worksheets[0].max_row
        workbook.close()
    except Exception:  # a broken workbook fails properly when the import reads it
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
    elif len(name) > 200:
        errors.append(
            ("name", _("The name has %(length)d characters; at most 200 are allowed.") % {"length": len(name)})
        )
    reason = _text(values.get("reason"))
    if len(reason) > 500:
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
