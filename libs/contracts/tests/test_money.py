from __future__ import annotations

import re
from decimal import Decimal

import pytest
from hypothesis import given, settings, strategies as st
from pydantic import BaseModel, ValidationError
from sosenki_contracts.money import (
    CURRENCIES,
    Amount,
    CurrencyCode,
    CurrencyMismatchError,
    DecimalString,
    Money,
    PositiveAmount,
    check_scale,
    decimal_places,
    format_amount,
    minor_units,
    parse_amount,
    quantize,
)

pytestmark = pytest.mark.unit

FAST = settings(max_examples=300, deadline=None)


class Payment(BaseModel):
    amount: Amount
    currency: CurrencyCode


class Charge(BaseModel):
    amount: PositiveAmount


class Share(BaseModel):
    ownership_share: DecimalString


# --- currencies ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("code", "units"),
    [
        ("RUB", 2),
        ("USD", 2),
        ("EUR", 2),
        ("GBP", 2),
        ("CHF", 2),
        ("CNY", 2),
        ("KZT", 2),
        ("BYN", 2),
        ("UAH", 2),
        ("GEL", 2),
        ("AMD", 2),
        ("TRY", 2),
        ("INR", 2),
        ("JPY", 0),
        ("KRW", 0),
        ("KWD", 3),
        ("BHD", 3),
    ],
)
def test_minor_units(code: str, units: int) -> None:
    assert minor_units(code) == units


def test_unknown_currency() -> None:
    with pytest.raises(ValueError, match=r"^Unknown currency 'XYZ'$"):
        minor_units("XYZ")


def test_currency_table_is_well_formed() -> None:
    assert list(CURRENCIES) == sorted(CURRENCIES)
    for code, units in CURRENCIES.items():
        assert len(code) == 3 and code.isupper() and code.isascii()
        assert units in (0, 2, 3)


# --- parse_amount -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("1000.00", Decimal("1000.00")),
        ("5", Decimal("5")),
        ("-3.5", Decimal("-3.5")),
        (" 7.25 ", Decimal("7.25")),
        (5, Decimal(5)),
        (-12, Decimal(-12)),
        (Decimal("1.10"), Decimal("1.10")),
        ("0", Decimal(0)),
    ],
)
def test_parse_amount_accepts(raw: object, expected: Decimal) -> None:
    result = parse_amount(raw)
    assert result == expected
    assert str(result) == str(expected)  # keeps the scale as written


def test_parse_amount_turns_negative_zero_into_zero() -> None:
    result = parse_amount("-0.00")
    assert result == 0 and not result.is_signed()
    assert str(result) == "0.00"


@pytest.mark.parametrize("raw", [10.5, 10.0, 0.1, -3.25])
def test_parse_amount_refuses_float(raw: float) -> None:
    with pytest.raises(ValueError) as info:
        parse_amount(raw)
    assert str(info.value) == (
        'amount must be a decimal string such as "1000.00", not a number with a fractional part'
    )


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        (True, "not a boolean"),
        (False, "not a boolean"),
        ("", "not an empty string"),
        ("   ", "not an empty string"),
        ("NaN", "must be a finite number"),
        ("-Infinity", "must be a finite number"),
        ("inf", "must be a finite number"),
        (Decimal("NaN"), "must be a finite number"),
        (Decimal("Infinity"), "must be a finite number"),
        ("abc", "got 'abc'"),
        ("1e3", "got '1e3'"),
        ("1,000.00", "got '1,000.00'"),
        ("10.", "got '10.'"),
        (".5", "got '.5'"),
        ("+5", "got '+5'"),
        ("١٢", "got"),  # non-ASCII digits
        (None, "not null"),
        ([1], "not list"),
        ("1" * 31, "too many digits"),
    ],
)
def test_parse_amount_refuses(raw: object, message: str) -> None:
    with pytest.raises(ValueError, match=re.escape(message)):
        parse_amount(raw)


def test_parse_amount_names_the_field() -> None:
    with pytest.raises(ValueError, match=r"^price must be a decimal string"):
        parse_amount(1.5, field="price")


# --- scale, quantize, format --------------------------------------------------------------------


def test_check_scale() -> None:
    check_scale(Decimal("10.00"), "RUB")
    check_scale(Decimal("10.5"), "RUB")
    check_scale(Decimal("10.000"), "RUB")  # trailing zeros do not count
    check_scale(Decimal("10.125"), "KWD")
    with pytest.raises(ValueError, match=r"^amount has more than 2 decimal places for RUB$"):
        check_scale(Decimal("10.001"), "RUB")
    with pytest.raises(ValueError, match=r"^amount must be a whole number for JPY$"):
        check_scale(Decimal("10.5"), "JPY")
    with pytest.raises(ValueError, match="Unknown currency"):
        check_scale(Decimal("1"), "XYZ")


def test_decimal_places() -> None:
    assert decimal_places(Decimal("10.50")) == 1
    assert decimal_places(Decimal("10.00")) == 0
    assert decimal_places(Decimal("1E+3")) == 0
    assert decimal_places(Decimal("0.001")) == 3
    # Zero as a NUMERIC(20,4) column returns it: no significant decimals at all.
    assert decimal_places(Decimal("0.0000")) == 0
    assert decimal_places(Decimal("-0.0000")) == 0


def test_quantize_and_format() -> None:
    assert str(quantize(Decimal("10.5"), "RUB")) == "10.50"
    assert str(quantize(Decimal("10.000"), "RUB")) == "10.00"
    assert str(quantize(Decimal("7"), "KWD")) == "7.000"
    assert format_amount(Decimal("1000"), "RUB") == "1000.00"
    assert format_amount(Decimal("1E+3"), "RUB") == "1000.00"
    assert format_amount(Decimal("-3.5"), "EUR") == "-3.50"
    assert format_amount(Decimal("0.0000"), "RUB") == "0.00"
    assert format_amount(Decimal("5200.0000"), "RUB") == "5200.00"
    assert format_amount(Decimal("5"), "JPY") == "5"
    with pytest.raises(ValueError, match="more than 2 decimal places"):
        quantize(Decimal("10.001"), "RUB")  # refuses rather than rounding


@FAST
@given(
    units=st.integers(min_value=0, max_value=10**18),
    currency=st.sampled_from(["RUB", "JPY", "KWD"]),
    negative=st.booleans(),
)
def test_format_parse_round_trip(units: int, currency: str, negative: bool) -> None:
    amount = Decimal(units).scaleb(-minor_units(currency))
    if negative:
        amount = -amount
    text = format_amount(amount, currency)
    assert parse_amount(text) == amount
    assert format_amount(parse_amount(text), currency) == text


# --- Money --------------------------------------------------------------------------------------


def test_money_basics() -> None:
    ten = Money.of("10.00", "RUB")
    assert str(ten) == "10.00 RUB"
    assert str(Money.of("10.5", "RUB")) == "10.50 RUB"
    assert str(Money.of(5, "JPY")) == "5 JPY"
    assert str(Money.zero("KWD")) == "0.000 KWD"
    assert ten + Money.of("2.50", "RUB") == Money.of("12.50", "RUB")
    assert ten - Money.of("12.50", "RUB") == Money.of("-2.50", "RUB")
    assert -ten == Money.of("-10", "RUB")
    assert abs(-ten) == ten
    assert str(-Money.zero("RUB")) == "0.00 RUB"
    assert Money.zero("RUB").is_zero()
    assert Money.of("1", "RUB") < ten <= ten < Money.of("10.01", "RUB")
    assert ten > Money.zero("RUB") and ten >= ten
    assert hash(Money.of("10", "RUB")) == hash(ten)
    assert ten.amount == Decimal("10.00")


def test_money_refuses_mixing_currencies() -> None:
    rub, usd = Money.of("1", "RUB"), Money.of("1", "USD")
    with pytest.raises(CurrencyMismatchError, match="RUB and USD"):
        _ = rub + usd
    with pytest.raises(CurrencyMismatchError):
        _ = rub - usd
    with pytest.raises(CurrencyMismatchError):
        _ = rub < usd
    with pytest.raises(CurrencyMismatchError):
        _ = rub >= usd
    assert rub != usd  # equality is fine: they are simply not equal
    with pytest.raises(TypeError, match="Cannot compare Money with int"):
        _ = rub < 1  # type: ignore[operator]
    assert rub != Decimal(1)


def test_money_refuses_bad_input() -> None:
    with pytest.raises(ValueError, match="more than 2 decimal places"):
        Money.of("10.001", "RUB")
    with pytest.raises(ValueError, match="Unknown currency"):
        Money.of("1", "XYZ")
    with pytest.raises(ValueError, match="ISO 4217"):
        Money.of("1", "rub")
    with pytest.raises(ValueError, match="fractional part"):
        Money.of(1.5, "RUB")  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        Money(1.5, "RUB")  # type: ignore[arg-type]


def test_money_is_immutable() -> None:
    money = Money.of("1", "RUB")
    with pytest.raises(AttributeError):
        money.amount = Decimal(2)  # type: ignore[misc]


@FAST
@given(
    a=st.integers(min_value=-(10**15), max_value=10**15),
    b=st.integers(min_value=-(10**15), max_value=10**15),
)
def test_money_arithmetic_matches_minor_units(a: int, b: int) -> None:
    x = Money(Decimal(a).scaleb(-2), "EUR")
    y = Money(Decimal(b).scaleb(-2), "EUR")
    assert (x + y).amount == Decimal(a + b).scaleb(-2)
    assert (x - y).amount == Decimal(a - b).scaleb(-2)
    assert (x + y) - y == x
    assert (x < y) == (a < b)
    assert str(x + y).endswith(" EUR")


# --- pydantic types -----------------------------------------------------------------------------


def test_amount_in_python_and_json_mode() -> None:
    payment = Payment(amount="1000.00", currency="RUB")
    assert payment.amount == Decimal("1000.00")
    assert payment.model_dump() == {"amount": Decimal("1000.00"), "currency": "RUB"}
    assert payment.model_dump(mode="json") == {"amount": "1000.00", "currency": "RUB"}
    assert payment.model_dump_json() == '{"amount":"1000.00","currency":"RUB"}'
    assert Payment.model_validate_json(payment.model_dump_json()) == payment
    assert Payment.model_validate_json('{"amount": 5, "currency": "JPY"}').amount == Decimal(5)
    assert Payment(amount=Decimal("1E+3"), currency="RUB").model_dump_json() == (
        '{"amount":"1000","currency":"RUB"}'
    )


@pytest.mark.parametrize("raw", ['{"amount": 10.5, "currency": "RUB"}', '{"amount": 10.0}'])
def test_amount_refuses_json_float(raw: str) -> None:
    with pytest.raises(ValidationError) as info:
        Payment.model_validate_json(raw)
    first = info.value.errors()[0]
    assert first["loc"] == ("amount",)
    assert first["msg"] == (
        'amount must be a decimal string such as "1000.00", not a number with a fractional part'
    )


def test_amount_refuses_python_float() -> None:
    with pytest.raises(ValidationError, match="fractional part"):
        Payment(amount=10.5, currency="RUB")


def test_positive_amount() -> None:
    assert Charge.model_validate_json('{"amount": "0.01"}').amount == Decimal("0.01")
    for raw in ('"0"', '"0.00"', '"-5"', "0", "-1"):
        with pytest.raises(ValidationError) as info:
            Charge.model_validate_json(f'{{"amount": {raw}}}')
        assert info.value.errors()[0]["msg"] == "amount must be positive"


def test_currency_code() -> None:
    assert Payment.model_validate_json('{"amount": "1", "currency": "KWD"}').currency == "KWD"
    for bad, message in (("rub", "ISO 4217"), ("RUBL", "ISO 4217"), ("XYZ", "Unknown currency")):
        with pytest.raises(ValidationError, match=message):
            Payment(amount=Decimal(1), currency=bad)
    with pytest.raises(ValidationError, match="ISO 4217"):
        Payment.model_validate_json('{"amount": "1", "currency": 643}')


def test_decimal_string_names_its_field() -> None:
    assert Share.model_validate_json('{"ownership_share": "0.25"}').ownership_share == Decimal(
        "0.25"
    )
    with pytest.raises(ValidationError, match="ownership_share must be a decimal string"):
        Share.model_validate_json('{"ownership_share": 0.25}')


def test_json_schema_says_string() -> None:
    schema = Payment.model_json_schema()
    amount = schema["properties"]["amount"]
    assert amount["type"] == "string"
    assert amount["pattern"] == r"^-?[0-9]+(\.[0-9]+)?$"
    assert schema["properties"]["currency"]["pattern"] == "^[A-Z]{3}$"
    assert Payment.model_json_schema(mode="serialization")["properties"]["amount"]["type"] == (
        "string"
    )
    assert Charge.model_json_schema()["properties"]["amount"]["type"] == "string"
