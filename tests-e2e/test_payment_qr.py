"""Pay in one scan, through the real processes: a treasurer sets the community's bank details in
the ledger, the owner is charged, and reporting (fed by the ledger's events over Kafka) serves
the payment QR code that decodes to those details and the amount due."""

from __future__ import annotations

import io

import httpx
import pytest
import zxingcpp
from PIL import Image
from pypdf import PdfReader
from reporting.domain.payment_order import parse_payment_text
from sosenki_contracts.bank_details import BankDetails
from sosenki_platform.testing import eventually

pytestmark = pytest.mark.e2e

P = "/api/payments"


async def test_an_owner_scans_the_code_the_treasurers_details_make(
    start_service, make_token
) -> None:
    ledger = await start_service("ledger")
    reporting = await start_service("reporting")
    async with httpx.AsyncClient(
        base_url=ledger.url, headers={"Authorization": f"Bearer {make_token(1)}"}
    ) as api:

        async def ok(method: str, path: str, body: object = None) -> dict:
            r = await api.request(method, path, json=body)
            assert r.status_code in (200, 201), r.text
            return r.json()

        cid = (await ok("POST", f"{P}/communities", {"name": "ТСН Берёзки"}))["id"]
        await ok(
            "POST",
            f"{P}/communities/{cid}/owners",
            {"user_id": 2, "display_name": "Пётр Иванов", "ownership_share": "1"},
        )
        period = {"name": "Ноябрь 2025", "start_date": "2025-11-01", "end_date": "2025-11-30"}
        nov = (await ok("POST", f"{P}/periods", {**period, "community_id": cid}))["id"]
        await ok(
            "POST",
            f"{P}/periods/{nov}/charges",
            {"user_id": 2, "amount": "1234.56", "description": "Взнос"},
        )
        await ok("PUT", f"{P}/communities/{cid}/settings", {"bank_details": BankDetails.example()})

    owner = {"Authorization": f"Bearer {make_token(2)}"}
    async with httpx.AsyncClient(base_url=reporting.url, headers=owner) as api:

        async def code() -> bytes | None:
            r = await api.get(f"{P}/communities/{cid}/owners/2/payment-qr.png")
            return r.content if r.status_code == 200 else None

        png = await eventually(code, what="the owner's payment QR code")
        (found,) = zxingcpp.read_barcodes(
            Image.open(io.BytesIO(png)), formats=zxingcpp.BarcodeFormat.QRCode
        )
        expected = {
            "Name": "ТСН «Сосенки»",
            "PersonalAcc": "40703810038000000007",
            "BankName": "ПАО Сбербанк",
            "BIC": "044525225",
            "CorrespAcc": "30101810400000000225",
            "PayeeINN": "7707083893",
            "KPP": "773601001",
            "Sum": "123456",
            "Purpose": "Взносы ТСН Берёзки: Пётр Иванов, период Ноябрь 2025",
        }
        assert parse_payment_text(found.text) == expected
        pdf = await api.get(f"{P}/communities/{cid}/owners/2/statement.pdf")
        (embedded,) = PdfReader(io.BytesIO(pdf.content)).pages[0].images
        (in_pdf,) = zxingcpp.read_barcodes(
            embedded.image.convert("RGB"), formats=zxingcpp.BarcodeFormat.QRCode
        )
        assert parse_payment_text(in_pdf.text) == expected
