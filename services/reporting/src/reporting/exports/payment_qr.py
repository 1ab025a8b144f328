"""The payment QR code: the text of ``domain/payment_order.py`` drawn by segno, as a PNG (for the
Mini App and the bot) and as a block at the end of the owner's statement PDF.

Error correction level M (15 %) survives a crumpled printout and keeps the code small enough for a
phone to read from a screen; the quiet zone is the standard's 4 modules. The text goes in as
UTF-8 bytes without an ECI marker: the header ``ST00012`` tells the bank's app the encoding."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import matplotlib
import segno
from reportlab.lib.styles import ParagraphStyle  # type: ignore[import-untyped]
from reportlab.lib.units import mm  # type: ignore[import-untyped]
from reportlab.pdfbase import pdfmetrics  # type: ignore[import-untyped]
from reportlab.pdfbase.ttfonts import TTFont  # type: ignore[import-untyped]
from reportlab.platypus import (  # type: ignore[import-untyped]
    Image,
    KeepTogether,
    Paragraph,
    Spacer,
)
from sosenki_contracts.formatting import format_money

from reporting.domain.payment_order import PAYMENT_CURRENCY, PaymentOrder, payment_text
from reporting.exports.words import word

# DejaVu Sans (shipped with matplotlib) has Cyrillic; the same fonts the statement itself uses.
FONT, BOLD = "DejaVuSans", "DejaVuSans-Bold"
_FONTS = Path(matplotlib.get_data_path()) / "fonts" / "ttf"


def _register_fonts() -> None:
    registered = pdfmetrics.getRegisteredFontNames()
    for name, file in ((FONT, "DejaVuSans.ttf"), (BOLD, "DejaVuSans-Bold.ttf")):
        if name not in registered:
            pdfmetrics.registerFont(TTFont(name, str(_FONTS / file)))


def qr_png(text: str, scale: int = 6) -> bytes:
    """``text`` as a QR code PNG (level M, UTF-8, 4-module quiet zone)."""
    code = segno.make_qr(text, error="m", encoding="utf-8", boost_error=False)
    buffer = io.BytesIO()
    code.save(buffer, kind="png", scale=scale, border=4)
    return buffer.getvalue()


def payment_png(order: PaymentOrder) -> bytes:
    return qr_png(payment_text(order))


def pdf_block(order: PaymentOrder, lang: str = "ru") -> list[Any]:
    """Flowables for the statement PDF: a heading in the reader's language, the code, and what
    it pays in words (the purpose stays Russian: a Russian bank statement reads it)."""
    _register_fonts()
    heading = ParagraphStyle("qr-heading", fontName=BOLD, fontSize=12, leading=16)
    body = ParagraphStyle("qr-body", fontName=FONT, fontSize=9, leading=12)
    size = 45 * mm
    amount = format_money(order.amount, PAYMENT_CURRENCY, lang)
    lines = [
        f"{amount} → {order.payee.recipient_name}",
        order.purpose,
    ]
    return [
        Spacer(1, 10 * mm),
        KeepTogether(
            [
                Paragraph(word("pay_by_qr", lang), heading),
                Image(io.BytesIO(payment_png(order)), width=size, height=size, hAlign="LEFT"),
                *(Paragraph(_escape(line), body) for line in lines),
            ]
        ),
    ]


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
