"""What the Mini App shows, shaped from the services' answers (``domain/miniapp.py``): no I/O."""

from __future__ import annotations

import doctest
from decimal import Decimal
from typing import Any

import pytest
from bot_gateway.domain import miniapp
from bot_gateway.fake_telegram_calls import menu_button_problem
from hypothesis import given, settings, strategies as st

pytestmark = pytest.mark.unit


def _line(**values: Any) -> dict[str, Any]:
    line = {
        "period_id": 1,
        "name": "May",
        "status": "CLOSED",
        "opening_balance": "0",
        "total_contributions": "0",
        "total_expenses": "0",
        "total_charges": "0",
        "total_paid_expenses": "0",
        "balance": "0",
    }
    line.update(values)
    return line


def test_an_owner_sees_what_was_carried_in_as_carried_and_what_to_pay() -> None:
    statement = {
        "currency": "RUB",
        "current_balance": "-700",
        "periods": [
            _line(total_charges="500", balance="-500"),
            # -500 carried in (an opening charge), 300 charged and 100 paid in June
            _line(
                period_id=2,
                name="June",
                status="OPEN",
                opening_balance="-500",
                total_charges="800",
                total_contributions="100",
                total_expenses="50",
                total_paid_expenses="50",
                balance="-1200",
            ),
        ],
    }
    entries = [
        {"id": 1, "what": "charge", "kind": "opening", "amount": "500", "date": "2026-06-01"},
        {
            "id": 2,
            "what": "charge",
            "kind": "regular",
            "amount": "300",
            "date": "2026-06-02",
            "description": "Fee",
            "period": "June",
        },
        {
            "id": 3,
            "what": "payment",
            "kind": "regular",
            "amount": "100",
            "date": "2026-06-03T10:00:00",
            "comment": "cash",
            "period": "June",
        },
        {
            "id": 4,
            "what": "payment",
            "kind": "reversal",
            "amount": "-100",
            "date": "2026-06-03T11:00:00",
            "reason": "typo",
            "period": "June",
        },
    ]
    view = miniapp.owner_view(7, "Birches", statement, entries, "ru")
    assert (view["balance"], view["to_pay"], view["owes"]) == ("-700,00\xa0₽", "700,00\xa0₽", True)
    june, may = view["periods"]  # newest first
    assert (june["carried_in"], june["paid"], june["charged"], june["expenses"]) == (
        "-500,00\xa0₽",
        "100,00\xa0₽",
        "300,00\xa0₽",
        "0,00\xa0₽",
    )
    assert may["carried_in"] == "" and may["negative"]
    # The carried balance is no event of its own; a reversal is a correction; newest first.
    assert [(h["kind"], h["amount"], h["adds"]) for h in view["history"]] == [
        ("correction", "-100,00\xa0₽", False),
        ("payment", "100,00\xa0₽", True),
        ("charge", "300,00\xa0₽", False),
    ]
    assert view["history"][2]["date"] == "2 июн. 2026\u202fг."
    english = miniapp.owner_view(7, "Birches", statement, entries, "en")
    assert english["to_pay"] == "₽700.00" and english["history"][2]["date"] == "Jun 2, 2026"


def test_an_owner_in_credit_has_nothing_to_pay() -> None:
    statement = {"currency": "RUB", "current_balance": "15", "periods": [_line(balance="15")]}
    view = miniapp.owner_view(7, "B", statement, [], "en")
    assert (view["balance"], view["to_pay"], view["owes"], view["negative"]) == (
        "₽15.00",
        "₽0.00",
        False,
        False,
    )


def test_a_treasurer_sees_collection_and_the_owners_behind_most_owed_first() -> None:
    sheet = {
        "currency": "RUB",
        "total_period_balance": "-1300",
        "entries": [
            {"owner_id": 1, "total_contributions": "1000", "balance": "0"},
            {"owner_id": 2, "total_contributions": "200", "balance": "-300"},
            {"owner_id": 3, "total_contributions": "0", "balance": "-1000"},
        ],
    }
    period = {"id": 5, "name": "May", "status": "OPEN"}
    view = miniapp.treasurer_view(9, "B", period, sheet, {1: "Anna", 2: "Boris"}, "en")
    assert (view["collected"], view["due"], view["percent"]) == ("₽1,200.00", "₽2,500.00", 48)
    assert [(a["name"], a["owes"]) for a in view["arrears"]] == [
        ("#3", "₽1,000.00"),
        ("Boris", "₽300.00"),
    ]
    assert [r["name"] for r in view["rows"]] == ["#3", "Anna", "Boris"]
    assert view["total"] == "-₽1,300.00"


def test_a_group_member_sees_balances_and_their_own_part_of_the_plan() -> None:
    summary = {
        "group_id": 4,
        "group_name": "Trip",
        "currency": "EUR",
        "user_balances": [
            {"user_id": 2, "net_balance": "-10"},
            {"user_id": 1, "net_balance": "10"},
            {"user_id": 3, "net_balance": "0"},
        ],
        "suggested_settlements": [{"from_user_id": 2, "to_user_id": 1, "amount": "10"}],
    }
    view = miniapp.group_view(summary, {1: "Bob", 2: "Ann"}, 2, "ru", "кто-то")
    assert [(b["name"], b["state"], b["amount"], b["me"]) for b in view["balances"]] == [
        ("Ann", "owes", "10,00\xa0€", True),
        ("Bob", "owed", "10,00\xa0€", False),
        ("кто-то", "even", "0,00\xa0€", False),
    ]
    assert view["plan"] == [{"payer": "Ann", "payee": "Bob", "amount": "10,00\xa0€", "mine": True}]


amounts = st.decimals(min_value=0, max_value=10**9, places=2, allow_nan=False)


@settings(max_examples=200, deadline=None)
@given(collected=amounts, due=amounts)
def test_collection_percent_is_between_0_and_100_and_100_only_when_collected(
    collected: Decimal, due: Decimal
) -> None:
    share = miniapp.percent(collected, due)
    assert 0 <= share <= 100
    assert (share == 100) == (due == 0 or collected >= due)


@pytest.mark.parametrize(
    ("button", "problem"),
    [
        ({"type": "web_app", "text": "App", "web_app": {"url": "https://x.org/miniapp"}}, None),
        ({"type": "default"}, None),
        ({"type": "web_app", "text": "App", "web_app": {"url": "http://x.org/"}}, "HTTPS"),
        ({"type": "web_app", "text": "", "web_app": {"url": "https://x.org/"}}, "text"),
        ({"type": "photo"}, "unsupported"),
    ],
)
def test_the_fake_bot_api_refuses_menu_buttons_telegram_refuses(
    button: dict[str, Any], problem: str | None
) -> None:
    found = menu_button_problem({"menu_button": button})
    assert found is None if problem is None else problem in str(found)


def test_worked_examples_in_the_docstring_hold() -> None:
    failed, tried = doctest.testmod(miniapp)
    assert tried > 0 and failed == 0
