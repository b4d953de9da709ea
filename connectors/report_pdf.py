"""The enterprise's credit report as a PDF (fpdf2): its name and USCC, the summary
indicators, each category's records, when it was issued and its id, a QR code and the link of
the public verification page. Text is set in one TrueType font (HUB_REPORT_FONT) whose glyphs
used are embedded as a subset, so any PDF viewer shows the Chinese text without fonts of its
own. The signed content (``report.json``) and its signature (``report.jws``) ride along as
attachments, so a buyer can check a report handed to them with no access to the hub."""

from __future__ import annotations

import logging
from datetime import datetime
from pathlib import Path

import segno
from django.conf import settings
from django.core import checks
from django.utils import timezone
from django.utils.translation import gettext as _
from fpdf import FPDF
from fpdf.fonts import FontFace

from connectors import record_display
from hub.categories import CATEGORY_LABELS

# fontTools logs every table it prunes while subsetting the font, at INFO: noise in the hub's log.
logging.getLogger("fontTools").setLevel(logging.WARNING)

FONT_FAMILY = "report"
CONTENT_ATTACHMENT = "report.json"
SIGNATURE_ATTACHMENT = "report.jws"
MARGIN_MM = 15


class ReportFontMissing(Exception):
    """HUB_REPORT_FONT names no readable font file: no report can be made."""


def report_font_problem() -> str | None:
    """Why no report can be made with the configured font, or None."""
    path = Path(settings.HUB_REPORT_FONT)
    if not path.is_file():
        return f"HUB_REPORT_FONT={path} is not a file: install fonts-wqy-microhei or point it at a CJK TrueType font"
    return None


@checks.register()
def check_report_font(app_configs=None, **kwargs):
    """The hub refuses to start (manage.py check, migrate, runserver) without the report's font."""
    problem = report_font_problem()
    return [checks.Error(problem, id="connectors.E010")] if problem else []


def render_report_pdf(*, content: dict, content_json: bytes, signature: str) -> bytes:
    """The PDF of ``content`` (the canonical report, ``content_json`` its exact bytes), with
    both attached. Raises ReportFontMissing when the font cannot be had."""
    problem = report_font_problem()
    if problem:
        raise ReportFontMissing(problem)
    issued_at = datetime.fromisoformat(content["issued_at"])
    pdf = FPDF(format="A4")
    pdf.set_margins(MARGIN_MM, MARGIN_MM, MARGIN_MM)
    pdf.set_auto_page_break(auto=True, margin=MARGIN_MM)
    pdf.add_font(FONT_FAMILY, "", str(Path(settings.HUB_REPORT_FONT)), collection_font_number=0)
    pdf.set_title(_("Enterprise credit report"))
    pdf.set_subject(content["id"])
    pdf.set_author(_("Xinyidai Hub"))
    pdf.set_creator(_("Xinyidai Hub"))
    pdf.set_lang("zh-CN")
    # The document's and the attachments' dates are the issue time that is printed and signed.
    pdf.set_creation_date(issued_at)
    pdf.add_page()
    _header(pdf, content, issued_at)
    _summary(pdf, content["summary"])
    for category, section in content["categories"].items():
        _category(pdf, category, section)
    _verification_note(pdf, content)
    pdf.embed_file(
        basename=CONTENT_ATTACHMENT,
        bytes=content_json,
        desc=_("The signed content of this report (canonical JSON)"),
        mime_type="application/json",
        modification_date=issued_at,
    )
    pdf.embed_file(
        basename=SIGNATURE_ATTACHMENT,
        bytes=signature.encode("ascii"),
        desc=_("The hub's signature (compact JWS) over the SHA-256 of report.json"),
        mime_type="application/jose",
        modification_date=issued_at,
    )
    return bytes(pdf.output())


def _text(pdf: FPDF, text: str, *, size: float = 10, height: float = 6, gray: int = 0) -> None:
    pdf.set_font(FONT_FAMILY, size=size)
    pdf.set_text_color(gray)
    pdf.multi_cell(0, height, text, new_x="LMARGIN", new_y="NEXT")
    pdf.set_text_color(0)


def _header(pdf: FPDF, content: dict, issued_at: datetime) -> None:
    qr_size = 32
    top = pdf.get_y()
    _draw_qr(pdf, content["verification_url"], x=pdf.w - MARGIN_MM - qr_size, y=top, size=qr_size)
    pdf.set_right_margin(MARGIN_MM + qr_size + 4)
    _text(pdf, _("Enterprise credit report"), size=20, height=11)
    pdf.ln(2)
    enterprise = content["enterprise"]
    _text(pdf, enterprise["name"], size=14, height=8)
    _text(pdf, _("Unified social credit code: %(uscc)s") % {"uscc": enterprise["uscc"]}, size=11)
    _text(pdf, _("Issued at: %(at)s") % {"at": timezone.localtime(issued_at).strftime("%Y-%m-%d %H:%M:%S %z")})
    _text(pdf, _("Report id: %(id)s") % {"id": content["id"]}, size=9)
    pdf.set_right_margin(MARGIN_MM)
    pdf.set_y(max(pdf.get_y(), top + qr_size) + 4)


def _draw_qr(pdf: FPDF, url: str, *, x: float, y: float, size: float) -> None:
    """The QR code as filled squares: vector, sharp at any zoom, and no image to embed."""
    qr = segno.make(url, error="m", micro=False)
    rows = list(qr.matrix_iter(scale=1, border=2))
    module = size / len(rows)
    pdf.set_fill_color(0)
    for row_index, row in enumerate(rows):
        for column_index, dark in enumerate(row):
            if dark:
                pdf.rect(x + column_index * module, y + row_index * module, module, module, style="F")
    pdf.link(x, y, size, size, url)


def _section_title(pdf: FPDF, title: str) -> None:
    pdf.ln(3)
    _text(pdf, title, size=13, height=8)
    pdf.set_draw_color(180)
    pdf.line(MARGIN_MM, pdf.get_y(), pdf.w - MARGIN_MM, pdf.get_y())
    pdf.ln(2)


def _summary(pdf: FPDF, summary: dict) -> None:
    _section_title(pdf, _("Summary indicators"))
    pdf.set_font(FONT_FAMILY, size=10)
    heading = FontFace(fill_color=(235, 240, 248))
    with pdf.table(col_widths=(3, 2), headings_style=heading, line_height=6, text_align="LEFT") as table:
        table.row([_("Indicator"), _("Value")])
        for key, label in record_display.SUMMARY_LABELS.items():
            if key in summary:
                basis = summary.get("basis", {}).get(key, "records")
                table.row([str(label), record_display.summary_value(key, summary[key], basis)])


def _category(pdf: FPDF, category: str, section: dict) -> None:
    _section_title(pdf, str(CATEGORY_LABELS.get(category, category)))
    records = section["records"]
    if not records:
        _text(pdf, _("No records."), size=9, gray=110)
        return
    columns = record_display.columns(category)
    pdf.set_font(FONT_FAMILY, size=8 if len(columns) > 5 else 9)
    heading = FontFace(fill_color=(235, 240, 248))
    with pdf.table(headings_style=heading, line_height=5, text_align="LEFT") as table:
        table.row([str(label) for _field, label in columns] + [_("Source")])
        for record in records:
            table.row(record_display.cells(category, record["data"]) + [record["connector"]])


def _verification_note(pdf: FPDF, content: dict) -> None:
    _section_title(pdf, _("Verifying this report"))
    _text(
        pdf,
        _(
            "Scan the QR code or open %(url)s to see whether this report is authentic and not withdrawn. "
            "The file carries its content (report.json) and the hub's signature over it (report.jws), "
            "which anyone can check against the hub's public keys at %(keys)s."
        )
        % {"url": content["verification_url"], "keys": f"{settings.HUB_PUBLIC_URL}/api/v1/hub/keys/"},
        size=9,
        height=5,
        gray=60,
    )
