"""Exports never hand a spreadsheet a formula: text that starts like one stays text."""

import csv
import io

from openpyxl import load_workbook

from hub.api.exports import export_response, spreadsheet_safe

ATTACK = "=cmd|' /C calc'!A0"


def test_formula_leading_text_is_escaped_and_numbers_are_not():
    assert spreadsheet_safe(ATTACK) == "'" + ATTACK
    assert spreadsheet_safe("@SUM(A1)") == "'@SUM(A1)"
    assert spreadsheet_safe(-5) == -5 and spreadsheet_safe("郑州") == "郑州"


def test_csv_and_xlsx_exports_escape_every_cell():
    rows = [{"key": ATTACK, "applications": 3}]

    text = export_response(rows, filename="x", file_format="csv").content.decode("utf-8-sig")
    workbook = load_workbook(io.BytesIO(export_response(rows, filename="x", file_format="xlsx").content))

    assert list(csv.reader(io.StringIO(text)))[1] == ["'" + ATTACK, "3"]
    assert [cell.value for cell in next(workbook.active.iter_rows(min_row=2))] == ["'" + ATTACK, 3]
