"""Input bounded to what storage holds: ids, amounts, shares, rates, units and text.

Every request body, query or path parameter and command payload uses these types, so input that
no column can hold is refused with a 400 naming the field, instead of reaching the database and
failing there. The limits follow the columns (see each service's ``adapters/tables.py``):

================  ================================  ==============================================
type              column                            accepted
================  ================================  ==============================================
``Id``            ``BIGINT``                        1 … 2^63−1
``Units``         ``INTEGER``                       1 … 2^31−1 (split shares, quantities)
``Version``       ``INTEGER``                       1 … 2^31−1
``Amount``        ``NUMERIC(20, 4)``                below 10^12 in magnitude, at most 4 decimals
``PositiveAmt.``  ``NUMERIC(20, 4)``                as ``Amount``, and above zero
``Share``         ``NUMERIC(12, 6)``                above zero, below 10^6, at most 6 decimals
``Percentage``    ``NUMERIC(9, 4)``                 0 … 100, at most 4 decimals
``Rate``          ``NUMERIC(30, 10)``               above zero, below 10^6, at most 10 decimals
``MeterValue``    ``NUMERIC(20, 3)``                0 … below 10^12, at most 3 decimals
``Tariff``        ``NUMERIC(20, 6)``                0 … below 10^9, at most 6 decimals
text              ``TEXT``                          a length limit per field; no NUL or other
                                                    control characters (newlines and tabs only in
                                                    multi-line fields), no lone surrogates
================  ================================  ==============================================

Amounts stop at 10^12 although the column holds 10^16: sums of amounts (balances, totals, read
models) are stored in the same kind of column and need the head-room. Whether an amount has more
decimals than its currency's minor units is the domain's rule (``money.check_scale``), because
only it knows the currency.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from decimal import Decimal
from typing import Annotated, Any, Literal

from annotated_types import Ge, Le
from pydantic import (
    AfterValidator,
    GetCoreSchemaHandler,
    GetJsonSchemaHandler,
    StringConstraints,
    ValidationInfo,
)
from pydantic.json_schema import JsonSchemaValue
from pydantic_core import PydanticCustomError, core_schema

from sosenki_contracts.money import amount_to_str, decimal_places, parse_amount

MAX_ID = 2**63 - 1
MAX_INT32 = 2**31 - 1

Id = Annotated[int, Ge(1), Le(MAX_ID)]
"""A database id (``BIGINT``): 1 … 2^63−1. Also for path and query parameters."""

Units = Annotated[int, Ge(1), Le(MAX_INT32)]
"""A positive count stored as ``INTEGER``: split units, item quantities."""

Version = Annotated[int, Ge(1), Le(MAX_INT32)]
"""An optimistic-locking version (``INTEGER``)."""

Offset = Annotated[int, Ge(0), Le(MAX_INT32)]
"""A list offset."""

Sign = Literal["any", "non_negative", "positive"]


@dataclass(frozen=True)
class _Bounded:
    """An exact decimal parsed like an amount (``money.parse_amount``) and bounded to a column;
    JSON carries it as a string."""

    kind: str
    integer_digits: int
    places: int
    sign: Sign
    description: str
    example: str
    maximum: Decimal | None = None

    def validate(self, value: Any, info: ValidationInfo) -> Decimal:
        field = info.field_name or self.kind
        try:
            result = parse_amount(value, field=field)
        except ValueError as exc:
            raise PydanticCustomError(self.kind, "{reason}", {"reason": str(exc)}) from None
        limit = Decimal(10) ** self.integer_digits
        reason = None
        if self.sign == "positive" and result <= 0:
            reason = f"{field} must be positive"
        elif self.sign == "non_negative" and result < 0:
            reason = f"{field} must not be negative"
        elif self.maximum is not None and result > self.maximum:
            reason = f"{field} must be at most {self.maximum}"
        elif abs(result) >= limit:
            reason = f"{field} must be below {amount_to_str(limit)}"
        elif decimal_places(result) > self.places:
            reason = f"{field} has more than {self.places} decimal places"
        if reason:
            raise PydanticCustomError(f"{self.kind}_out_of_range", "{reason}", {"reason": reason})
        return result

    def __get_pydantic_core_schema__(
        self, _source: Any, _handler: GetCoreSchemaHandler
    ) -> core_schema.CoreSchema:
        return core_schema.with_info_plain_validator_function(
            self.validate,
            json_schema_input_schema=core_schema.str_schema(),
            serialization=core_schema.plain_serializer_function_ser_schema(
                amount_to_str, when_used="json"
            ),
        )

    def __get_pydantic_json_schema__(
        self, _schema: core_schema.CoreSchema, _handler: GetJsonSchemaHandler
    ) -> JsonSchemaValue:
        minus = "-?" if self.sign == "any" else ""
        fraction = rf"(\.[0-9]{{1,{self.places}}})?" if self.places else ""
        pattern = rf"^{minus}[0-9]{{1,{self.integer_digits}}}{fraction}$"
        return {
            "type": "string",
            "pattern": pattern,
            "description": self.description,
            "examples": [self.example],
        }


MAX_AMOUNT_INTEGER_DIGITS = 12

Amount = Annotated[
    Decimal,
    _Bounded(
        kind="amount",
        integer_digits=MAX_AMOUNT_INTEGER_DIGITS,
        places=4,
        sign="any",
        description='A money amount as a decimal string, e.g. "1000.00" (below 10^12).',
        example="1000.00",
    ),
]
PositiveAmount = Annotated[
    Decimal,
    _Bounded(
        kind="amount",
        integer_digits=MAX_AMOUNT_INTEGER_DIGITS,
        places=4,
        sign="positive",
        description='A money amount above zero as a decimal string, e.g. "1000.00" (below 10^12).',
        example="1000.00",
    ),
]
Share = Annotated[
    Decimal,
    _Bounded(
        kind="share",
        integer_digits=6,
        places=6,
        sign="positive",
        description='An ownership share above zero, below 10^6, at most 6 decimals, e.g. "0.25".',
        example="0.25",
    ),
]
Percentage = Annotated[
    Decimal,
    _Bounded(
        kind="percentage",
        integer_digits=3,
        places=4,
        sign="non_negative",
        maximum=Decimal(100),
        description='A percentage from 0 to 100 with at most 4 decimals, e.g. "33.3333".',
        example="50",
    ),
]
Rate = Annotated[
    Decimal,
    _Bounded(
        kind="rate",
        integer_digits=6,
        places=10,
        sign="positive",
        description='An exchange rate above zero, below 10^6, at most 10 decimals, e.g. "92.5".',
        example="92.5",
    ),
]
MeterValue = Annotated[
    Decimal,
    _Bounded(
        kind="meter_value",
        integer_digits=12,
        places=3,
        sign="non_negative",
        description='A meter reading, at most 3 decimals, below 10^12, e.g. "1234.5".',
        example="1234.5",
    ),
]
Tariff = Annotated[
    Decimal,
    _Bounded(
        kind="tariff",
        integer_digits=9,
        places=6,
        sign="non_negative",
        description='A price per unit, below 10^9, at most 6 decimals, e.g. "5.47".',
        example="5.47",
    ),
]

# --- text -----------------------------------------------------------------------------------

_MULTILINE_ALLOWED = frozenset("\n\r\t")


def check_text(value: str, *, multiline: bool = False, field: str = "text") -> str:
    """Refuse characters no column should hold: NUL and other control characters (newlines
    and tabs are allowed in multi-line text) and lone surrogates (not encodable as UTF-8)."""
    for char in value:
        category = unicodedata.category(char)
        if category == "Cs":
            raise ValueError(f"{field} contains an invalid character (a lone surrogate)")
        if category == "Cc" and not (multiline and char in _MULTILINE_ALLOWED):
            what = "NUL" if char == "\0" else f"U+{ord(char):04X}"
            raise ValueError(f"{field} must not contain control characters ({what})")
    return value


def _text_validator(multiline: bool) -> AfterValidator:
    def validate(value: str, info: ValidationInfo) -> str:
        try:
            return check_text(value, multiline=multiline, field=info.field_name or "text")
        except ValueError as exc:
            raise PydanticCustomError("text_characters", "{reason}", {"reason": str(exc)}) from None

    return AfterValidator(validate)


_SINGLE_LINE = _text_validator(multiline=False)
_MULTI_LINE = _text_validator(multiline=True)


Name = Annotated[str, StringConstraints(min_length=1, max_length=200), _SINGLE_LINE]
"""A name (of a community, group, period, owner, list or item): 1 … 200 characters, one line."""

Label = Annotated[str, StringConstraints(min_length=1, max_length=100), _SINGLE_LINE]
"""A short label (category, payment type): 1 … 100 characters, one line."""

Username = Annotated[str, StringConstraints(max_length=64), _SINGLE_LINE]
"""A Telegram username (Telegram allows 32; 64 leaves room)."""

Description = Annotated[str, StringConstraints(max_length=2000), _MULTI_LINE]
"""Free text (a description, comment or note): at most 2000 characters, newlines allowed."""

ShortDescription = Annotated[str, StringConstraints(max_length=500), _MULTI_LINE]
"""A shorter free text (an expense's description, a deletion reason): at most 500 characters."""

RequiredDescription = Annotated[str, StringConstraints(min_length=1, max_length=2000), _MULTI_LINE]
"""Free text that must be given (a charge's description): 1 … 2000 characters."""

Reason = Annotated[str, StringConstraints(min_length=1, max_length=2000), _MULTI_LINE]
"""Why something was reversed: 1 … 2000 characters, newlines allowed."""

Timezone = Annotated[str, StringConstraints(min_length=1, max_length=64), _SINGLE_LINE]
"""An IANA time zone name such as ``Europe/Moscow``."""

Line = Annotated[str, StringConstraints(max_length=4096), _MULTI_LINE]
"""A message text (Telegram's limit is 4096 characters)."""


__all__ = [
    "MAX_AMOUNT_INTEGER_DIGITS",
    "MAX_ID",
    "MAX_INT32",
    "Amount",
    "Description",
    "Id",
    "Label",
    "Line",
    "MeterValue",
    "Name",
    "Offset",
    "Percentage",
    "PositiveAmount",
    "Rate",
    "Reason",
    "RequiredDescription",
    "Share",
    "ShortDescription",
    "Tariff",
    "Timezone",
    "Units",
    "Username",
    "Version",
    "check_text",
]
