"""Money: exact decimal amounts with an ISO 4217 currency (see ARCHITECTURE.md, "Money").

Amounts are ``Decimal``, never ``float``, and JSON carries them as strings (``"1000.00"``). Input
is parsed strictly: a JSON number with a fractional part (``10.5``) is refused, because by the time
we see it, it has been through a binary float. A JSON *integer* (``5``) is accepted: it is exact.
Input with more decimal places than the currency allows is refused, never silently rounded.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Context, Decimal
from types import MappingProxyType
from typing import Annotated, Any

from pydantic import PlainSerializer, PlainValidator, ValidationInfo, WithJsonSchema
from pydantic_core import PydanticCustomError

# ISO 4217 code -> number of minor units (decimal places). Keep sorted by code.
CURRENCIES: Mapping[str, int] = MappingProxyType(
    {
        "AED": 2,
        "AMD": 2,
        "ARS": 2,
        "AUD": 2,
        "AZN": 2,
        "BDT": 2,
        "BGN": 2,
        "BHD": 3,
        "BRL": 2,
        "BYN": 2,
        "CAD": 2,
        "CHF": 2,
        "CLP": 0,
        "CNY": 2,
        "COP": 2,
        "CZK": 2,
        "DKK": 2,
        "EGP": 2,
        "EUR": 2,
        "GBP": 2,
        "GEL": 2,
        "HKD": 2,
        "HUF": 2,
        "IDR": 2,
        "ILS": 2,
        "INR": 2,
        "IQD": 3,
        "ISK": 0,
        "JOD": 3,
        "JPY": 0,
        "KES": 2,
        "KGS": 2,
        "KRW": 0,
        "KWD": 3,
        "KZT": 2,
        "LKR": 2,
        "LYD": 3,
        "MDL": 2,
        "MNT": 2,
        "MXN": 2,
        "MYR": 2,
        "NGN": 2,
        "NOK": 2,
        "NZD": 2,
        "OMR": 3,
        "PEN": 2,
        "PHP": 2,
        "PKR": 2,
        "PLN": 2,
        "PYG": 0,
        "QAR": 2,
        "RON": 2,
        "RSD": 2,
        "RUB": 2,
        "SAR": 2,
        "SEK": 2,
        "SGD": 2,
        "THB": 2,
        "TJS": 2,
        "TMT": 2,
        "TND": 3,
        "TRY": 2,
        "TWD": 2,
        "UAH": 2,
        "UGX": 0,
        "USD": 2,
        "UZS": 2,
        "VND": 0,
        "XAF": 0,
        "XOF": 0,
        "ZAR": 2,
    }
)

# At most this many digits in an amount: far beyond any real sum, and it bounds the work that
# hostile input can cause. Arithmetic below uses a wider context so it never rounds.
MAX_AMOUNT_DIGITS = 30
_WIDE = Context(prec=100)

AMOUNT_PATTERN = r"^-?[0-9]+(\.[0-9]+)?$"
POSITIVE_AMOUNT_PATTERN = r"^[0-9]+(\.[0-9]+)?$"
CURRENCY_PATTERN = r"^[A-Z]{3}$"

_AMOUNT_RE = re.compile(AMOUNT_PATTERN, re.ASCII)
_CURRENCY_RE = re.compile(CURRENCY_PATTERN, re.ASCII)


class CurrencyMismatchError(ValueError):
    """Arithmetic or ordering between amounts in different currencies."""


def minor_units(currency: str) -> int:
    """Decimal places of ``currency`` (2 for RUB, 0 for JPY, 3 for KWD)."""
    try:
        return CURRENCIES[currency]
    except (KeyError, TypeError):
        raise ValueError(f"Unknown currency {currency!r}") from None


def check_currency(currency: object) -> str:
    """Return ``currency`` if it is a known upper-case ISO 4217 code, else raise ValueError."""
    if not isinstance(currency, str) or not _CURRENCY_RE.match(currency):
        raise ValueError('currency must be a 3-letter ISO 4217 code in upper case, such as "RUB"')
    minor_units(currency)
    return currency


def parse_amount(value: object, *, field: str = "amount") -> Decimal:
    """Turn wire or user input into an exact ``Decimal``.

    Accepts a decimal string (``"1000.00"``, ``"5"``, ``"-3.5"``; surrounding spaces are ignored,
    no exponents, no thousands separators), an ``int`` or a finite ``Decimal``. Refuses ``float``
    (a binary approximation is not money) and ``bool``. Negative zero becomes zero.
    """
    if isinstance(value, str):  # the usual case first: every amount on the wire is a string
        text = value.strip()
        if not _AMOUNT_RE.match(text):
            if not text:
                raise ValueError(f"{_example(field)}, not an empty string")
            if text.lstrip("+-").lower() in ("nan", "snan", "inf", "infinity"):
                raise ValueError(f"{field} must be a finite number; got {_preview(value)}")
            raise ValueError(f"{_example(field)}; got {_preview(value)}")
        result = Decimal(text)
    elif isinstance(value, bool):
        raise ValueError(f"{_example(field)}, not a boolean")
    elif isinstance(value, float):
        raise ValueError(f"{_example(field)}, not a number with a fractional part")
    elif isinstance(value, int):
        result = Decimal(value)
    elif isinstance(value, Decimal):
        if not value.is_finite():
            raise ValueError(f"{field} must be a finite number")
        result = value
    else:
        kind = "null" if value is None else type(value).__name__
        raise ValueError(f"{_example(field)}, not {kind}")
    if len(result.as_tuple().digits) > MAX_AMOUNT_DIGITS:
        raise ValueError(f"{field} has too many digits (at most {MAX_AMOUNT_DIGITS})")
    if result.is_zero() and result.is_signed():
        result = result.copy_abs()
    return result


def _example(field: str) -> str:
    return f'{field} must be a decimal string such as "1000.00"'


def _preview(value: str) -> str:
    return repr(value if len(value) <= 40 else value[:40] + "...")


def decimal_places(amount: Decimal) -> int:
    """Significant decimal places of ``amount``: ``10.50`` has 1, ``10.00`` and ``1E+3`` have 0."""
    _sign, digits, exponent = amount.as_tuple()
    if not isinstance(exponent, int):
        raise ValueError("amount must be a finite number")
    if exponent >= 0 or not any(digits):  # whole numbers and zero (``0.0000``) have none
        return 0
    trailing_zeros = len(digits) - len("".join(map(str, digits)).rstrip("0"))
    return max(0, -exponent - trailing_zeros)


def check_scale(amount: Decimal, currency: str, *, field: str = "amount") -> None:
    """Refuse an amount finer than the currency's minor unit (we never round user input)."""
    units = minor_units(currency)
    if decimal_places(amount) > units:
        if units == 0:
            raise ValueError(f"{field} must be a whole number for {currency}")
        raise ValueError(f"{field} has more than {units} decimal places for {currency}")


#: Wide enough that quantizing any amount a column can hold never rounds or overflows.
_WIDE = Context(prec=80)
#: ``Decimal("0.01")`` and the like, by number of decimal places.
_STEPS = {units: Decimal(1).scaleb(-units, _WIDE) for units in range(0, 5)}


def quantize(amount: Decimal, currency: str) -> Decimal:
    """``amount`` with exactly the currency's decimal places (``10.5`` RUB -> ``10.50``).

    Exact: raises ValueError (like :func:`check_scale`) instead of rounding.
    """
    units = minor_units(currency)
    step = _STEPS.get(units)
    if step is not None and amount.is_finite() and amount.adjusted() < 60:
        # The common case, cheaply (a balance sheet formats thousands of sums): quantize, and
        # if that changed the value the amount was finer than the currency allows.
        exact = amount.quantize(step, context=_WIDE)
        if exact == amount:
            return exact
    check_scale(amount, currency)
    units = minor_units(currency)
    # A context wide enough that quantize can never round or overflow.
    context = Context(prec=max(50, amount.adjusted() + units + 2))
    return amount.quantize(Decimal(1).scaleb(-units, context), context=context)


def format_amount(amount: Decimal, currency: str) -> str:
    """The wire and display form, with the currency's minor units: ``"1000.00"``, ``"5"`` (JPY)."""
    return format(quantize(amount, currency), "f")


def amount_to_str(amount: Decimal) -> str:
    """Plain decimal notation, never an exponent (``Decimal("1E+3")`` -> ``"1000"``)."""
    return format(amount, "f")


@dataclass(frozen=True, slots=True)
class Money:
    """An exact amount in one currency, always held with the currency's minor units.

    ``+``, ``-`` and ordering work only within one currency (:class:`CurrencyMismatchError`
    otherwise); ``==`` across currencies is simply ``False``.
    """

    amount: Decimal
    currency: str

    def __post_init__(self) -> None:
        if not isinstance(self.amount, Decimal):
            raise TypeError(f"Money amount must be a Decimal, not {type(self.amount).__name__}")
        check_currency(self.currency)
        object.__setattr__(self, "amount", quantize(parse_amount(self.amount), self.currency))

    @classmethod
    def of(cls, amount: str | int | Decimal, currency: str) -> Money:
        """``Money.of("10.00", "RUB")``; strings and ints are parsed like wire input."""
        return cls(parse_amount(amount), currency)

    @classmethod
    def zero(cls, currency: str) -> Money:
        return cls(Decimal(0), currency)

    def _same_currency(self, other: Money) -> None:
        if not isinstance(other, Money):
            raise TypeError(f"Cannot compare Money with {type(other).__name__}")
        if self.currency != other.currency:
            raise CurrencyMismatchError(
                f"Cannot combine {self.currency} and {other.currency} amounts"
            )

    def __add__(self, other: object) -> Money:
        if not isinstance(other, Money):
            return NotImplemented
        self._same_currency(other)
        return Money(_WIDE.add(self.amount, other.amount), self.currency)

    def __sub__(self, other: object) -> Money:
        if not isinstance(other, Money):
            return NotImplemented
        self._same_currency(other)
        return Money(_WIDE.subtract(self.amount, other.amount), self.currency)

    def __neg__(self) -> Money:
        return Money(self.amount.copy_negate(), self.currency)

    def __abs__(self) -> Money:
        return Money(self.amount.copy_abs(), self.currency)

    def __lt__(self, other: Money) -> bool:
        self._same_currency(other)
        return self.amount < other.amount

    def __le__(self, other: Money) -> bool:
        self._same_currency(other)
        return self.amount <= other.amount

    def __gt__(self, other: Money) -> bool:
        self._same_currency(other)
        return self.amount > other.amount

    def __ge__(self, other: Money) -> bool:
        self._same_currency(other)
        return self.amount >= other.amount

    def is_zero(self) -> bool:
        return self.amount.is_zero()

    def __str__(self) -> str:
        return f"{amount_to_str(self.amount)} {self.currency}"


# --- pydantic annotated types -------------------------------------------------------------------


def _field_name(info: ValidationInfo, default: str) -> str:
    return info.field_name or default


def _validate_decimal(value: Any, info: ValidationInfo) -> Decimal:
    try:
        return parse_amount(value, field=_field_name(info, "value"))
    except ValueError as exc:
        raise PydanticCustomError("decimal_string", "{reason}", {"reason": str(exc)}) from None


def _validate_amount(value: Any, info: ValidationInfo) -> Decimal:
    try:
        return parse_amount(value, field=_field_name(info, "amount"))
    except ValueError as exc:
        raise PydanticCustomError("amount", "{reason}", {"reason": str(exc)}) from None


def _validate_positive_amount(value: Any, info: ValidationInfo) -> Decimal:
    result = _validate_amount(value, info)
    if result <= 0:
        field = _field_name(info, "amount")
        raise PydanticCustomError(
            "amount_not_positive", "{reason}", {"reason": f"{field} must be positive"}
        )
    return result


def _validate_currency(value: Any) -> str:
    try:
        return check_currency(value)
    except ValueError as exc:
        raise PydanticCustomError("currency", "{reason}", {"reason": str(exc)}) from None


_AS_STRING = PlainSerializer(amount_to_str, return_type=str, when_used="json")

DecimalString = Annotated[
    Decimal,
    PlainValidator(_validate_decimal, json_schema_input_type=str),
    _AS_STRING,
    WithJsonSchema(
        {
            "type": "string",
            "pattern": AMOUNT_PATTERN,
            "description": 'An exact decimal carried as a string, e.g. "0.25".',
        }
    ),
]
"""A non-money exact decimal (e.g. an ownership share), parsed and sent like :data:`Amount`."""

Amount = Annotated[
    Decimal,
    PlainValidator(_validate_amount, json_schema_input_type=str),
    _AS_STRING,
    WithJsonSchema(
        {
            "type": "string",
            "pattern": AMOUNT_PATTERN,
            "description": 'A money amount as a decimal string, e.g. "1000.00".',
            "examples": ["1000.00"],
        }
    ),
]
"""A money amount: ``Decimal`` in Python, a decimal string in JSON (an int is accepted too)."""

PositiveAmount = Annotated[
    Decimal,
    PlainValidator(_validate_positive_amount, json_schema_input_type=str),
    _AS_STRING,
    WithJsonSchema(
        {
            "type": "string",
            "pattern": POSITIVE_AMOUNT_PATTERN,
            "description": 'A money amount greater than zero as a decimal string, e.g. "1000.00".',
            "examples": ["1000.00"],
        }
    ),
]
"""Like :data:`Amount`, but zero and negative amounts are refused ("amount must be positive")."""

CurrencyCode = Annotated[
    str,
    PlainValidator(_validate_currency, json_schema_input_type=str),
    WithJsonSchema(
        {
            "type": "string",
            "pattern": CURRENCY_PATTERN,
            "description": "ISO 4217 currency code in upper case, e.g. RUB.",
            "examples": ["RUB"],
        }
    ),
]
"""A known ISO 4217 code in upper case (``"RUB"``); lower case is refused, not corrected."""


__all__ = [
    "AMOUNT_PATTERN",
    "CURRENCIES",
    "CURRENCY_PATTERN",
    "MAX_AMOUNT_DIGITS",
    "Amount",
    "CurrencyCode",
    "CurrencyMismatchError",
    "DecimalString",
    "Money",
    "PositiveAmount",
    "amount_to_str",
    "check_currency",
    "check_scale",
    "decimal_places",
    "format_amount",
    "minor_units",
    "parse_amount",
    "quantize",
]
