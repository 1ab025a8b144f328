"""The payment QR code through reporting's REST API, from the ledger's events on the real Kafka
into the real PostgreSQL: the owner who owes gets a code that decodes to the community's bank
details, the amount due and a purpose naming them and the period; in the statement PDF too."""

from __future__ import annotations

import io
from typing import Any

import pytest
import zxingcpp
from PIL import Image
from pypdf import PdfReader
from reporting.domain.payment_order import parse_payment_text
from sosenki_contracts.bank_details import BankDetails

pytestmark = pytest.mark.integration

P = "/api/payments"


def _decode(image: Image.Image) -> dict[str, str]:
    (found,) = zxingcpp.read_barcodes(image, formats=zxingcpp.BarcodeFormat.QRCode)
    return parse_payment_text(found.text)


def _as(make_token: Any, user: int) -> dict[str, str]:
    return {"Authorization": f"Bearer {make_token(user)}"}


async def test_an_owner_who_owes_pays_in_one_scan(
    reporting: Any, ledger: Any, make_token: Any
) -> None:
    _, dec = await ledger.two_months()
    # Boris starts December 50.00 in credit and is charged 300.00: he owes 250.00.
    await ledger.publish(
        "ledger.charge_recorded",
        dec,
        period_id=dec,
        charge_id=ledger.new_id(),
        owner_id=12,
        amount="300.00",
        currency="RUB",
        description="Взнос на дороги",
        date="2025-12-05T00:00:00Z",
    )
    await reporting.caught_up(ledger)
    api, cid = reporting.client, ledger.community_id
    boris, anna, treasurer = _as(make_token, 12), _as(make_token, 11), _as(make_token, 1)
    qr = f"{P}/communities/{cid}/owners/12/payment-qr.png"

    nowhere = await api.get(qr, headers=boris)
    assert nowhere.status_code == 409
    assert nowhere.json()["code"] == "no_bank_details"
    assert nowhere.json()["detail"] == (
        f"Community {cid} has no bank details yet: a treasurer sets them in the community's "
        "settings"
    )

    await ledger.publish(
        "ledger.community_settings_changed",
        cid,
        owners_see_balance_sheet=True,
        bank_details=BankDetails.example(),
    )
    await reporting.caught_up(ledger)

    expected = {
        "Name": "ТСН «Сосенки»",
        "PersonalAcc": "40703810038000000007",
        "BankName": "ПАО Сбербанк",
        "BIC": "044525225",
        "CorrespAcc": "30101810400000000225",
        "PayeeINN": "7707083893",
        "KPP": "773601001",
        "Sum": "25000",
        "Purpose": "Взносы Birches: Boris, период Dec",
    }
    for who in (boris, treasurer):
        response = await api.get(qr, headers=who)
        assert response.status_code == 200, response.text
        assert response.headers["content-type"] == "image/png"
        assert _decode(Image.open(io.BytesIO(response.content))) == expected

    # The statement PDF carries the same code; decoded from the image inside the PDF.
    statement = await api.get(f"{P}/communities/{cid}/owners/12/statement.pdf", headers=boris)
    assert statement.status_code == 200
    (page,) = PdfReader(io.BytesIO(statement.content)).pages
    (embedded,) = page.images
    assert _decode(embedded.image.convert("RGB")) == expected
    assert "Pay by QR code" in page.extract_text()

    # Anna is in credit: no code, and no code in her statement.
    credit = await api.get(f"{P}/communities/{cid}/owners/11/payment-qr.png", headers=anna)
    assert credit.status_code == 409
    assert credit.json()["code"] == "nothing_to_pay"
    assert credit.json()["detail"] == (
        "Owner 11 owes nothing (balance 900.00 RUB): there is nothing to pay"
    )
    anna_pdf = await api.get(f"{P}/communities/{cid}/owners/11/statement.pdf", headers=anna)
    assert list(PdfReader(io.BytesIO(anna_pdf.content)).pages[0].images) == []

    # Another owner's code is the treasurers'; a stranger finds nothing; no such owner is a 404.
    assert (await api.get(qr, headers=anna)).status_code == 403
    assert (await api.get(qr, headers=_as(make_token, 99))).status_code == 404
    unknown = f"{P}/communities/{cid}/owners/77/payment-qr.png"
    assert (await api.get(unknown, headers=treasurer)).status_code == 404

    # The treasurer removes the bank details: no code any more.
    await ledger.publish(
        "ledger.community_settings_changed", cid, owners_see_balance_sheet=True, bank_details=None
    )
    await reporting.caught_up(ledger)
    assert (await api.get(qr, headers=boris)).status_code == 409
    pdf = await api.get(f"{P}/communities/{cid}/owners/12/statement.pdf", headers=boris)
    assert list(PdfReader(io.BytesIO(pdf.content)).pages[0].images) == []


async def test_a_community_keeping_accounts_in_euros_gets_no_rouble_code(
    reporting: Any, ledger: Any, make_token: Any
) -> None:
    await ledger.publish(
        "ledger.community_created",
        ledger.community_id,
        name="Euro",
        base_currency="EUR",
        timezone="UTC",
    )
    await ledger.publish(
        "ledger.owner_added",
        ledger.community_id,
        owner_id=12,
        user_id=12,
        display_name="Boris",
        username="boris",
        ownership_share="1",
    )
    await ledger.publish(
        "ledger.community_settings_changed",
        ledger.community_id,
        owners_see_balance_sheet=True,
        bank_details=BankDetails.example(),
    )
    await reporting.caught_up(ledger)
    response = await reporting.client.get(
        f"{P}/communities/{ledger.community_id}/owners/12/payment-qr.png",
        headers=_as(make_token, 12),
    )
    assert response.status_code == 409
    assert response.json()["detail"] == (
        f"Payment QR codes are in roubles; community {ledger.community_id} keeps its accounts "
        "in EUR"
    )
