"""Bounded input types: what each column holds is accepted, anything else refused with a reason
naming the field. Hypothesis checks the edges against the columns' own arithmetic."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from hypothesis import given, strategies as st
from pydantic import BaseModel, ValidationError
from sosenki_contracts.bounds import (
    MAX_ID,
    MAX_INT32,
    Amount,
    Description,
    Id,
    MeterValue,
    Name,
    Percentage,
    PositiveAmount,
    Rate,
    Share,
    Tariff,
    Units,
    check_text,
)
from sosenki_contracts.commands.ledger import AddOwner, RecordContribution
from sosenki_contracts.commands.splits import CreateExpense

pytestmark = pytest.mark.unit


class M(BaseModel):
    id: Id | None = None
    units: Units | None = None
    amount: Amount | None = None
    positive: PositiveAmount | None = None
    share: Share | None = None
    percentage: Percentage | None = None
    rate: Rate | None = None
    meter: MeterValue | None = None
    tariff: Tariff | None = None
    name: Name | None = None
    description: Description | None = None


def _refusal(**fields: Any) -> str:
    with pytest.raises(ValidationError) as info:
        M(**fields)
    error = info.value.errors()[0]
    return f"{error['loc'][0]}: {error['msg']}"


@pytest.mark.parametrize(
    ("fields", "reason"),
    [
        ({"id": 2**63}, "id: Input should be less than or equal to 9223372036854775807"),
        ({"id": 0}, "id: Input should be greater than or equal to 1"),
        ({"units": 2**31}, "units: Input should be less than or equal to 2147483647"),
        ({"amount": "99999999999999999"}, "amount: amount must be below 1000000000000"),
        ({"amount": "1.00001"}, "amount: amount has more than 4 decimal places"),
        ({"positive": "0"}, "positive: positive must be positive"),
        ({"share": "0.0000001"}, "share: share has more than 6 decimal places"),
        ({"share": "1000000"}, "share: share must be below 1000000"),
        ({"share": "0"}, "share: share must be positive"),
        ({"percentage": "100.0001"}, "percentage: percentage must be at most 100"),
        ({"percentage": "-1"}, "percentage: percentage must not be negative"),
        ({"rate": "1" * 21}, "rate: rate must be below 1000000"),
        ({"rate": "0.00000000001"}, "rate: rate has more than 10 decimal places"),
        ({"meter": "1.0001"}, "meter: meter has more than 3 decimal places"),
        ({"tariff": "-1"}, "tariff: tariff must not be negative"),
        ({"name": "a\x00b"}, "name: name must not contain control characters (NUL)"),
        ({"name": "two\nlines"}, "name: name must not contain control characters (U+000A)"),
        ({"name": ""}, "name: String should have at least 1 character"),
        ({"name": "x" * 201}, "name: String should have at most 200 characters"),
        ({"description": "bell\x07"}, "description: description must not contain control"),
        ({"description": "\ud800"}, "description: Input should be a valid string"),
        ({"amount": 10.5}, "amount: amount must be a decimal string"),
        ({"amount": "NaN"}, "amount: amount must be a finite number"),
        ({"amount": "1e5"}, "amount: amount must be a decimal string"),
    ],
)
def test_what_storage_cannot_hold_is_refused_naming_the_field(
    fields: dict[str, Any], reason: str
) -> None:
    assert _refusal(**fields).startswith(reason)


def test_what_storage_holds_is_accepted() -> None:
    m = M(
        id=MAX_ID,
        units=MAX_INT32,
        amount="-999999999999.9999",
        positive="0.01",
        share="999999.999999",
        percentage="100",
        rate="999999.9999999999",
        meter="0",
        tariff="0",
        name="Ёлки-палки 🌲",
        description="line one\nline two\ttabbed",
    )
    assert m.share == Decimal("999999.999999")
    assert m.model_dump(mode="json")["amount"] == "-999999999999.9999"


def test_commands_refuse_the_hostile_inputs_too() -> None:
    with pytest.raises(ValidationError, match="ownership_share"):
        AddOwner(community_id=1, user_id=1, display_name="A", ownership_share="0.0000001")
    with pytest.raises(ValidationError, match="period_id"):
        RecordContribution(period_id=2**63, owner_id=1, amount="1")
    with pytest.raises(ValidationError, match="share_units"):
        CreateExpense.model_validate(
            {
                "description": "x",
                "total_amount": "10",
                "group_id": 1,
                "split_type": "SHARES",
                "splits_in": [{"user_id": 1, "share_units": 2**31}],
            }
        )
    with pytest.raises(ValidationError, match="exchange_rate"):
        CreateExpense(description="x", total_amount="10", group_id=1, exchange_rate="9" * 21)


def test_json_schema_says_what_is_accepted() -> None:
    schema = M.model_json_schema()["properties"]
    share = schema["share"]["anyOf"][0]
    assert share["type"] == "string" and share["pattern"] == r"^[0-9]{1,6}(\.[0-9]{1,6})?$"
    assert schema["id"]["anyOf"][0] == {"type": "integer", "minimum": 1, "maximum": MAX_ID}


# --- properties -------------------------------------------------------------------------------


# The columns' own rule, written independently: NUMERIC(p, s) holds |x| < 10^(p-s) with s places.
def _fits(value: Decimal, integer_digits: int, places: int) -> bool:
    return abs(value) < Decimal(10) ** integer_digits and value == round(value, places)


decimals = st.decimals(allow_nan=False, allow_infinity=False, places=None).filter(
    lambda d: len(d.as_tuple().digits) <= 30 and d.is_finite()
) | st.decimals(min_value=-(10**14), max_value=10**14, places=8)


@given(decimals)
def test_a_share_is_accepted_exactly_when_numeric_12_6_holds_it_and_it_is_positive(
    value: Decimal,
) -> None:
    text = format(value, "f")
    ok = value > 0 and _fits(value, 6, 6)
    try:
        accepted = M(share=text).share
    except ValidationError:
        assert not ok
    else:
        assert ok and accepted == value


@given(decimals)
def test_an_amount_is_accepted_exactly_when_it_fits_below_10_to_12_with_4_places(
    value: Decimal,
) -> None:
    ok = _fits(value, 12, 4)
    try:
        accepted = M(amount=format(value, "f")).amount
    except ValidationError:
        assert not ok
    else:
        assert ok and accepted == value


@given(st.integers())
def test_an_id_is_accepted_exactly_within_bigint_and_positive(value: int) -> None:
    try:
        M(id=value)
    except ValidationError:
        assert not 1 <= value <= 2**63 - 1
    else:
        assert 1 <= value <= 2**63 - 1


@given(st.text())
def test_text_is_refused_exactly_when_it_has_a_control_character_or_lone_surrogate(
    value: str,
) -> None:
    bad = any(ord(c) < 32 or 127 <= ord(c) < 160 or 0xD800 <= ord(c) <= 0xDFFF for c in value)
    try:
        check_text(value)
    except ValueError:
        assert bad
    else:
        assert not bad
        value.encode("utf-8")  # what PostgreSQL will be sent
