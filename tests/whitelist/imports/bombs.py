"""Spreadsheet bombs, built in the tests: small files that expand to gigabytes.

A workbook is written member by member with its own small ZIP writer, so a part may be a
deflate stream of many gigabytes that is never held expanded, not even while it is made:
one block is compressed once, with a full flush (which makes the next block independent of
it), and the same compressed bytes are repeated. The CRC of a part of gigabytes is not
computed (it would mean expanding it): a reader that stops at a limit never gets to check it.
"""

from __future__ import annotations

import struct
import zlib
from collections.abc import Iterable
from pathlib import Path

MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
RELATIONSHIPS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
PACKAGE_RELATIONSHIPS = "http://schemas.openxmlformats.org/package/2006/relationships"
SHEET_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"
STRINGS_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"


def _content_types(shared_strings: bool) -> bytes:
    strings = f'<Override PartName="/xl/sharedStrings.xml" ContentType="{STRINGS_TYPE}"/>' if shared_strings else ""
    return (
        '<?xml version="1.0" encoding="UTF-8"?>'
        '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
        f'<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
        '<Default Extension="xml" ContentType="application/xml"/>'
        '<Override PartName="/xl/workbook.xml" '
        'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
        f'<Override PartName="/xl/worksheets/sheet1.xml" ContentType="{SHEET_TYPE}"/>{strings}</Types>'
    ).encode()


def _workbook_parts(shared_strings: bool) -> list[tuple[str, bytes]]:
    strings = (
        f'<Relationship Id="rId2" Type="{RELATIONSHIPS}/sharedStrings" Target="sharedStrings.xml"/>'
        if shared_strings
        else ""
    )
    return [
        ("[Content_Types].xml", _content_types(shared_strings)),
        (
            "_rels/.rels",
            f'<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="{PACKAGE_RELATIONSHIPS}">'
            f'<Relationship Id="rId1" Type="{RELATIONSHIPS}/officeDocument" Target="xl/workbook.xml"/>'
            "</Relationships>".encode(),
        ),
        (
            "xl/workbook.xml",
            f'<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="{MAIN}" xmlns:r="{RELATIONSHIPS}">'
            '<sheets><sheet name="Sheet1" sheetId="1" r:id="rId1"/></sheets></workbook>'.encode(),
        ),
        (
            "xl/_rels/workbook.xml.rels",
            f'<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="{PACKAGE_RELATIONSHIPS}">'
            f'<Relationship Id="rId1" Type="{RELATIONSHIPS}/worksheet" Target="worksheets/sheet1.xml"/>'
            f"{strings}</Relationships>".encode(),
        ),
    ]


HEADER_ROW = (
    '<row r="1"><c r="A1" t="inlineStr"><is><t>uscc</t></is></c><c r="B1" t="inlineStr"><is><t>name</t></is></c></row>'
)
SHEET_START = f'<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="{MAIN}"><sheetData>{HEADER_ROW}'.encode()
SHEET_END = b"</sheetData></worksheet>"


_CRC_BYTES = 256 * 2**20


class Part:
    """A member of the archive: its deflate stream, expanded size and CRC."""

    def __init__(self, name: str, compressed: bytes, size: int, crc: int):
        self.name, self.compressed, self.size, self.crc = name, compressed, size, crc

    @classmethod
    def of(cls, name: str, content: bytes) -> Part:
        compressor = zlib.compressobj(9, zlib.DEFLATED, -15)
        return cls(name, compressor.compress(content) + compressor.flush(), len(content), zlib.crc32(content))

    @classmethod
    def repeated(cls, name: str, start: bytes, block: bytes, count: int, end: bytes) -> Part:
        """``start``, then ``block`` ``count`` times, then ``end``, compressed without ever
        holding more than one block expanded."""
        compressor = zlib.compressobj(9, zlib.DEFLATED, -15)
        head = compressor.compress(start) + compressor.flush(zlib.Z_FULL_FLUSH)
        once = compressor.compress(block) + compressor.flush(zlib.Z_FULL_FLUSH)
        again = compressor.compress(block) + compressor.flush(zlib.Z_FULL_FLUSH)
        assert once == again, "a block after a full flush compresses the same every time"
        tail = compressor.compress(end) + compressor.flush()
        compressed = head + once * count + tail
        crc = 0
        if len(block) * count <= _CRC_BYTES:  # small enough to check whole, as a real file is
            crc = zlib.crc32(start)
            for _ in range(count):
                crc = zlib.crc32(block, crc)
            crc = zlib.crc32(end, crc)
        return cls(name, compressed, len(start) + len(block) * count + len(end), crc)


def write_zip(path: Path, parts: Iterable[Part]) -> Path:
    """A ZIP archive of deflated parts, with ZIP64 sizes (a part may pass 4 GB)."""
    central = []
    with path.open("wb") as archive:
        for part in parts:
            offset = archive.tell()
            name = part.name.encode()
            extra = struct.pack("<HHQQ", 1, 16, part.size, len(part.compressed))
            archive.write(
                struct.pack(
                    "<IHHHHHIIIHH", 0x04034B50, 45, 0, 8, 0, 0x21, part.crc, 2**32 - 1, 2**32 - 1, len(name), len(extra)
                )
            )
            archive.write(name + extra)
            archive.write(part.compressed)
            central.append(
                struct.pack(
                    "<IHHHHHHIIIHHHHHII",
                    0x02014B50,
                    45,
                    45,
                    0,
                    8,
                    0,
                    0x21,
                    part.crc,
                    2**32 - 1,
                    2**32 - 1,
                    len(name),
                    len(extra),
                    0,
                    0,
                    0,
                    0,
                    offset,
                )
                + name
                + extra
            )
        start = archive.tell()
        directory = b"".join(central)
        archive.write(directory)
        archive.write(struct.pack("<IHHHHIIH", 0x06054B50, 0, 0, len(central), len(central), len(directory), start, 0))
    return path


def workbook(path: Path, sheet: Part, shared_strings: Part | None = None) -> Path:
    """A workbook of one sheet (and a shared strings table, if given)."""
    parts = [Part.of(name, content) for name, content in _workbook_parts(shared_strings is not None)]
    parts.append(sheet)
    if shared_strings is not None:
        parts.append(shared_strings)
    return write_zip(path, parts)


def sheet_of_rows(rows: bytes, count: int, *, start: bytes = SHEET_START) -> Part:
    """A sheet whose data is ``rows`` repeated ``count`` times."""
    return Part.repeated("xl/worksheets/sheet1.xml", start, rows, count, SHEET_END)


def huge_cell_sheet(megabytes: int) -> Part:
    """A sheet with one inline text cell of ``megabytes`` MB of the letter a."""
    start = SHEET_START + b'<row r="2"><c r="A2" t="inlineStr"><is><t>'
    end = b"</t></is></c></row>" + SHEET_END
    return Part.repeated("xl/worksheets/sheet1.xml", start, b"a" * 2**20, megabytes, end)


def huge_shared_string(megabytes: int) -> Part:
    """A shared strings table whose first text is ``megabytes`` MB of the letter a."""
    start = f'<?xml version="1.0" encoding="UTF-8"?><sst xmlns="{MAIN}"><si><t>'.encode()
    return Part.repeated("xl/sharedStrings.xml", start, b"a" * 2**20, megabytes, b"</t></si></sst>")


def many_shared_strings(count_in_millions: int) -> Part:
    """A shared strings table of millions of one-letter texts."""
    start = f'<?xml version="1.0" encoding="UTF-8"?><sst xmlns="{MAIN}">'.encode()
    return Part.repeated("xl/sharedStrings.xml", start, b"<si><t>a</t></si>" * 10**6, count_in_millions, b"</sst>")
