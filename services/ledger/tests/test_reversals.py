"""Corrections are reversals: a new entry with the negated amount and a reason; the original stays,
balances return to where they were, and an entry is reversed at most once."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

pytestmark = pytest.mark.integration

P = "/api/payments/periods"


async def _month(treasurer: Any) -> int:
    await treasurer.start({1: "1", 2: "3"})
    return int(await treasurer.period())


async def test_reversing_a_contribution_restores_the_balance_and_keeps_both_entries(
    treasurer: Any,
) -> None:
    pid = await _month(treasurer)
    await treasurer.ok("POST", f"{P}/{pid}/contributions", {"user_id": 1, "amount": "300.00"})
    before = await treasurer.ok("GET", f"{P}/{pid}/owner-balance/1")
    wrong = await treasurer.ok(
        "POST", f"{P}/{pid}/contributions", {"user_id": 1, "amount": "1000.00"}
    )
    reversal = await treasurer.ok(
        "POST", f"{P}/{pid}/contributions/{wrong['id']}/reverse", {"reason": "Typo: was 100.00"}
    )
    assert (reversal["amount"], reversal["kind"], reversal["reverses_id"]) == (
        "-1000.00",
        "reversal",
        wrong["id"],
    )
    assert reversal["reason"] == "Typo: was 100.00"
    after = await treasurer.ok("GET", f"{P}/{pid}/owner-balance/1")
    assert after == before
    history = await treasurer.ok("GET", f"{P}/{pid}/contributions?owner_id=1")
    assert [(c["amount"], c["kind"]) for c in history] == [
        ("300.00", "regular"),
        ("1000.00", "regular"),
        ("-1000.00", "reversal"),
    ]


async def test_reversing_an_expense_negates_every_allocation_line(treasurer: Any) -> None:
    pid = await _month(treasurer)
    expense = await treasurer.ok(
        "POST",
        f"{P}/{pid}/expenses",
        {"amount": "100.00", "payment_type": "Water", "paid_by_user_id": 2},
    )
    assert [a["amount"] for a in expense["allocations"]] == ["25.00", "75.00"]
    reversal = await treasurer.ok(
        "POST", f"{P}/{pid}/expenses/{expense['id']}/reverse", {"reason": "Duplicate invoice"}
    )
    assert [a["amount"] for a in reversal["allocations"]] == ["-25.00", "-75.00"]
    assert reversal["paid_by_user_id"] == 2 and reversal["amount"] == "-100.00"
    sheet = await treasurer.ok("GET", f"{P}/{pid}/balance-sheet")
    assert all(e["balance"] == "0.00" for e in sheet["entries"])


async def test_reversing_a_charge(treasurer: Any) -> None:
    pid = await _month(treasurer)
    charge = await treasurer.ok(
        "POST", f"{P}/{pid}/charges", {"user_id": 2, "amount": "50.00", "description": "Late fee"}
    )
    reversal = await treasurer.ok(
        "POST", f"{P}/{pid}/charges/{charge['id']}/reverse", {"reason": "Paid on time after all"}
    )
    assert reversal["amount"] == "-50.00" and reversal["description"] == "Reversal: Late fee"
    assert (await treasurer.ok("GET", f"{P}/{pid}/owner-balance/2"))["total_charges"] == "0.00"


async def test_what_cannot_be_reversed(treasurer: Any) -> None:
    pid = await _month(treasurer)
    entry = await treasurer.ok(
        "POST", f"{P}/{pid}/contributions", {"user_id": 1, "amount": "10.00"}
    )
    path = f"{P}/{pid}/contributions/{entry['id']}/reverse"
    no_reason = await treasurer.call("POST", path, {"reason": ""})
    assert no_reason.status_code == 400
    reversal = await treasurer.ok("POST", path, {"reason": "wrong owner"})
    twice = await treasurer.call("POST", path, {"reason": "again"})
    assert twice.status_code == 409
    assert twice.json()["detail"] == f"Contribution {entry['id']} has already been reversed"
    of_reversal = await treasurer.call(
        "POST", f"{P}/{pid}/contributions/{reversal['id']}/reverse", {"reason": "undo the undo"}
    )
    assert of_reversal.status_code == 400
    missing = await treasurer.call(
        "POST", f"{P}/{pid}/contributions/999999/reverse", {"reason": "x"}
    )
    assert missing.status_code == 404
    await treasurer.ok("POST", f"{P}/{pid}/close")
    other = await treasurer.ok("GET", f"{P}/{pid}/contributions")
    closed = await treasurer.call(
        "POST", f"{P}/{pid}/contributions/{other[0]['id']}/reverse", {"reason": "too late"}
    )
    assert closed.status_code == 400
    assert closed.json()["detail"] == f"Period {pid} is not open for contributions"


async def test_two_racing_reversals_of_one_entry_record_one(treasurer: Any) -> None:
    pid = await _month(treasurer)
    entry = await treasurer.ok(
        "POST", f"{P}/{pid}/contributions", {"user_id": 1, "amount": "10.00"}
    )
    path = f"{P}/{pid}/contributions/{entry['id']}/reverse"
    responses = await asyncio.gather(
        *(treasurer.call("POST", path, {"reason": f"attempt {n}"}) for n in range(5))
    )
    assert sorted(r.status_code for r in responses) == [201, 409, 409, 409, 409]
    assert (await treasurer.ok("GET", f"{P}/{pid}/owner-balance/1"))["balance"] == "0.00"


async def test_a_reversed_contribution_leaves_the_fund(treasurer: Any) -> None:
    pid = await _month(treasurer)
    entry = await treasurer.ok(
        "POST", f"{P}/{pid}/contributions", {"user_id": 1, "amount": "70.00"}
    )
    await treasurer.ok("POST", f"{P}/{pid}/contributions", {"user_id": 2, "amount": "30.00"})
    await treasurer.ok(
        "POST", f"{P}/{pid}/contributions/{entry['id']}/reverse", {"reason": "bounced"}
    )
    fund = await treasurer.ok("GET", f"{P}/{pid}/fund-summary")
    assert (fund["total_contributions"], fund["fund_balance"]) == ("30.00", "30.00")
