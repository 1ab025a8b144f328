"""A list is charged once (issue 11, item 9), through REST against real PostgreSQL: an ITEM_BASED
expense for the list finalises it whichever way it is recorded; deleting it opens the list
again; an item charged on its own is left out of the list's charge."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from typing import Any

import pytest

pytestmark = pytest.mark.integration

E = "/financials/expenses"


async def _shares(person: Any, gid: int) -> Decimal:
    summary = await person.ok("GET", f"/costs/groups/{gid}/balance-summary")
    return sum(
        (Decimal(b["total_share_of_expenses"]) for b in summary["user_balances"]), Decimal(0)
    )


async def test_an_item_based_expense_finalises_the_list_and_deleting_it_opens_the_list_again(
    people: Callable[[int], Any],
) -> None:
    alice, bob = people(1), people(2)
    gid = await alice.group([2, 3])
    lst = await alice.ok("POST", "/lists", {"name": "Party", "group_id": gid})
    L, C = f"/lists/{lst['id']}", f"/costs/lists/{lst['id']}/cost-summary"
    await alice.ok("POST", f"{L}/items", {"name": "Cake", "price": "30.00"})
    await bob.ok("POST", f"{L}/items", {"name": "Wine", "price": "20.00"})

    body = {"description": "Party", "split_type": "ITEM_BASED", "list_id": lst["id"]}
    charged = await alice.ok("POST", E, body)
    assert charged["total_amount"] == "50.00"
    assert (await alice.ok("GET", L))["finalised_expense_id"] == charged["id"]
    done = f"List {lst['id']} has already been finalised into expense {charged['id']}"
    assert await alice.refused(409, "POST", C, {}) == done
    assert await bob.refused(409, "POST", E, body) == done
    await bob.refused(409, "POST", f"{L}/items", {"name": "Late", "price": "1.00"})
    assert await _shares(alice, gid) == Decimal("50.00")  # once, not twice

    await alice.ok("DELETE", f"{E}/{charged['id']}", params={"expected_version": 1})
    reopened = await alice.ok("GET", L)
    assert reopened["finalised_expense_id"] is None
    summary = await alice.ok("GET", C)
    assert summary["expense_id"] is None and summary["total_list_cost"] == "50.00"
    assert await _shares(alice, gid) == Decimal("0.00")
    await bob.ok("POST", f"{L}/items", {"name": "Cheese", "price": "5.00"})

    again = await alice.ok("POST", C, {})
    assert again["total_amount"] == "55.00" and again["id"] != charged["id"]
    assert (await alice.ok("GET", L))["finalised_expense_id"] == again["id"]
    assert await _shares(alice, gid) == Decimal("55.00")


async def test_an_item_charged_on_its_own_is_left_out_of_the_lists_charge(
    people: Callable[[int], Any],
) -> None:
    alice, bob = people(1), people(2)
    gid = await alice.group([2])
    lst = await alice.ok("POST", "/lists", {"name": "Party", "group_id": gid})
    L, C = f"/lists/{lst['id']}", f"/costs/lists/{lst['id']}/cost-summary"
    await alice.ok("POST", f"{L}/items", {"name": "Cake", "price": "30.00"})
    wine = await bob.ok("POST", f"{L}/items", {"name": "Wine", "price": "20.00"})

    one = {"description": "Wine", "split_type": "ITEM_BASED", "item_id": wine["id"]}
    wine_expense = await bob.ok("POST", E, one)
    assert wine_expense["total_amount"] == "20.00"
    twice = await alice.refused(409, "POST", E, one)
    assert twice == f"Item {wine['id']} has already been charged by expense {wine_expense['id']}"
    assert (await alice.ok("GET", C))["total_list_cost"] == "30.00"

    rest = await alice.ok("POST", C, {})
    assert rest["total_amount"] == "30.00"
    assert [(s["user_id"], s["owed_amount"]) for s in rest["splits"]] == [(1, "30.00")]
    assert await _shares(alice, gid) == Decimal("50.00")
    # A finalised list's items are not charged one by one either.
    later = await alice.refused(409, "POST", E, one)
    assert later == f"List {lst['id']} has already been finalised into expense {rest['id']}"


async def test_an_expense_does_not_switch_to_or_from_item_based(
    people: Callable[[int], Any],
) -> None:
    alice = people(1)
    gid = await alice.group([2])
    lst = await alice.ok("POST", "/lists", {"name": "Party", "group_id": gid})
    await alice.ok("POST", f"/lists/{lst['id']}/items", {"name": "Cake", "price": "30.00"})
    plain = await alice.ok(
        "POST", E, {"description": "Taxi", "total_amount": "10.00", "list_id": lst["id"]}
    )
    detail = await alice.refused(
        400, "PUT", f"{E}/{plain['id']}", {"version": 1, "split_type": "ITEM_BASED"}
    )
    assert detail.startswith("An expense cannot change from EQUAL to ITEM_BASED")
    assert (await alice.ok("GET", f"/lists/{lst['id']}"))["finalised_expense_id"] is None
