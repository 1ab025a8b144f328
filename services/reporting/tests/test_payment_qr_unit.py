"""The payment QR code, decoded as a bank's app would: the image is read back with zxing-cpp and
every field of the GOST R 56042-2014 text is checked, Cyrillic included."""

from __future__ import annotations

import io
from decimal import Decimal

import pytest
import zxingcpp
from hypothesis import given, settings, strategies as st
from PIL import Image
from reporting.domain.payment_order import (
    PaymentOrder,
    amount_due,
    clean,
    kopecks,
    parse_payment_text,
    payment_text,
    purpose,
)
from reporting.exports.payment_qr import payment_png, qr_png
from sosenki_contracts.bank_details import BankDetails, BankDetailsFields

pytestmark = pytest.mark.unit

PAYEE = BankDetailsFields.model_validate(BankDetails.example())


def decode(png: bytes) -> str:
    # QR codes only: on some images zxing also "finds" a one-dimensional code in the modules.
    found = zxingcpp.read_barcodes(
        Image.open(io.BytesIO(png)), formats=zxingcpp.BarcodeFormat.QRCode
    )
    assert len(found) == 1, [(b.format, b.text) for b in found]
    return str(found[0].text)


def order(amount: str = "1234.50", text: str | None = None) -> PaymentOrder:
    return PaymentOrder(
        payee=PAYEE,
        amount=Decimal(amount),
        purpose=text or purpose("ТСН «Сосенки»", "Иванов Иван", "Ноябрь 2026"),
    )


def test_the_decoded_code_carries_every_field_in_order() -> None:
    text = decode(payment_png(order()))
    assert text.startswith("ST00012|Name=")
    assert parse_payment_text(text) == {
        "Name": "ТСН «Сосенки»",
        "PersonalAcc": "40703810038000000007",
        "BankName": "ПАО Сбербанк",
        "BIC": "044525225",
        "CorrespAcc": "30101810400000000225",
        "PayeeINN": "7707083893",
        "KPP": "773601001",
        "Sum": "123450",
        "Purpose": "Взносы ТСН «Сосенки»: Иванов Иван, период Ноябрь 2026",
    }
    assert list(parse_payment_text(text))[:6] == [
        "Name",
        "PersonalAcc",
        "BankName",
        "BIC",
        "CorrespAcc",
        "PayeeINN",
    ]


def test_a_person_without_kpp_gets_no_kpp_field() -> None:
    person = BankDetailsFields.model_validate(
        {**BankDetails.example(), "inn": "500100732259", "kpp": None}
    )
    fields = parse_payment_text(decode(payment_png(PaymentOrder(person, Decimal("1"), "x"))))
    assert "KPP" not in fields
    assert (fields["PayeeINN"], fields["Sum"]) == ("500100732259", "100")


def test_a_separator_or_line_break_in_a_value_cannot_forge_a_field() -> None:
    forged = order(text="Иванов|Sum=1\nпериод|PersonalAcc=00000000000000000000")
    fields = parse_payment_text(decode(payment_png(forged)))
    assert fields["Sum"] == "123450"
    assert fields["PersonalAcc"] == "40703810038000000007"
    assert fields["Purpose"] == "Иванов/Sum=1 период/PersonalAcc=00000000000000000000"
    assert len(decode(payment_png(forged)).split("|")) == 10


def test_long_values_are_cut_to_the_standards_lengths() -> None:
    long_payee = PAYEE.model_copy(update={"recipient_name": "Я" * 300, "bank_name": "Б" * 100})
    fields = parse_payment_text(
        decode(payment_png(PaymentOrder(long_payee, Decimal("5.00"), "П" * 500)))
    )
    assert (len(fields["Name"]), len(fields["BankName"]), len(fields["Purpose"])) == (160, 45, 210)
    assert fields["Purpose"].endswith("…") and fields["Name"].startswith("ЯЯЯ")


def test_amounts_are_kopecks_and_only_debts_are_due() -> None:
    assert kopecks(Decimal("0.01")) == "1"
    assert kopecks(Decimal("1000000000.00")) == "100000000000"
    for bad in ("0", "-1.00", "1.005"):
        with pytest.raises(ValueError, match="whole kopecks"):
            kopecks(Decimal(bad))
    assert amount_due(Decimal("-0.01")) == Decimal("0.01")
    assert amount_due(Decimal("0.00")) is None
    assert amount_due(Decimal("10.00")) is None


def test_account_numbers_that_are_not_digits_make_no_payment_text() -> None:
    broken = PAYEE.model_copy(update={"account": "4070381003800000000X"})
    with pytest.raises(ValueError, match="PersonalAcc must be 20 digits"):
        payment_text(PaymentOrder(broken, Decimal("1"), "x"))


@settings(max_examples=25, deadline=None)
@given(
    name=st.text(min_size=1, max_size=200),
    reason=st.text(max_size=300),
    kop=st.integers(min_value=1, max_value=10**12),
)
def test_whatever_the_names_the_code_decodes_to_the_cleaned_fields(
    name: str, reason: str, kop: int
) -> None:
    payee = PAYEE.model_copy(update={"recipient_name": name})
    amount = Decimal(kop) / 100
    fields = parse_payment_text(decode(payment_png(PaymentOrder(payee, amount, reason))))
    assert fields["Name"] == clean(name, 160)
    assert fields["Purpose"] == clean(reason, 210)
    assert Decimal(fields["Sum"]) / 100 == amount
    assert fields["BIC"] == "044525225"


def test_the_png_is_a_qr_code_of_utf8_text() -> None:
    assert decode(qr_png("ST00012|Name=Ёжик")) == "ST00012|Name=Ёжик"
