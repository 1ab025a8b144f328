"""PDF with reportlab: a title, the report's table (amounts right-aligned, totals in bold), the
lines under it; on every page the community's name and the period at the top and "Page 2 of 3"
at the bottom, in the reader's language.

The font is DejaVu Sans, which matplotlib ships: the PDF core fonts have no Cyrillic, and our
owners' names mostly are."""

from __future__ import annotations

import io
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import matplotlib
from reportlab.lib import colors  # type: ignore[import-untyped]
from reportlab.lib.pagesizes import A4, landscape  # type: ignore[import-untyped]
from reportlab.lib.styles import ParagraphStyle  # type: ignore[import-untyped]
from reportlab.pdfbase import pdfmetrics  # type: ignore[import-untyped]
from reportlab.pdfbase.ttfonts import TTFont  # type: ignore[import-untyped]
from reportlab.pdfgen.canvas import Canvas  # type: ignore[import-untyped]
from reportlab.platypus import (  # type: ignore[import-untyped]
    Flowable,
    Paragraph,
    SimpleDocTemplate,
    Spacer,
    Table,
    TableStyle,
)

from reporting.exports.tables import Report
from reporting.exports.words import word

_FONTS = Path(matplotlib.get_data_path()) / "fonts" / "ttf"
FONT, BOLD = "DejaVuSans", "DejaVuSans-Bold"
PAGE = landscape(A4)
MARGIN = 36.0
SIZE = 9
PADDING = 16.0  # a cell's left and right padding (reportlab's default: 6 each) and a little air


def _register_fonts() -> None:
    if FONT not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(TTFont(FONT, str(_FONTS / "DejaVuSans.ttf")))
        pdfmetrics.registerFont(TTFont(BOLD, str(_FONTS / "DejaVuSans-Bold.ttf")))


def _escape(text: str) -> str:
    # Paragraph reads a little markup; a name with "<" or "&" must print as written.
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _page_canvas(report: Report) -> type[Canvas]:
    """A canvas that knows how many pages there are: each page is kept until the end, then drawn
    with its header and footer ("Page 2 of 3")."""

    class PagedCanvas(Canvas):  # type: ignore[misc]
        def __init__(self, *args: Any, **kwargs: Any) -> None:
            super().__init__(*args, **kwargs)
            self._pages: list[dict[str, Any]] = []

        def showPage(self) -> None:
            self._pages.append(dict(self.__dict__))
            self._startPage()

        def save(self) -> None:
            for state in self._pages:
                self.__dict__.update(state)
                self._decorate(len(self._pages))
                super().showPage()
            super().save()

        def _decorate(self, pages: int) -> None:
            width, height = PAGE
            self.saveState()
            self.setFont(FONT, 8)
            self.setFillColor(colors.HexColor("#444444"))
            top = height - MARGIN / 2 - 4
            self.drawString(MARGIN, top, report.community)
            self.drawRightString(width - MARGIN, top, report.period)
            self.setStrokeColor(colors.HexColor("#bbbbbb"))
            self.line(MARGIN, top - 4, width - MARGIN, top - 4)
            number = word("page", report.lang, page=self._pageNumber, pages=pages)
            self.drawString(MARGIN, MARGIN / 2, report.title)
            self.drawRightString(width - MARGIN, MARGIN / 2, number)
            self.restoreState()

    return PagedCanvas


def _table(report: Report) -> Table:
    cell = ParagraphStyle("cell", fontName=FONT, fontSize=SIZE, leading=SIZE + 2)
    head = ParagraphStyle("head", parent=cell, fontName=BOLD)
    head_right = ParagraphStyle("head_right", parent=head, alignment=2)
    columns = len(report.header)
    numeric = [report.numeric(i) for i in range(columns)]
    lines = [*report.rows, *([report.totals] if report.totals else [])]
    # Amounts never wrap: their columns are as wide as the widest amount; text shares the rest.
    widths: list[float | None] = []
    for i in range(columns):
        if numeric[i]:
            texts = [report.text(row[i]) for row in lines if len(row) > i]
            widest = max((pdfmetrics.stringWidth(t, BOLD, SIZE) for t in texts), default=0.0)
            header = pdfmetrics.stringWidth(report.header[i], BOLD, SIZE)
            widths.append(max(widest, min(header, 90.0), 50.0) + PADDING)
        else:
            widths.append(None)
    free = PAGE[0] - 2 * MARGIN - sum(w for w in widths if w is not None)
    text_columns = sum(1 for w in widths if w is None) or 1
    text_width = max(free / text_columns, 80.0)
    col_widths = [w if w is not None else text_width for w in widths]

    def body(row: list[Any], bold: bool) -> list[Any]:
        out: list[Any] = []
        for i, value in enumerate(row):
            text = report.text(value)
            # Amounts are plain strings (one line, right-aligned); text wraps in its column.
            out.append(text if numeric[i] else Paragraph(_escape(text), head if bold else cell))
        return out

    data = [
        [
            Paragraph(_escape(h), head_right if numeric[i] else head)
            for i, h in enumerate(report.header)
        ],
        *(body(row, False) for row in report.rows),
    ]
    if report.totals:
        data.append(body(report.totals, True))
    table = Table(data, colWidths=col_widths, repeatRows=1, hAlign="LEFT")
    style: list[tuple[Any, ...]] = [
        ("FONT", (0, 0), (-1, -1), FONT, SIZE),
        ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#e8eef4")),
        ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
        ("GRID", (0, 0), (-1, -1), 0.25, colors.grey),
    ]
    for i in range(columns):
        if numeric[i]:
            style.append(("ALIGN", (i, 0), (i, -1), "RIGHT"))
    if report.totals:
        style.append(("FONT", (0, -1), (-1, -1), BOLD, SIZE))
    table.setStyle(TableStyle(style))
    return table


def to_pdf(report: Report, extra: Sequence[Flowable] = ()) -> bytes:
    """The report as a PDF; ``extra``: flowables printed after the notes."""
    _register_fonts()
    buffer = io.BytesIO()
    doc = SimpleDocTemplate(
        buffer,
        pagesize=PAGE,
        title=report.title,
        author="SOSenki",
        leftMargin=MARGIN,
        rightMargin=MARGIN,
        topMargin=MARGIN + 6,
        bottomMargin=MARGIN,
    )
    title = ParagraphStyle("title", fontName=BOLD, fontSize=16, leading=20)
    subtitle = ParagraphStyle("subtitle", fontName=FONT, fontSize=10, leading=14)
    note = ParagraphStyle("note", fontName=BOLD, fontSize=13, leading=18, spaceBefore=10)
    story: list[Flowable] = [
        Paragraph(_escape(report.title), title),
        Paragraph(_escape(f"{report.community} · {report.period}"), subtitle),
        Spacer(1, 10),
        _table(report),
        *(Paragraph(_escape(line), note) for line in report.notes),
        *extra,
    ]
    doc.build(story, canvasmaker=_page_canvas(report))
    return buffer.getvalue()


def balance_sheet_pdf(report: Report) -> bytes:
    return to_pdf(report)


def statement_pdf(report: Report, extra: Sequence[Flowable] = ()) -> bytes:
    """An owner's statement: their periods, where they stand and what to pay (``report.notes``),
    then ``extra`` (room for a payment block, e.g. a QR code for the amount due)."""
    return to_pdf(report, extra)
