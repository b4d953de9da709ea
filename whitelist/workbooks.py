"""Reading XLSX workbooks within bounds, so that a small file that expands without end — a
zip bomb: one cell of a gigabyte, millions of rows, a sheet of many gigabytes, a shared
strings table of millions of texts — costs neither the worker's memory nor hours.

- Before anything is parsed, the archive's central directory is read (``archive_check``,
  at upload and again in the worker): how many parts, their expanded sizes together, each
  part's compression ratio. Python's zipfile never expands a part beyond the size the
  directory declares (a part that lies fails its CRC), so the declared sizes bound what can
  be read at all.
- Every part is read through a guard (``_GuardedPart``) that refuses a text or a tag longer
  than a cell may be — the XML parser would hold it whole — before it is held, and a
  document type declaration (no workbook has one; it is how entities expand). A part that
  openpyxl reads whole (the workbook, its relationships, its styles) may expand to at most
  ``WHOLE_PART_MAX_BYTES``.
- The shared strings table and the rows are read by loops of our own around openpyxl's
  parsers, which count texts, rows and cells against the limits and drop each element once
  read (openpyxl's read-only loop keeps an empty element per row: about 90 MB a million
  rows). Only the first worksheet's ``sheetData`` is read.
"""

from __future__ import annotations

import io
import struct
import zipfile
from collections.abc import Iterator
from typing import NamedTuple

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from openpyxl.reader.excel import ExcelReader
from openpyxl.styles.stylesheet import apply_stylesheet
from openpyxl.utils.cell import range_boundaries
from openpyxl.worksheet._reader import WorkSheetParser
from openpyxl.xml.constants import SHARED_STRINGS
from openpyxl.xml.functions import iterparse

from whitelist.parsers import FileLimits, FileUnreadable, LimitExceeded, LimitMessages

#: A workbook has a few dozen parts; an archive of more is no workbook.
MAX_PARTS = 1000
#: A central directory of a thousand parts takes some hundred kilobytes.
MAX_DIRECTORY_BYTES = 2**20
#: The compression ratio of a part this small tells nothing (a few kilobytes of XML
#: compress well); above it a ratio beyond the limit marks a bomb.
RATIO_FROM_BYTES = 2**20
#: Parts openpyxl reads whole and parses into a tree (workbook, relationships, styles,
#: content types): a real one takes kilobytes, a heavily formatted stylesheet a few MB.
WHOLE_PART_MAX_BYTES = 16 * 2**20
#: In XML a character takes at most 10 bytes (``&#1114111;``): a cell of ``cell_chars``
#: characters fits in a text of ten times as many bytes.
XML_BYTES_PER_CHAR = 10
#: Elements of a sheet outside its rows (columns, views, merged cells …) read before the
#: rows end: a real sheet has a few hundred.
MAX_OTHER_ELEMENTS = 100_000
#: Elements one cell is made of in the most (a value, an inline or rich text's runs).
ELEMENTS_PER_CELL = 16

_MAIN = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
_SHEET_DATA, _ROW, _CELL = f"{_MAIN}sheetData", f"{_MAIN}row", f"{_MAIN}c"
_STRING_ITEM, _TEXT, _RUN = f"{_MAIN}si", f"{_MAIN}t", f"{_MAIN}r"
_END_OF_DIRECTORY, _ZIP64_LOCATOR, _ZIP64_END = b"PK\x05\x06", b"PK\x06\x07", b"PK\x06\x06"


class Messages:
    UNREADABLE = gettext_lazy("The workbook cannot be opened: %(error)s")
    PARTS = gettext_lazy("The workbook has more than %(limit)d parts; at most %(limit)d are read.")
    EXPANDED = gettext_lazy("The workbook expands to %(size)d MB; at most %(limit)d MB are read.")
    RATIO = gettext_lazy(
        "A part of the workbook (%(part)s) is compressed %(ratio)d to 1; at most %(limit)d to 1 is read."
    )
    WHOLE_PART = gettext_lazy(
        "A part of the workbook (%(part)s) expands to %(size)d MB; at most %(limit)d MB are read."
    )
    TEXT = gettext_lazy("The workbook holds a text longer than %(limit)d characters; a cell holds at most %(limit)d.")
    DOCTYPE = gettext_lazy("The workbook declares a document type, which no workbook does.")
    STRINGS = gettext_lazy(
        "The workbook's shared strings table holds more than %(limit)d texts; at most %(limit)d are read."
    )
    OTHER_ELEMENTS = gettext_lazy("The worksheet holds more than %(limit)d elements besides its rows.")


def _unreadable(error: BaseException | str) -> FileUnreadable:
    name = error if isinstance(error, str) else error.__class__.__name__
    return FileUnreadable(_(Messages.UNREADABLE) % {"error": name})


def _mb(size: int) -> int:
    return -(-size // 2**20)  # rounded up: 1 byte above the limit must not read as the limit


# --- before parsing: the central directory ----------------------------------------------------------


def archive_check(file, limits: FileLimits) -> None:
    """Check an XLSX's central directory against the limits before any part is expanded.
    ``file`` is a path or a seekable binary file (left at its start).

    Raises LimitExceeded (too many parts, expands too far, a part compressed too well) or
    FileUnreadable (no ZIP archive).
    """
    if isinstance(file, (str, bytes)) or hasattr(file, "__fspath__"):
        with open(file, "rb") as binary:
            return archive_check(binary, limits)
    try:
        _check_directory(file)
        file.seek(0)
        with zipfile.ZipFile(file) as archive:
            parts = archive.infolist()
    except (zipfile.BadZipFile, zipfile.LargeZipFile, EOFError, OSError, ValueError, struct.error) as error:
        raise _unreadable(error) from None
    finally:
        file.seek(0)
    if len(parts) > MAX_PARTS:
        raise LimitExceeded(_(Messages.PARTS) % {"limit": MAX_PARTS})
    expanded = sum(part.file_size for part in parts)
    if expanded > limits.expanded_bytes:
        raise LimitExceeded(_(Messages.EXPANDED) % {"size": _mb(expanded), "limit": limits.expanded_bytes // 2**20})
    for part in parts:
        if part.file_size > RATIO_FROM_BYTES and part.file_size > limits.compression_ratio * max(1, part.compress_size):
            ratio = part.file_size // max(1, part.compress_size)
            raise LimitExceeded(
                _(Messages.RATIO) % {"part": part.filename[:100], "ratio": ratio, "limit": limits.compression_ratio}
            )


def _check_directory(file) -> None:
    """The end of central directory record's part count and directory size, read before
    zipfile reads the directory (it holds all of it, and one entry per part, in memory)."""
    file.seek(0, io.SEEK_END)
    end = file.tell()
    start = max(0, end - (22 + 0xFFFF))  # the record, and a comment of at most 64 KB
    file.seek(start)
    tail = file.read()
    at = tail.rfind(_END_OF_DIRECTORY)
    if at < 0 or len(tail) - at < 22:
        raise zipfile.BadZipFile("no end of central directory")
    *_, entries, size, _offset, _comment = struct.unpack("<4s4H2LH", tail[at : at + 22])
    if (entries == 0xFFFF or size == 0xFFFFFFFF) and at >= 20 and tail[at - 20 : at - 16] == _ZIP64_LOCATOR:
        _signature, _disk, record_at, _disks = struct.unpack("<4sLQL", tail[at - 20 : at])
        file.seek(record_at)
        record = file.read(56)
        if len(record) < 56 or record[:4] != _ZIP64_END:
            raise zipfile.BadZipFile("no ZIP64 end of central directory")
        *_, entries, size, _offset = struct.unpack("<4sQ2H2L4Q", record)
    if entries > MAX_PARTS or size > MAX_DIRECTORY_BYTES:
        raise LimitExceeded(_(Messages.PARTS) % {"limit": MAX_PARTS})


# --- while parsing: every part through a guard ------------------------------------------------------


class _GuardedPart(io.RawIOBase):
    """A part of the archive as the XML parser reads it, refusing what would make the parser
    hold too much.

    A text (or a tag) of more than ``2 × block`` bytes is refused, one of less than
    ``block`` never: every aligned block of ``block`` bytes must hold a ``<``, which a
    run of ``2 × block`` bytes without one cannot avoid wholly covering. The test is a
    ``find`` per block, in C."""

    def __init__(self, member, name: str, size: int, limits: FileLimits):
        super().__init__()
        self._member, self._name, self._size, self._limits = member, name, size, limits
        self._block = limits.cell_chars * XML_BYTES_PER_CHAR
        self._filled = 0  # bytes of the current block read
        self._seen_tag = False  # a "<" in the current block
        self._tail = b""  # the last bytes read, for a declaration split between two reads

    def readable(self) -> bool:
        return True

    def read(self, size: int = -1) -> bytes:
        if size is None or size < 0:
            return self.readall()
        data = self._member.read(size)
        self._scan(data)
        return data

    def readall(self) -> bytes:
        """A part read whole (openpyxl parses it into a tree): only a small one."""
        if self._size > WHOLE_PART_MAX_BYTES:
            raise LimitExceeded(
                _(Messages.WHOLE_PART)
                % {"part": self._name[:100], "size": _mb(self._size), "limit": WHOLE_PART_MAX_BYTES // 2**20}
            )
        chunks = []
        while chunk := self.read(2**16):
            chunks.append(chunk)
        return b"".join(chunks)

    def readinto(self, buffer) -> int:
        data = self.read(len(buffer))
        buffer[: len(data)] = data
        return len(data)

    def close(self) -> None:
        self._member.close()
        super().close()

    def _scan(self, data: bytes) -> None:
        joined = self._tail + data[:16]
        if b"<!DOCTYPE" in joined or b"<!DOCTYPE" in data or b"<!ENTITY" in data:
            raise LimitExceeded(_(Messages.DOCTYPE))
        self._tail = data[-8:]
        position, length = 0, len(data)
        while position < length:
            take = min(length - position, self._block - self._filled)
            if not self._seen_tag and data.find(b"<", position, position + take) >= 0:
                self._seen_tag = True
            self._filled += take
            position += take
            if self._filled == self._block:
                if not self._seen_tag:
                    raise LimitExceeded(_(Messages.TEXT) % {"limit": self._limits.cell_chars})
                self._filled, self._seen_tag = 0, False


class _GuardedArchive(zipfile.ZipFile):
    """The workbook's archive, every part of which is read through a guard."""

    def __init__(self, path: str, limits: FileLimits):
        super().__init__(path)
        self.limits = limits

    def open(self, name, mode="r", pwd=None, *, force_zip64=False):
        if mode != "r":
            raise ValueError("a guarded archive is read only")
        info = name if isinstance(name, zipfile.ZipInfo) else self.getinfo(name)
        return io.BufferedReader(
            _GuardedPart(super().open(info, mode, pwd), info.filename, info.file_size, self.limits), 2**16
        )


# --- the workbook -----------------------------------------------------------------------------------


class _Sheet(NamedTuple):
    archive: _GuardedArchive
    path: str
    shared_strings: list
    workbook: object  # openpyxl's Workbook: its epoch and date formats tell dates from numbers


class _BoundedReader(ExcelReader):
    """openpyxl's reader of a workbook's parts on the guarded archive, reading only what
    the rows need; the shared strings go through ``_shared_strings``."""

    def __init__(self, path: str, limits: FileLimits):  # not ExcelReader's: it opens its own archive
        self.archive = _GuardedArchive(path, limits)
        self.limits = limits
        self.valid_files = self.archive.namelist()
        self.read_only, self.keep_vba, self.data_only = True, False, True
        self.keep_links, self.rich_text, self.shared_strings = False, False, []

    def read_strings(self):
        part = self.package.find(SHARED_STRINGS)
        if part is not None:
            with self.archive.open(part.PartName[1:]) as source:
                self.shared_strings = _shared_strings(source, self.limits)


def _open(path: str, limits: FileLimits) -> _Sheet:
    """The first worksheet of a checked archive, with what reading its cells needs."""
    archive_check(path, limits)
    reader = _BoundedReader(path, limits)
    try:
        reader.read_manifest()
        reader.read_strings()
        reader.read_workbook()
        apply_stylesheet(reader.archive, reader.wb)
        sheets = [
            rel.target
            for _sheet, rel in reader.parser.find_sheets()
            if rel.target in reader.valid_files and "chartsheet" not in rel.Type
        ]
        if not sheets:
            raise _unreadable("no worksheet")
    except FileUnreadable:
        reader.archive.close()
        raise
    except Exception as error:  # openpyxl raises many types for broken archives
        reader.archive.close()
        raise _unreadable(error) from None
    return _Sheet(reader.archive, sheets[0], reader.shared_strings, reader.wb)


def _shared_strings(source, limits: FileLimits) -> list[str]:
    """The texts of the shared strings table, each dropped from the tree once read; more
    than the rows could use (five columns each), or one too long, refuse the file."""

    most = limits.rows * 5
    strings: list[str] = []
    root = None
    for event, element in iterparse(source, events=("start", "end")):
        if event == "start":
            root = element if root is None else root
        elif element.tag == _STRING_ITEM:
            # What openpyxl's Text.content reads — the plain text, then the rich text's
            # runs; phonetic guides are left out — without its objects (ten times faster).
            text = "".join(
                (child.text or "") if child.tag == _TEXT else (child.findtext(_TEXT) or "")
                for child in element
                if child.tag in (_TEXT, _RUN)
            ).replace("x005F_", "")
            if len(text) > limits.cell_chars:
                raise LimitExceeded(_(Messages.TEXT) % {"limit": limits.cell_chars})
            strings.append(text)
            if len(strings) > most:
                raise LimitExceeded(_(Messages.STRINGS) % {"limit": most})
            root.clear()
    return strings


def sheet_rows(path: str, limits: FileLimits, *, width: int) -> Iterator[tuple[int, list]]:
    """(row number, its first ``width`` values) for every row the first worksheet holds,
    in order (a row repeated or out of order is skipped, as spreadsheet programs do).

    Raises LimitExceeded at the first row past ``limits.rows`` (below the header), with
    more than ``limits.columns`` cells, or with a text longer than ``limits.cell_chars``;
    FileUnreadable for a broken workbook.
    """

    sheet = _open(path, limits)
    try:
        with sheet.archive.open(sheet.path) as source:
            parser = WorkSheetParser(
                source,
                sheet.shared_strings,
                data_only=True,
                epoch=sheet.workbook.epoch,
                date_formats=sheet.workbook._date_formats,
                timedelta_formats=sheet.workbook._timedelta_formats,
            )
            yield from _rows(iterparse(source, events=("start", "end")), parser, limits, width)
    except FileUnreadable:
        raise
    except Exception as error:  # a broken sheet: bad XML, a cell that is no number …
        raise _unreadable(error) from None
    finally:
        sheet.archive.close()


def _rows(events, parser, limits: FileLimits, width: int) -> Iterator[tuple[int, list]]:
    parent = None  # the element the rows hang in (sheetData): emptied after each row
    in_row, cells, elements, others, last, current = False, 0, 0, 0, 0, 0
    for event, element in events:
        tag = element.tag
        if event == "start":
            if tag == _ROW:
                in_row, cells, elements = True, 0, 0
                current = element.get("r") or ""
                current = int(current) if current.isdigit() else parser.row_counter + 1
            elif tag == _SHEET_DATA:
                parent = element
            continue
        if tag == _ROW:
            number, values = _row(parser, element, limits, width)
            in_row = False
            element.clear()
            if parent is not None:
                parent.clear()
            parser.row_dimensions.clear()  # openpyxl keeps each row's height and style here
            if number <= last:
                continue
            last = number
            yield number, values
        elif in_row:
            elements += 1
            cells += tag == _CELL
            if cells > limits.columns or elements > limits.columns * ELEMENTS_PER_CELL:
                raise LimitExceeded(str(LimitMessages.COLUMNS) % {"row": current, "limit": limits.columns})
        elif tag == _SHEET_DATA:
            return  # what follows the rows (merged cells, formatting …) is not needed
        else:
            others += 1
            if others > MAX_OTHER_ELEMENTS:
                raise LimitExceeded(_(Messages.OTHER_ELEMENTS) % {"limit": MAX_OTHER_ELEMENTS})


def _row(parser, element, limits: FileLimits, width: int) -> tuple[int, list]:
    number, cells = parser.parse_row(element)
    if number - 1 > limits.rows:
        raise LimitExceeded(str(LimitMessages.ROWS) % {"limit": limits.rows})
    values = [None] * width
    for cell in cells:
        value = cell["value"]
        if value.__class__ is str and len(value) > limits.cell_chars:
            raise LimitExceeded(str(LimitMessages.CELL) % {"row": number, "limit": limits.cell_chars})
        column = cell["column"]
        if 0 < column <= width:
            values[column - 1] = value
    return number, values


def declared_rows(path: str, limits: FileLimits) -> int | None:
    """The rows the first worksheet's dimension declares (the header included), read from
    the sheet's start without reading its rows; None when it declares none."""

    sheet = _open(path, limits)
    try:
        with sheet.archive.open(sheet.path) as source:
            for count, (_event, element) in enumerate(iterparse(source, events=("start",))):
                if element.tag == f"{_MAIN}dimension":
                    return range_boundaries(element.get("ref", ""))[3]
                if element.tag == _SHEET_DATA or count > MAX_OTHER_ELEMENTS:
                    return None
    finally:
        sheet.archive.close()
    return None
