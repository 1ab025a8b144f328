"""Reading what users type after a command."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from bot_gateway.domain import parsing
from bot_gateway.domain.limits import earliest_send
from bot_gateway.domain.texts import language_of, money

pytestmark = pytest.mark.unit


@pytest.mark.parametrize(
    ("text", "expected"),
    [("1000", "1000.00"), ("1 000,50", "1000.50"), ("1,000.50", "1000.50"), ("0.01", "0.01")],
)
def test_amounts(text: str, expected: str) -> None:
    assert parsing.parse_amount(text) == Decimal(expected)


@pytest.mark.parametrize("text", ["0", "-5", "abc", "1.001", "NaN"])
def test_bad_amounts(text: str) -> None:
    with pytest.raises(ValueError):
        parsing.parse_amount(text)


def test_pay() -> None:
    assert parsing.parse_pay("1000 June") == parsing.Pay(Decimal("1000.00"), "June")
    assert parsing.parse_pay("@alice 5,5") == parsing.Pay(Decimal("5.50"), None, "alice")
    with pytest.raises(parsing.Unreadable):
        parsing.parse_pay("")


def test_expense() -> None:
    parsed = parsing.parse_expense("5000 maintenance Gazprom — boiler service")
    assert parsed == parsing.Expense(Decimal("5000.00"), "maintenance", "Gazprom", "boiler service")
    assert parsing.parse_expense("10 snow").vendor is None
    with pytest.raises(parsing.Unreadable):
        parsing.parse_expense("10")


def test_charge_split_settle_meter() -> None:
    assert parsing.parse_charge("@bob 250 Penalty for noise") == parsing.Charge(
        "bob", Decimal("250.00"), "Penalty for noise"
    )
    split = parsing.parse_split("900 dinner @bob @carol")
    assert split == parsing.Split(Decimal("900.00"), "dinner", ["bob", "carol"])
    assert parsing.parse_settle("@bob 300") == parsing.Settle("bob", Decimal("300.00"))
    assert parsing.parse_meter("1234,5") == Decimal("1234.5")
    with pytest.raises(parsing.Unreadable):
        parsing.parse_settle("bob 300")


def test_languages_and_money() -> None:
    assert language_of("ru") == "ru" and language_of("en-US") == "en" and language_of(None) == "en"
    assert money("5000", "RUB", "en") == "5,000.00 RUB"
    assert money("5000.5", "RUB", "ru") == "5\u00a0000,50 RUB"


def test_sending_limits() -> None:
    t0 = datetime(2025, 1, 1, tzinfo=UTC)
    # One a second in a chat.
    assert earliest_send(5, t0, t0, []) == t0 + timedelta(seconds=1)
    # Twenty a minute in a group: the 21st waits until the oldest of the last 20 is a minute old.
    window = [t0 + timedelta(seconds=i) for i in range(20)]
    assert earliest_send(-5, t0, window[-1], window) == t0 + timedelta(minutes=1)
    # A private chat has no per-minute limit.
    assert earliest_send(5, t0, window[-1], window) == window[-1] + timedelta(seconds=1)
