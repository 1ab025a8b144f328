"""Amounts as people type them: every way a Russian or an English speaker writes an amount reads
as that amount, the ambiguous ones are refused (never guessed), and in a command the amount's
words are told apart from the comment."""

from __future__ import annotations

from decimal import Decimal

import pytest
from bot_gateway.domain import parsing
from bot_gateway.domain.amounts import AmbiguousAmount, NotAnAmount, parse_amount, take_amount
from hypothesis import given, settings, strategies as st

pytestmark = pytest.mark.unit

CENTS = st.integers(min_value=1, max_value=10**13 - 1).map(lambda c: Decimal(c) / 100)


def english(amount: Decimal, grouped: bool, decimals: bool) -> str:
    text = f"{amount:,.2f}" if grouped else f"{amount:.2f}"
    return text if decimals else text.removesuffix(".00")


def russian(amount: Decimal, grouped: bool, decimals: bool, space: str) -> str:
    text = f"{amount:,.2f}".replace(",", space) if grouped else f"{amount:.2f}"
    text = text.replace(".", ",")
    return text if decimals else text.removesuffix(",00")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("3 000", "3000"),
        ("3 000,50", "3000.50"),
        ("3000.50", "3000.50"),
        ("3,000.50", "3000.50"),
        ("1 234 567", "1234567"),
        ("1\u00a0234\u00a0567,5", "1234567.50"),
        ("3.000,50", "3000.50"),
        ("1,234,567", "1234567"),
        ("1,5", "1.50"),
        ("12000", "12000"),
    ],
)
def test_typed_amounts(text: str, expected: str) -> None:
    assert parse_amount(text) == Decimal(expected)


@pytest.mark.parametrize("text", ["3,000", "3.000", "250,000", "1.500"])
def test_ambiguous_amounts_are_refused_with_both_readings(text: str) -> None:
    with pytest.raises(AmbiguousAmount) as refused:
        parse_amount(text)
    big, small = refused.value.suggestions
    assert parse_amount(big) == Decimal(text.replace(",", "").replace(".", ""))
    assert parse_amount(small) == Decimal(text.replace(",", "."))


@pytest.mark.parametrize(
    "text", ["30 00", "1,23,456", "1.2.3", "3 000.000", "1,000,00", "0", "-5", "1e5", "٣٠٠٠"]
)
def test_misshapen_amounts_are_refused(text: str) -> None:
    with pytest.raises(NotAnAmount):
        parse_amount(text)


@settings(max_examples=300, deadline=None)
@given(CENTS, st.booleans(), st.booleans(), st.sampled_from([" ", "\u00a0", "\u202f"]))
def test_russian_amounts_read_back(
    amount: Decimal, grouped: bool, decimals: bool, space: str
) -> None:
    cents = amount != amount.to_integral_value()
    assert parse_amount(russian(amount, grouped, decimals or cents, space)) == amount


@settings(max_examples=300, deadline=None)
@given(CENTS, st.booleans(), st.booleans())
def test_english_amounts_read_back_or_are_refused(
    amount: Decimal, grouped: bool, decimals: bool
) -> None:
    text = english(amount, grouped, decimals or amount != amount.to_integral_value())
    try:
        read = parse_amount(text)
    except AmbiguousAmount as refused:
        # Only "3,000": one comma and three digits after it; one reading is the amount.
        assert text.count(",") == 1 and "." not in text and len(text.split(",")[1]) == 3
        assert parse_amount(refused.suggestions[0]) == amount
        return
    assert read == amount


@settings(max_examples=200, deadline=None)
@given(CENTS, st.booleans(), st.sampled_from(["взнос", "June", "за ноябрь", "—"]))
def test_an_amount_in_a_command_is_never_cut_short(
    amount: Decimal, russian_style: bool, comment: str
) -> None:
    typed = russian(amount, True, True, " ") if russian_style else english(amount, True, True)
    read, rest = take_amount(f"{typed} {comment}".split())
    assert read == amount and " ".join(rest) == comment


def test_the_misreads_from_the_issue() -> None:
    assert parsing.parse_pay("@pavel 3 000 взнос") == parsing.Pay(
        Decimal("3000.00"), "взнос", "pavel"
    )
    assert parsing.parse_expense("12 000 уборка снега").amount == Decimal("12000.00")
    with pytest.raises(parsing.Unreadable) as refused:
        parsing.parse_pay("3,000 взнос")
    assert refused.value.key == "amount_ambiguous"
    with pytest.raises(parsing.Unreadable) as refused:
        parsing.parse_pay("3 00 взнос")
    assert refused.value.key == "amount_unreadable"
