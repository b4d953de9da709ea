"""Downloads of tabular results: CSV (UTF-8 with a BOM, so spreadsheet programs read the
Chinese) or XLSX."""

from __future__ import annotations

import csv
import io

from django.http import HttpResponse
from openpyxl import Workbook

# A cell a spreadsheet would run as a formula (CSV/formula injection): "=cmd|' /C calc'!A0".
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def spreadsheet_safe(value):
    """Text that would start a formula, prefixed with an apostrophe so it stays text; numbers
    and everything else as they are."""
    if isinstance(value, str) and value.startswith(_FORMULA_STARTS):
        return "'" + value
    return value


def spreadsheet_safe_row(values) -> list:
    return [spreadsheet_safe(value) for value in values]


def export_response(
    rows: list[dict], *, filename: str, file_format: str, columns: list[str] | None = None, sheet_name: str = "stats"
) -> HttpResponse:
    """Rows as CSV (UTF-8 with BOM, so spreadsheet programs read the Chinese) or XLSX; the
    header is ``columns``, or the first row's keys."""
    columns = columns or (list(rows[0]) if rows else ["key"])
    if file_format == "xlsx":
        workbook = Workbook(write_only=True)
        sheet = workbook.create_sheet(sheet_name)
        sheet.append(spreadsheet_safe_row(columns))
        for row in rows:
            sheet.append(spreadsheet_safe_row(row[column] for column in columns))
        buffer = io.BytesIO()
        workbook.save(buffer)
        response = HttpResponse(
            buffer.getvalue(), content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
        )
    else:
        text = io.StringIO()
        writer = csv.writer(text)
        writer.writerow(spreadsheet_safe_row(columns))
        writer.writerows(spreadsheet_safe_row(row[column] for column in columns) for row in rows)
        response = HttpResponse("\ufeff" + text.getvalue(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}.{file_format}"'
    return response
