"""Reading what users type after a command."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from bot_gateway.domain import parsing
from bot_gateway.domain.limits import earliest_send
from bot_gateway.domain.texts import TEXTS, language_of, money

pytestmark = pytest.mark.unit


@pytest.mark.parametrize(
    ("text", "expected"),
    [("1000", "1000.00"), ("1 000,50", "1000.50"), ("1,000.50", "1000.50"), ("0.01", "0.01")],
)
def test_amounts(text: str, expected: str) -> None:
    assert parsing.parse_amount(text) == Decimal(expected)


@pytest.mark.parametrize(
    "text", ["0", "-5", "abc", "1.001", "NaN", "99999999999999999", "1e999999", "Infinity"]
)
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
    assert language_of("uk") == "en"  # no Ukrainian catalogue: English, not Russian
    assert money("5000", "RUB", "en") == "₽5,000.00"
    assert money("5000.5", "RUB", "ru") == "5\u00a0000,50\u00a0₽"


def test_sending_limits() -> None:
    t0 = datetime(2025, 1, 1, tzinfo=UTC)
    # One a second in a chat.
    assert earliest_send(5, t0, t0, []) == t0 + timedelta(seconds=1)
    # Twenty a minute in a group: the 21st waits until the oldest of the last 20 is a minute old.
    window = [t0 + timedelta(seconds=i) for i in range(20)]
    assert earliest_send(-5, t0, window[-1], window) == t0 + timedelta(minutes=1)
    # A shorter window (tests) works the same way.
    short = {"per_group_per_minute": 3, "group_window": timedelta(seconds=2)}
    assert earliest_send(-5, t0, None, window[-3:], **short) == window[-3] + timedelta(seconds=2)
    assert earliest_send(-5, t0, None, window[-2:], **short) == t0
    # A private chat has no per-minute limit.
    assert earliest_send(5, t0, window[-1], window) == window[-1] + timedelta(seconds=1)


def test_split_numbers() -> None:
    total = Decimal("900.00")
    assert parsing.parse_split_numbers("SHARES", "2 1 1", 3, total) == [2, 1, 1]
    assert parsing.parse_split_numbers("PERCENTAGE", "33,5 66.5", 2, total) == ["33.50", "66.50"]
    assert parsing.parse_split_numbers("EXACT_AMOUNTS", "600 300", 2, total) == ["600.00", "300.00"]
    for split_type, text, key in [
        ("SHARES", "2 1", "split_numbers_count"),
        ("SHARES", "2 0 1", "split_shares_whole"),
        ("SHARES", "1.5 1 1", "split_shares_whole"),
        ("PERCENTAGE", "50 x 10", "split_not_a_number"),
        ("PERCENTAGE", "50 40 5", "split_percent_sum"),
        ("EXACT_AMOUNTS", "300 300 200", "split_amounts_sum"),
    ]:
        with pytest.raises(parsing.Unreadable) as refused:
            parsing.parse_split_numbers(split_type, text, 3, total)
        assert refused.value.key == key
    assert parsing.split_example("SHARES", 3, total) == "2 1 1"
    assert parsing.split_example("PERCENTAGE", 3, total) == "34 33 33"
    assert parsing.split_example("EXACT_AMOUNTS", 3, Decimal("100.00")) == "33.34 33.33 33.33"


def test_every_text_the_bot_says_exists_in_both_languages() -> None:
    source = Path(__file__).parents[1] / "src" / "bot_gateway"
    said = re.compile(
        r"""(?:\bsay|\.t|Unreadable)\(\s*"([A-Za-z_]+)"|\bsay\(\s*\w+,\s*"([a-z_]+)\""""
    )
    keys = set()
    for path in source.rglob("*.py"):
        for match in said.finditer(path.read_text()):
            keys.add(match.group(1) or match.group(2))
    assert "summary_settle" in keys and "usage_pay" in keys
    assert sorted(keys - set(TEXTS)) == []
    assert [k for k, v in TEXTS.items() if set(v) != {"ru", "en"}] == []
