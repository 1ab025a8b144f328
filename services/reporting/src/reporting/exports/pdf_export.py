"""PDF with reportlab: a title, a subtitle and the report's table, totals in bold.

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
from reportlab.platypus import (  # type: ignore[import-untyped]
    Paragraph,
    SimpleDocTemplate,
    Spacer,
    Table,
    TableStyle,
)

from reporting.exports.tables import Report

_FONTS = Path(matplotlib.get_data_path()) / "fonts" / "ttf"
FONT, BOLD = "DejaVuSans", "DejaVuSans-Bold"


def _register_fonts() -> None:
    if FONT not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(TTFont(FONT, str(_FONTS / "DejaVuSans.ttf")))
        pdfmetrics.registerFont(TTFont(BOLD, str(_FONTS / "DejaVuSans-Bold.ttf")))


def to_pdf(report: Report, appendix: Sequence[Any] = ()) -> bytes:
    """The report; ``appendix`` (flowables, e.g. the payment QR block) is drawn after it."""
    _register_fonts()
    buffer = io.BytesIO()
    doc = SimpleDocTemplate(
        buffer, pagesize=landscape(A4), title=report.title, author="SOSenki reporting"
    )
    title = ParagraphStyle("title", fontName=BOLD, fontSize=16, leading=20)
    subtitle = ParagraphStyle("subtitle", fontName=FONT, fontSize=10, leading=14)
    data = [report.header, *report.rows]
    if report.totals:
        data.append(report.totals)
    table = Table(data, repeatRows=1, hAlign="LEFT")
    style = [
        ("FONT", (0, 0), (-1, -1), FONT, 9),
        ("FONT", (0, 0), (-1, 0), BOLD, 9),
        ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#e8eef4")),
        ("ALIGN", (1, 1), (-1, -1), "RIGHT"),
        ("GRID", (0, 0), (-1, -1), 0.25, colors.grey),
    ]
    if report.totals:
        style.append(("FONT", (0, -1), (-1, -1), BOLD, 9))
    table.setStyle(TableStyle(style))
    doc.build(
        [
            Paragraph(_escape(report.title), title),
            Paragraph(_escape(report.subtitle), subtitle),
            Spacer(1, 12),
            table,
            *appendix,
        ]
    )
    return buffer.getvalue()


def _escape(text: str) -> str:
    # Paragraph reads a little markup; a name with "<" or "&" must print as written.
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
