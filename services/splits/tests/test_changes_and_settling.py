"""Changing and deleting expenses (optimistic locking, reversals), paying splits (also 20 at
once against real PostgreSQL), settlements and the group balance summary."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import pytest

pytestmark = pytest.mark.integration

E = "/financials/expenses"


async def test_update_recomputes_splits_and_a_stale_version_gets_409(
    people: Callable[[int], Any],
) -> None:
    alice, bob, carol = people(1), people(2), people(3)
    gid = await alice.group([2, 3])
    expense = await bob.expense(gid, "90.00")
    url = f"{E}/{expense['id']}"
    changed = await bob.ok("PUT", url, {"version": 1, "total_amount": "100.00"})
    assert changed["version"] == 2 and changed["total_amount"] == "100.00"
    assert [s["owed_amount"] for s in changed["splits"]] == ["33.34", "33.33", "33.33"]
    assert changed["payers"] == [{"user_id": 2, "amount": "100.00", "base_amount": "100.00"}]

    stale = await alice.call("PUT", url, {"version": 1, "description": "Late edit"})
    assert stale.status_code == 409
    assert stale.json()["detail"] == (
        f"Expense {expense['id']} has changed since version 1: the current version is 2"
    )
    denied = await carol.refused(403, "PUT", url, {"version": 2, "description": "Mine now"})
    assert denied == "Only the payer or an owner of the group may change this expense"
    # A group owner may change someone else's expense.
    renamed = await alice.ok(
        "PUT",
        url,
        {
            "version": 2,
            "description": "Weekly shop",
            "split_type": "SHARES",
            "splits_in": [{"user_id": 1, "share_units": 1}, {"user_id": 2, "share_units": 3}],
        },
    )
    assert renamed["description"] == "Weekly shop" and renamed["version"] == 3
    assert [(s["user_id"], s["owed_amount"]) for s in renamed["splits"]] == [
        (1, "25.00"),
        (2, "75.00"),
    ]
    bad = await bob.refused(
        400, "PUT", url, {"version": 3, "split_type": "EXACT_AMOUNTS", "total_amount": "50.00"}
    )
    assert "EXACT_AMOUNTS splits sum to 100.00, but the expense total is 50.00" == bad
    history = await alice.ok("GET", f"{url}/history")
    assert [(h["version"], h["action"]) for h in history] == [
        (1, "created"),
        (2, "updated"),
        (3, "updated"),
    ]
    assert history[0]["snapshot"]["total_amount"] == "90.00"


async def test_delete_is_a_reversal_kept_in_history(people: Callable[[int], Any]) -> None:
    alice, bob = people(1), people(2)
    gid = await alice.group([2])
    expense = await alice.expense(gid, "50.00")
    url = f"{E}/{expense['id']}"
    await bob.refused(403, "DELETE", url, params={"expected_version": 1})
    await alice.refused(409, "DELETE", url, params={"expected_version": 7})
    await alice.refused(400, "DELETE", url)
    deleted = await alice.ok("DELETE", url, params={"expected_version": 1, "reason": "Typo"})
    assert deleted["deleted_at"] is not None and deleted["delete_reason"] == "Typo"
    assert deleted["version"] == 2
    assert (await alice.ok("GET", E, params={"group_id": gid}))["total"] == 0
    kept = await alice.ok("GET", E, params={"group_id": gid, "include_deleted": "true"})
    assert [e["id"] for e in kept["expenses"]] == [expense["id"]]
    assert [h["action"] for h in await alice.ok("GET", f"{url}/history")] == [
        "created",
        "deleted",
    ]
    summary = await alice.ok("GET", f"/costs/groups/{gid}/balance-summary")
    assert {b["net_balance"] for b in summary["user_balances"]} == {"0.00"}
    await alice.refused(409, "PUT", url, {"version": 2, "description": "Back"})


async def test_split_payments_move_the_status_and_refuse_overpayment(
    people: Callable[[int], Any],
) -> None:
    alice, bob, carol = people(1), people(2), people(3)
    gid = await alice.group([2, 3])
    expense = await alice.expense(gid, "100.00")
    bob_split = next(s for s in expense["splits"] if s["user_id"] == 2)
    settle = f"/financials/expense_splits/{bob_split['id']}/settle"
    part = await bob.ok("POST", settle, {"amount_paid": "13.33"})
    assert part["paid_to_user_id"] == 1 and part["split_status"] == "partially_paid"
    assert part["split_remaining_amount"] == "20.00"
    too_much = await bob.refused(409, "POST", settle, {"amount_paid": "20.01"})
    assert too_much == (
        f"Expense split {bob_split['id']} of user 2 cannot be paid 33.34 RUB in all: its share "
        "is 33.33 RUB, 13.33 RUB is already paid (remaining amount: 20.00 RUB)"
    )
    await carol.refused(403, "POST", settle, {"amount_paid": "1.00"})
    await bob.refused(400, "POST", settle, {"amount_paid": "0"})
    done = await alice.ok("POST", settle, {"amount_paid": "20.00"})  # the payee records it
    assert done["split_status"] == "paid" and done["overall_settlement_status"] == "partially_paid"
    activities = await bob.ok(
        "GET", f"/financials/expense_splits/{bob_split['id']}/settlement_activities"
    )
    assert [a["amount_paid"] for a in activities] == ["13.33", "20.00"]
    carol_split = next(s for s in expense["splits"] if s["user_id"] == 3)
    last = await carol.ok(
        "POST", f"/financials/expense_splits/{carol_split['id']}/settle", {"amount_paid": "33.33"}
    )
    assert last["overall_settlement_status"] == "paid"
    shown = await alice.ok("GET", f"{E}/{expense['id']}")
    assert shown["overall_settlement_status"] == "paid"
    summary = await alice.ok("GET", f"/costs/groups/{gid}/balance-summary")
    assert {b["net_balance"] for b in summary["user_balances"]} == {"0.00"}
    assert summary["suggested_settlements"] == []
    # A paid share cannot shrink below what was paid.
    shrink = await alice.refused(
        409, "PUT", f"{E}/{expense['id']}", {"version": 1, "total_amount": "30.00"}
    )
    assert "cannot be paid 33.33 RUB in all: its share is 10.00 RUB" in shrink
    await alice.refused(
        404, "POST", "/financials/expense_splits/999999/settle", {"amount_paid": "1"}
    )


async def test_twenty_concurrent_payments_never_overpay_a_split(
    people: Callable[[int], Any],
) -> None:
    alice, bob = people(1), people(2)
    gid = await alice.group([2])
    expense = await alice.expense(
        gid,
        "100.00",
        split_type="EXACT_AMOUNTS",
        splits_in=[{"user_id": 1, "owed_amount": "50.00"}, {"user_id": 2, "owed_amount": "50.00"}],
    )
    split = next(s for s in expense["splits"] if s["user_id"] == 2)
    settle = f"/financials/expense_splits/{split['id']}/settle"
    responses = await asyncio.gather(
        *(bob.call("POST", settle, {"amount_paid": "7.00"}) for _ in range(20))
    )
    accepted = [r for r in responses if r.status_code == 201]
    refused = [r for r in responses if r.status_code != 201]
    assert {r.status_code for r in refused} == {409}
    assert len(accepted) == 7  # 7 × 7.00 = 49.00; an eighth would exceed 50.00
    assert all("(remaining amount: 1.00 RUB)" in r.json()["detail"] for r in refused)
    # The last cent-exact payments: the accepted ones then sum exactly to the amount owed.
    await bob.ok("POST", settle, {"amount_paid": "1.00"})
    activities = await bob.ok(
        "GET", f"/financials/expense_splits/{split['id']}/settlement_activities"
    )
    assert sum(Decimal(a["amount_paid"]) for a in activities) == Decimal("50.00")
    shown = await alice.ok("GET", f"{E}/{expense['id']}")
    assert [s["status"] for s in shown["splits"]] == ["paid", "paid"]
    assert shown["overall_settlement_status"] == "paid"


async def test_twenty_concurrent_payments_of_the_whole_share_accept_exactly_one(
    people: Callable[[int], Any],
) -> None:
    alice, bob = people(1), people(2)
    gid = await alice.group([2])
    expense = await alice.expense(gid, "20.02")
    split = next(s for s in expense["splits"] if s["user_id"] == 2)
    settle = f"/financials/expense_splits/{split['id']}/settle"
    responses = await asyncio.gather(
        *(bob.call("POST", settle, {"amount_paid": "10.01"}) for _ in range(20))
    )
    assert sorted(r.status_code for r in responses) == [201] + [409] * 19


async def test_settlements_and_the_issue_balance_example(people: Callable[[int], Any]) -> None:
    """A pays 100.01 split three ways, B then pays A 10.00."""
    a, b, c = people(1), people(2), people(3)
    gid = await a.group([2, 3])
    await a.expense(gid, "100.01")
    S = "/financials/settlements"
    body = {"group_id": gid, "paid_by_user_id": 2, "paid_to_user_id": 1, "amount": "10.00"}
    settlement = await b.ok("POST", S, body)
    assert settlement["amount"] == "10.00" and settlement["currency"] == "RUB"
    assert await b.ok("GET", f"{S}/{settlement['id']}") == settlement
    same = await b.refused(400, "POST", S, {**body, "paid_to_user_id": 2})
    assert same == "paid_by_user_id and paid_to_user_id must differ"
    await b.refused(400, "POST", S, {**body, "amount": "-1.00"})
    await b.refused(400, "POST", S, {**body, "paid_to_user_id": 8})
    await c.refused(403, "POST", S, body)
    await people(9).refused(404, "POST", S, body)  # a stranger: the group is not there
    await b.refused(400, "POST", S, {**body, "currency": "USD"})

    summary = await c.ok("GET", f"/costs/groups/{gid}/balance-summary")
    assert summary["currency"] == "RUB"
    assert summary["user_balances"] == [
        {
            "user_id": 1,
            "total_paid_for_expenses": "100.01",
            "total_share_of_expenses": "33.34",
            "total_settlements_paid": "0.00",
            "total_settlements_received": "10.00",
            "net_balance": "56.67",
        },
        {
            "user_id": 2,
            "total_paid_for_expenses": "0.00",
            "total_share_of_expenses": "33.34",
            "total_settlements_paid": "10.00",
            "total_settlements_received": "0.00",
            "net_balance": "-23.34",
        },
        {
            "user_id": 3,
            "total_paid_for_expenses": "0.00",
            "total_share_of_expenses": "33.33",
            "total_settlements_paid": "0.00",
            "total_settlements_received": "0.00",
            "net_balance": "-33.33",
        },
    ]
    assert summary["suggested_settlements"] == [
        {"from_user_id": 2, "to_user_id": 1, "amount": "23.34"},
        {"from_user_id": 3, "to_user_id": 1, "amount": "33.33"},
    ]
    # Following the plan clears everything.
    for step in summary["suggested_settlements"]:
        payer = people(step["from_user_id"])
        await payer.ok(
            "POST",
            S,
            {
                "group_id": gid,
                "paid_by_user_id": step["from_user_id"],
                "paid_to_user_id": step["to_user_id"],
                "amount": step["amount"],
            },
        )
    cleared = await a.ok("GET", f"/costs/groups/{gid}/balance-summary")
    assert {x["net_balance"] for x in cleared["user_balances"]} == {"0.00"}
    assert cleared["suggested_settlements"] == []
    # Deleting a settlement is a reversal too.
    await b.refused(409, "DELETE", f"{S}/{settlement['id']}", params={"expected_version": 2})
    removed = await b.ok("DELETE", f"{S}/{settlement['id']}", params={"expected_version": 1})
    assert removed["deleted_at"] is not None
    assert len(await a.ok("GET", S, params={"group_id": gid})) == 2
    reopened = await a.ok("GET", f"/costs/groups/{gid}/balance-summary")
    assert reopened["suggested_settlements"] == [
        {"from_user_id": 2, "to_user_id": 1, "amount": "10.00"}
    ]


async def test_a_member_with_a_balance_cannot_leave(people: Callable[[int], Any]) -> None:
    alice, bob = people(1), people(2)
    gid = await alice.group([2])
    await alice.expense(gid, "10.00")
    detail = await bob.refused(409, "DELETE", f"/groups/{gid}/members/2")
    assert detail == f"User 2 has a non-zero balance of -5.00 RUB in group {gid}; settle up first"
