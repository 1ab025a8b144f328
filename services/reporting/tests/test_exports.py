"""Exports open as valid CSV and PDF with the right totals; charts are valid PNG images."""

from __future__ import annotations

import csv
import io
from decimal import Decimal
from typing import Any

import pytest
from PIL import Image
from pypdf import PdfReader

pytestmark = pytest.mark.integration

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def _csv(body: bytes) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(body.decode("utf-8-sig"))))


def _pdf_text(body: bytes) -> str:
    assert body.startswith(b"%PDF")
    text = "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(body)).pages)
    return text.replace("\u00a0", " ").replace("\u202f", " ")


def _png(body: bytes) -> Image.Image:
    assert body.startswith(PNG_SIGNATURE)
    image = Image.open(io.BytesIO(body))
    image.verify()
    image = Image.open(io.BytesIO(body))
    assert 300 <= image.width <= 2000 and 200 <= image.height <= 2000
    return image


async def test_balance_sheet_and_statement_exports(
    reporting: Any, ledger: Any, make_token: Any
) -> None:
    nov, _ = await ledger.two_months()
    cid = ledger.community_id
    api = reporting.client
    api.headers["Authorization"] = f"Bearer {make_token(11, communities=[cid])}"
    await reporting.caught_up(ledger)
    sheet = (await api.get(f"/api/payments/periods/{nov}/balance-sheet")).json()

    # No lang and no Accept-Language: English.
    r = await api.get(f"/api/payments/periods/{nov}/balance-sheet.csv")
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/csv")
    rows = _csv(r.content)
    *owners, totals = rows
    assert list(owners[0]) == [
        "Owner",
        "Contributions, ₽",
        "Share of expenses, ₽",
        "Charges, ₽",
        "Paid personally, ₽",
        "Balance, ₽",
    ]
    # Owners by the names they were added under, never by number.
    assert [row["Owner"] for row in owners] == ["Anna", "Boris"]
    assert [row["Balance, ₽"] for row in owners] == [e["balance"] for e in sheet["entries"]]
    assert totals["Owner"] == "Total"
    assert totals["Balance, ₽"] == sheet["total_period_balance"] == "850.00"
    for column in ("Contributions, ₽", "Share of expenses, ₽", "Balance, ₽"):
        assert sum(Decimal(row[column]) for row in owners) == Decimal(totals[column])

    r = await api.get(f"/api/payments/periods/{nov}/balance-sheet.pdf")
    assert r.headers["content-type"] == "application/pdf"
    text = _pdf_text(r.content)
    assert "Balance sheet: Nov" in text and "Birches" in text and "Page 1 of 1" in text
    assert "Anna" in text and "Boris" in text
    assert "₽850.00" in text and "₽1,200.00" in text  # total balance, total contributions
    assert "owner_id" not in text and "total_paid_expenses" not in text

    # Russian from Accept-Language; the lang parameter wins over it.
    ru = {"Accept-Language": "ru-RU,ru;q=0.9,en;q=0.8"}
    text = _pdf_text(
        (await api.get(f"/api/payments/periods/{nov}/balance-sheet.pdf", headers=ru)).content
    )
    assert "Оборотная ведомость: Nov" in text and "Стр. 1 из 1" in text
    assert "850,00 ₽" in text and "1 200,00 ₽" in text and "Итого" in text
    r = await api.get(f"/api/payments/periods/{nov}/balance-sheet.csv?lang=en", headers=ru)
    assert "Owner" in _csv(r.content)[0]
    r = await api.get(f"/api/payments/periods/{nov}/balance-sheet.csv?lang=ru")
    assert "Собственник" in _csv(r.content)[0]

    statement = f"/api/payments/communities/{cid}/owners/11/statement"
    rows = _csv((await api.get(statement + ".csv?lang=ru")).content)
    *periods, last, to_pay = rows
    assert [(p["Период"][:3], p["Баланс, ₽"]) for p in periods] == [
        ("Nov", "800.00"),
        ("Dec", "900.00"),
    ]
    assert last["Период"] == "Текущий баланс" and last["Баланс, ₽"] == "900.00"
    assert to_pay["Период"].replace("\u00a0", " ") == "Оплачивать нечего: переплата 900,00 ₽"
    text = _pdf_text((await api.get(statement + ".pdf")).content)
    assert "Statement of Anna" in text and "₽900.00" in text and "Nothing to pay" in text
    assert "Birches" in text and "Nov – Dec" in text
    text = _pdf_text((await api.get(statement + ".pdf?lang=ru")).content)
    assert "Выписка: Anna" in text and "900,00 ₽" in text

    _png((await api.get(f"/api/payments/periods/{nov}/charts/balances.png?lang=ru")).content)
    _png((await api.get(f"/api/payments/communities/{cid}/charts/fund.png")).content)

    assert (await api.get("/api/payments/periods/1/balance-sheet.pdf")).status_code == 404
    r = await api.get(f"/api/payments/periods/{nov}/balance-sheet.pdf?lang=<script>")
    assert r.status_code == 400 and "lang" in r.json()["detail"]
