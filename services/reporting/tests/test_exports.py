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
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(body)).pages)


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

    r = await api.get(f"/api/payments/periods/{nov}/balance-sheet.csv")
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/csv")
    rows = _csv(r.content)
    *owners, totals = rows
    assert [row["username"] for row in owners] == [e["username"] for e in sheet["entries"]]
    assert [row["balance"] for row in owners] == [e["balance"] for e in sheet["entries"]]
    assert totals["owner_id"] == "TOTAL"
    assert totals["balance"] == sheet["total_period_balance"] == "850.00"
    for column in ("total_contributions", "total_expenses", "balance"):
        assert sum(Decimal(row[column]) for row in owners) == Decimal(totals[column])

    r = await api.get(f"/api/payments/periods/{nov}/balance-sheet.pdf")
    assert r.headers["content-type"] == "application/pdf"
    text = _pdf_text(r.content)
    assert "Balance sheet: Nov" in text
    assert "anna" in text and "boris" in text
    assert "850.00" in text and "1200.00" in text  # total balance, total contributions

    statement = f"/api/payments/communities/{cid}/owners/11/statement"
    rows = _csv((await api.get(statement + ".csv")).content)
    *periods, last = rows
    assert [(p["period"], p["balance"]) for p in periods] == [("Nov", "800.00"), ("Dec", "900.00")]
    assert last["period_id"] == "CURRENT BALANCE" and last["balance"] == "900.00"
    text = _pdf_text((await api.get(statement + ".pdf")).content)
    assert "Statement of anna" in text and "900.00" in text

    _png((await api.get(f"/api/payments/periods/{nov}/charts/balances.png")).content)
    _png((await api.get(f"/api/payments/communities/{cid}/charts/fund.png")).content)

    assert (await api.get("/api/payments/periods/1/balance-sheet.pdf")).status_code == 404
