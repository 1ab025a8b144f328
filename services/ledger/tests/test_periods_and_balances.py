"""A treasurer's month over HTTP (in-process app, real PostgreSQL and Kafka): allocation, balances,
closing, reopening and carrying balances forward, including races."""

from __future__ import annotations

import asyncio
from datetime import datetime
from typing import Any

import pytest

pytestmark = pytest.mark.integration

P = "/api/payments/periods"


async def test_fixed_fee_of_100_over_7_owners_gives_four_14_29_and_three_14_28(
    treasurer: Any,
) -> None:
    await treasurer.start({u: "1" for u in range(1, 8)})
    pid = await treasurer.period()
    expense = await treasurer.ok(
        "POST",
        f"{P}/{pid}/expenses",
        {"amount": "100.00", "payment_type": "Cleaning", "allocation_strategy": "FIXED_FEE"},
    )
    amounts = [line["amount"] for line in expense["allocations"]]
    assert amounts == ["14.29"] * 4 + ["14.28"] * 3
    shown = await treasurer.ok("GET", f"{P}/{pid}/expenses/{expense['id']}")
    assert shown["allocations"] == expense["allocations"]


async def test_proportional_1000_over_shares_33_3_33_3_33_4(treasurer: Any) -> None:
    await treasurer.start({1: "33.3", 2: "33.3", 3: "33.4"})
    pid = await treasurer.period()
    expense = await treasurer.ok(
        "POST",
        f"{P}/{pid}/expenses",
        {"amount": "1000.00", "payment_type": "Roof", "allocation_strategy": "PROPORTIONAL"},
    )
    assert [a["amount"] for a in expense["allocations"]] == ["333.00", "333.00", "334.00"]


async def test_balance_sheet_follows_the_ledger_rules(treasurer: Any) -> None:
    await treasurer.start({1: "1", 2: "1"})
    pid = await treasurer.period()
    await treasurer.ok("POST", f"{P}/{pid}/contributions", {"user_id": 1, "amount": "1000.00"})
    await treasurer.ok("POST", f"{P}/{pid}/contributions", {"user_id": 2, "amount": "800.00"})
    await treasurer.ok(
        "POST",
        f"{P}/{pid}/expenses",
        {
            "paid_by_user_id": 1,
            "amount": "1000.00",
            "payment_type": "Maintenance",
            "allocation_strategy": "FIXED_FEE",
        },
    )
    await treasurer.ok(
        "POST", f"{P}/{pid}/charges", {"user_id": 2, "amount": "300.00", "description": "Fee"}
    )
    await treasurer.ok(
        "POST",
        f"{P}/{pid}/expenses",
        {"amount": "50.00", "payment_type": "Bank", "allocation_strategy": "NONE"},
    )
    sheet = await treasurer.ok("GET", f"{P}/{pid}/balance-sheet")
    alice, bob = sheet["entries"]
    assert alice == {
        "owner_id": 1,
        "username": None,
        "total_contributions": "1000.00",
        "total_expenses": "500.00",
        "total_charges": "0.00",
        "total_paid_expenses": "1000.00",
        "balance": "1500.00",
    }
    assert (bob["total_expenses"], bob["total_charges"], bob["balance"]) == (
        "500.00",
        "300.00",
        "0.00",
    )
    assert sheet["total_period_balance"] == "1500.00"
    own = await treasurer.ok("GET", f"{P}/{pid}/owner-balance/2")
    assert own["balance"] == "0.00" and own["period_id"] == pid
    fund = await treasurer.ok("GET", f"{P}/{pid}/fund-summary")
    assert (fund["total_contributions"], fund["total_fund_expenses"], fund["fund_balance"]) == (
        "1800.00",
        "50.00",
        "1750.00",
    )
    missing = await treasurer.call("GET", f"{P}/{pid}/owner-balance/99")
    assert missing.status_code == 404


async def _closed_period_with_balances(treasurer: Any) -> int:
    """Owners 1..4 end at +100, +20, -80 and 0."""
    await treasurer.start({1: "1", 2: "1", 3: "1", 4: "1"})
    pid = await treasurer.period("November 2025")
    await treasurer.ok("POST", f"{P}/{pid}/contributions", {"user_id": 1, "amount": "100.00"})
    await treasurer.ok("POST", f"{P}/{pid}/contributions", {"user_id": 2, "amount": "20.00"})
    await treasurer.ok(
        "POST", f"{P}/{pid}/charges", {"user_id": 3, "amount": "80.00", "description": "Fee"}
    )
    await treasurer.ok("POST", f"{P}/{pid}/close")
    return pid


async def test_carry_forward_turns_credits_and_debts_into_opening_entries(treasurer: Any) -> None:
    nov = await _closed_period_with_balances(treasurer)
    dec = await treasurer.period("December 2025")
    result = await treasurer.ok(
        "POST", f"{P}/carry-forward", {"from_period_id": nov, "to_period_id": dec}
    )
    assert result == {
        "from_period_id": nov,
        "to_period_id": dec,
        "carried_forward_owners": {"1": "100.00", "2": "20.00", "3": "-80.00"},
        "total_carried": "40.00",
        "message": "Successfully carried forward 3 owner balances",
    }
    opening = await treasurer.ok("GET", f"{P}/{dec}/opening-transactions")
    assert [(c["user_id"], c["amount"]) for c in opening["opening_contributions"]] == [
        (1, "100.00"),
        (2, "20.00"),
    ]
    assert opening["opening_contributions"][0]["comment"] == "Opening balance from previous period"
    assert [(c["user_id"], c["amount"], c["description"]) for c in opening["opening_charges"]] == [
        (3, "80.00", "Opening debt from previous period")
    ]
    assert (opening["total_opening_contributions"], opening["total_opening_charges"]) == (
        "120.00",
        "80.00",
    )
    sheet = await treasurer.ok("GET", f"{P}/{dec}/balance-sheet")
    assert {e["owner_id"]: e["balance"] for e in sheet["entries"]} == {
        1: "100.00",
        2: "20.00",
        3: "-80.00",
        4: "0.00",
    }

    again = await treasurer.call(
        "POST", f"{P}/carry-forward", {"from_period_id": nov, "to_period_id": dec}
    )
    assert again.status_code == 409
    reopen = await treasurer.call("POST", f"{P}/{nov}/reopen")
    assert reopen.status_code == 409
    assert "carried forward" in reopen.json()["detail"]


async def test_a_chain_of_three_periods_keeps_every_balance(treasurer: Any) -> None:
    first = await _closed_period_with_balances(treasurer)
    second = await treasurer.period("December 2025")
    await treasurer.ok(
        "POST", f"{P}/carry-forward", {"from_period_id": first, "to_period_id": second}
    )
    await treasurer.ok("POST", f"{P}/{second}/contributions", {"user_id": 3, "amount": "30.00"})
    await treasurer.ok("POST", f"{P}/{second}/close")
    third = await treasurer.period("January 2026")
    result = await treasurer.ok(
        "POST", f"{P}/carry-forward", {"from_period_id": second, "to_period_id": third}
    )
    assert result["carried_forward_owners"] == {"1": "100.00", "2": "20.00", "3": "-50.00"}
    assert result["total_carried"] == "70.00"
    sheet = await treasurer.ok("GET", f"{P}/{third}/balance-sheet")
    assert sheet["total_period_balance"] == "70.00"


async def test_period_state_conflicts_use_the_seed_messages(treasurer: Any) -> None:
    await treasurer.start({1: "1"})
    open_period = await treasurer.period("Open")
    target = await treasurer.period("Target")
    not_closed = await treasurer.call(
        "POST", f"{P}/carry-forward", {"from_period_id": open_period, "to_period_id": target}
    )
    assert not_closed.status_code == 409
    assert not_closed.json() == {
        "detail": "Source period must be CLOSED to carry forward",
        "code": "period_not_closed",
    }

    await treasurer.ok("POST", f"{P}/{open_period}/close")
    closed_again = await treasurer.call("POST", f"{P}/{open_period}/close")
    assert closed_again.status_code == 409
    late = await treasurer.call(
        "POST", f"{P}/{open_period}/contributions", {"user_id": 1, "amount": "5.00"}
    )
    assert late.status_code == 400
    assert late.json() == {
        "detail": f"Period {open_period} is not open for contributions",
        "code": "period_not_open",
    }
    late_expense = await treasurer.call(
        "POST", f"{P}/{open_period}/expenses", {"amount": "5.00", "payment_type": "X"}
    )
    assert late_expense.json() == {
        "detail": f"Period {open_period} is not open for expenses",
        "code": "period_not_open",
    }

    await treasurer.ok("POST", f"{P}/{target}/close")
    into_closed = await treasurer.call(
        "POST", f"{P}/carry-forward", {"from_period_id": open_period, "to_period_id": target}
    )
    assert into_closed.status_code == 409
    reopened = await treasurer.ok("POST", f"{P}/{target}/reopen")
    assert reopened["status"] == "OPEN" and reopened["closed_at"] is None
    listed = await treasurer.ok("GET", f"{P}?status=CLOSED")
    assert [p["id"] for p in listed["periods"]] == [open_period]


async def test_two_racing_carry_forwards_of_one_source_let_exactly_one_through(
    treasurer: Any,
) -> None:
    nov = await _closed_period_with_balances(treasurer)
    dec = await treasurer.period("December 2025")
    body = {"from_period_id": nov, "to_period_id": dec}
    responses = await asyncio.gather(
        *(treasurer.call("POST", f"{P}/carry-forward", body) for _ in range(4))
    )
    assert sorted(r.status_code for r in responses) == [200, 409, 409, 409]
    opening = await treasurer.ok("GET", f"{P}/{dec}/opening-transactions")
    assert opening["total_opening_contributions"] == "120.00"


async def test_contributions_racing_a_close_never_land_in_the_closed_period(treasurer: Any) -> None:
    await treasurer.start({1: "1"})
    pid = await treasurer.period()
    attempts = [
        treasurer.call("POST", f"{P}/{pid}/contributions", {"user_id": 1, "amount": "1.00"})
        for _ in range(15)
    ]
    close = treasurer.call("POST", f"{P}/{pid}/close")
    results = await asyncio.gather(*attempts[:7], close, *attempts[7:])
    closing = results.pop(7)
    assert closing.status_code == 200
    closed_at = datetime.fromisoformat(closing.json()["closed_at"])
    accepted = [r.json() for r in results if r.status_code == 201]
    refused = [r for r in results if r.status_code == 400]
    assert len(accepted) + len(refused) == 15
    assert all(datetime.fromisoformat(c["date"]) < closed_at for c in accepted)
    listed = await treasurer.ok("GET", f"{P}/{pid}/contributions")
    assert len(listed) == len(accepted)
