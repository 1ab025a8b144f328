"""Groups, lists and expenses over HTTP (in-process app, real PostgreSQL and Kafka)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

pytestmark = pytest.mark.integration

E = "/financials/expenses"


async def test_group_with_members_and_roles(people: Callable[[int], Any]) -> None:
    alice, bob, eve = people(1), people(2), people(9)
    gid = await alice.group([2, 3])
    group = await bob.ok("GET", f"/groups/{gid}")
    assert group["base_currency"] == "RUB"
    assert [(m["user_id"], m["role"]) for m in group["members"]] == [
        (1, "owner"),
        (2, "member"),
        (3, "member"),
    ]
    assert [g["id"] for g in await bob.ok("GET", "/groups")] == [gid]
    assert await eve.ok("GET", "/groups") == []
    # To a stranger someone else's group is not there at all (404), as in every service.
    assert await eve.refused(404, "GET", f"/groups/{gid}") == "Group not found"
    assert await alice.refused(404, "GET", "/groups/999999") == "Group not found"
    detail = await bob.refused(403, "POST", f"/groups/{gid}/members", {"user_id": 4})
    assert detail == f"Only an owner of group {gid} may do this"
    again = await alice.refused(409, "POST", f"/groups/{gid}/members", {"user_id": 2})
    assert again == f"User 2 is already a member of group {gid}"
    await alice.refused(400, "POST", "/groups", {"name": "X", "base_currency": "rub"})
    await bob.refused(403, "DELETE", f"/groups/{gid}/members/3")
    await bob.ok("DELETE", f"/groups/{gid}/members/2")  # leaving
    await alice.refused(409, "DELETE", f"/groups/{gid}/members/1")  # last owner
    await alice.ok("DELETE", f"/groups/{gid}/members/3")
    assert [m["user_id"] for m in await alice.ok("GET", f"/groups/{gid}/members")] == [1]


async def test_the_issue_split_examples_over_http(people: Callable[[int], Any]) -> None:
    alice = people(1)
    gid = await alice.group([2, 3])
    equal = await alice.expense(gid, "100.00")
    assert [(s["user_id"], s["owed_amount"]) for s in equal["splits"]] == [
        (1, "33.34"),
        (2, "33.33"),
        (3, "33.33"),
    ]
    assert equal["paid_by_user_id"] == 1 and equal["version"] == 1
    assert [s["status"] for s in equal["splits"]] == ["paid", "unpaid", "unpaid"]
    assert equal["overall_settlement_status"] == "partially_paid"

    pct = await alice.expense(
        gid,
        "10.00",
        split_type="PERCENTAGE",
        splits_in=[
            {"user_id": 1, "share_percentage": "33.33"},
            {"user_id": 2, "share_percentage": "33.33"},
            {"user_id": 3, "share_percentage": "33.34"},
        ],
    )
    assert [s["owed_amount"] for s in pct["splits"]] == ["3.33", "3.33", "3.34"]
    shares = await alice.expense(
        gid,
        "100.00",
        split_type="SHARES",
        splits_in=[{"user_id": u, "share_units": u} for u in (1, 2, 3)],
    )
    assert [s["owed_amount"] for s in shares["splits"]] == ["16.67", "33.33", "50.00"]
    exact = await alice.call(
        "POST",
        E,
        {
            "description": "Rent",
            "total_amount": "1000.00",
            "group_id": gid,
            "split_type": "EXACT_AMOUNTS",
            "splits_in": [
                {"user_id": 1, "owed_amount": "400.00"},
                {"user_id": 2, "owed_amount": "400.00"},
            ],
        },
    )
    assert exact.status_code == 400
    assert exact.json() == {
        "detail": "EXACT_AMOUNTS splits sum to 800.00, but the expense total is 1000.00",
        "code": "split_invalid",
    }
    shown = await people(3).ok("GET", f"{E}/{shares['id']}")
    assert shown == shares


@pytest.mark.parametrize(
    ("fields", "detail"),
    [
        ({"group_id": None}, "An expense needs a group_id or a list_id"),
        ({"splits_in": []}, "An expense needs at least one participant"),
        ({"splits_in": [{"user_id": 1}, {"user_id": 1}]}, "Participant 1 appears more than once"),
        ({"splits_in": [{"user_id": 1}, {"user_id": 8}]}, "Not members of this group: [8]"),
        ({"total_amount": "-5.00"}, "total_amount must be positive"),
        ({"total_amount": "0"}, "total_amount must be positive"),
        ({"total_amount": "1.001"}, "more than 2 decimal places"),
        ({"currency": "USD"}, "exchange_rate is required for an expense in USD"),
        ({"exchange_rate": "1.5"}, "exchange_rate must not be given"),
        ({"currency": "USD", "exchange_rate": "0"}, "exchange_rate must be positive"),
        ({"paid_by_user_id": 8}, "Payers must be members of this group: [8]"),
        ({"payers": [{"user_id": 1, "amount": "5.00"}]}, "Payer amounts sum to 5.00"),
        ({"is_recurring": True}, "A recurring expense needs a recurrence pattern"),
        ({"unknown": 1}, "unknown: Extra inputs are not permitted"),
    ],
)
async def test_bad_expenses_get_400_with_a_clear_detail(
    people: Callable[[int], Any], fields: dict[str, Any], detail: str
) -> None:
    alice = people(1)
    gid = await alice.group([2])
    body = {"description": "Dinner", "total_amount": "10.00", "group_id": gid, **fields}
    assert detail in await alice.refused(400, "POST", E, body)
    assert (await alice.ok("GET", E, params={"group_id": gid}))["total"] == 0


async def test_non_members_neither_see_nor_record(people: Callable[[int], Any]) -> None:
    alice, eve = people(1), people(9)
    gid = await alice.group([2])
    expense = await alice.expense(gid, "10.00")
    assert await eve.refused(404, "GET", f"{E}/{expense['id']}") == "Expense not found"
    body = {"description": "Sneaky", "total_amount": "1.00", "group_id": gid}
    assert await eve.refused(404, "POST", E, body) == "Group not found"
    await eve.refused(404, "GET", E, params={"group_id": gid})
    assert (await eve.ok("GET", E))["expenses"] == []
    await eve.refused(404, "GET", f"/costs/groups/{gid}/balance-summary")
    await alice.refused(404, "GET", f"{E}/999999")


async def test_several_payers_and_a_foreign_currency(people: Callable[[int], Any]) -> None:
    alice = people(1)
    gid = await alice.group([2, 3])
    trip = await alice.expense(
        gid,
        "100.00",
        currency="EUR",
        exchange_rate="98.7654",
        payers=[{"user_id": 1, "amount": "60.00"}, {"user_id": 2, "amount": "40.00"}],
    )
    assert trip["paid_by_user_id"] is None
    assert trip["base_total_amount"] == "9876.54"
    assert [p["base_amount"] for p in trip["payers"]] == ["5925.92", "3950.62"]
    assert [s["base_owed_amount"] for s in trip["splits"]] == ["3292.84", "3291.85", "3291.85"]
    # User 2 paid 40.00 of their 33.33 share: covered; user 1 likewise; user 3 owes it all.
    assert [s["status"] for s in trip["splits"]] == ["paid", "paid", "unpaid"]
    summary = await alice.ok("GET", f"/costs/groups/{gid}/balance-summary")
    nets = {b["user_id"]: b["net_balance"] for b in summary["user_balances"]}
    assert nets == {1: "2633.08", 2: "658.77", 3: "-3291.85"}
    assert summary["suggested_settlements"] == [
        {"from_user_id": 3, "to_user_id": 1, "amount": "2633.08"},
        {"from_user_id": 3, "to_user_id": 2, "amount": "658.77"},
    ]


async def test_listing_filters_and_pagination(people: Callable[[int], Any]) -> None:
    alice, bob = people(1), people(2)
    gid = await alice.group([2])
    other = await alice.group([])
    for day in ("2025-11-01", "2025-11-05", "2025-11-09"):
        await alice.expense(gid, "10.00", expense_date=day)
    by_bob = await bob.expense(gid, "20.00", expense_date="2025-11-07")
    await alice.expense(
        gid,
        "30.00",
        expense_date="2025-11-10",
        is_recurring=True,
        recurrence={"type": "monthly", "interval": 1, "max_occurrences": 12},
    )
    await alice.expense(other, "5.00")
    page = await alice.ok("GET", E, params={"group_id": gid, "limit": 2, "offset": 1})
    assert page["total"] == 5 and page["limit"] == 2
    assert [e["expense_date"] for e in page["expenses"]] == ["2025-11-09", "2025-11-07"]
    paid = await alice.ok("GET", E, params={"group_id": gid, "paid_by": 2})
    assert [e["id"] for e in paid["expenses"]] == [by_bob["id"]]
    dated = await alice.ok(
        "GET", E, params={"group_id": gid, "start_date": "2025-11-05", "end_date": "2025-11-09"}
    )
    assert dated["total"] == 3
    recurring = await alice.ok("GET", E, params={"isRecurring": "true"})
    assert [e["recurrence"]["type"] for e in recurring["expenses"]] == ["monthly"]
    assert (await alice.ok("GET", E))["total"] == 6
    assert (await bob.ok("GET", E))["total"] == 5
    await alice.refused(400, "GET", E, params={"limit": 0})


async def test_lists_items_and_item_based_expenses(people: Callable[[int], Any]) -> None:
    alice, bob = people(1), people(2)
    gid = await alice.group([2, 3])
    lst = await alice.ok("POST", "/lists", {"name": "Party", "group_id": gid})
    assert lst["currency"] == "RUB" and lst["items"] == []
    L = f"/lists/{lst['id']}"
    await alice.ok("POST", f"{L}/items", {"name": "Cake", "price": "30.00"})
    wine = await bob.ok("POST", f"{L}/items", {"name": "Wine", "price": "20.00", "quantity": 2})
    await bob.ok("POST", f"{L}/items", {"name": "Cheese", "price": "10.01", "assigned_to": 3})
    await bob.ok("POST", f"{L}/items", {"name": "Napkins"})
    await alice.refused(400, "POST", f"{L}/items", {"name": "X", "assigned_to": 8})
    await people(9).refused(404, "GET", L)
    assert [i["name"] for i in (await bob.ok("GET", L))["items"]] == [
        "Cake",
        "Wine",
        "Cheese",
        "Napkins",
    ]
    changed = await bob.ok("PATCH", f"{L}/items/{wine['id']}", {"price": "25.00"})
    assert changed["price"] == "25.00" and changed["quantity"] == 2

    summary = await alice.ok("GET", f"/costs/lists/{lst['id']}/cost-summary")
    assert summary["total_list_cost"] == "65.01"
    assert summary["equal_share_per_user"] == "21.67"
    assert summary["num_participating_users"] == 3
    assert [
        (u["user_id"], u["items_added_value"], u["balance"]) for u in summary["user_balances"]
    ] == [
        (1, "30.00", "8.33"),
        (2, "35.01", "13.34"),
        (3, "0.00", "-21.67"),
    ]
    expense = await alice.ok("POST", f"/costs/lists/{lst['id']}/cost-summary", {})
    assert expense["split_type"] == "ITEM_BASED" and expense["list_id"] == lst["id"]
    assert expense["group_id"] == gid and expense["total_amount"] == "65.01"
    assert [(s["user_id"], s["owed_amount"]) for s in expense["splits"]] == [
        (1, "30.00"),
        (2, "25.00"),
        (3, "10.01"),
    ]
    again = await alice.refused(409, "POST", f"/costs/lists/{lst['id']}/cost-summary", {})
    assert again == f"List {lst['id']} has already been finalised into expense {expense['id']}"
    await bob.refused(409, "POST", f"{L}/items", {"name": "Late", "price": "1.00"})
    after = await alice.ok("GET", f"/costs/lists/{lst['id']}/cost-summary")
    assert after["expense_id"] == expense["id"] and after["total_list_cost"] == "65.01"
    listed = await alice.ok("GET", E, params={"list_id": lst["id"]})
    assert [e["id"] for e in listed["expenses"]] == [expense["id"]]
    assert [x["id"] for x in await alice.ok("GET", "/lists", params={"group_id": gid})] == [
        lst["id"]
    ]


async def test_a_personal_list_belongs_to_its_owner(people: Callable[[int], Any]) -> None:
    alice, bob = people(1), people(2)
    lst = await alice.ok("POST", "/lists", {"name": "Mine", "currency": "EUR"})
    assert lst["group_id"] is None and lst["currency"] == "EUR"
    assert await bob.refused(404, "GET", f"/lists/{lst['id']}") == "List not found"
    expense = await alice.ok(
        "POST", E, {"description": "Shoes", "total_amount": "50.00", "list_id": lst["id"]}
    )
    assert expense["currency"] == "EUR" and [s["user_id"] for s in expense["splits"]] == [1]
    assert [x["id"] for x in await alice.ok("GET", "/lists")] == [lst["id"]]


async def test_where_a_user_belongs_for_the_user_and_services_only(
    people: Callable[[int], Any], splits_client: Any, make_token: Any
) -> None:
    """The bot gateway mints tokens and checks invitations from this (it never guesses)."""
    alice, bob = people(1), people(2)
    first = await alice.group([2])
    second = await bob.group([])
    assert await bob.ok("GET", "/users/2/memberships") == {
        "user_id": 2,
        "memberships": [
            {"group_id": first, "role": "member"},
            {"group_id": second, "role": "owner"},
        ],
    }
    service = {"Authorization": f"Bearer {make_token('service:bot-gateway', roles=['service'])}"}
    listed = await splits_client.get("/users/1/memberships", headers=service)
    assert listed.json()["memberships"] == [{"group_id": first, "role": "owner"}]
    assert await alice.refused(404, "GET", "/users/2/memberships")


async def test_a_token_scoped_to_one_group_acts_in_no_other(
    people: Callable[[int], Any], make_token: Any
) -> None:
    """Scopes only narrow: even as the payer or a participant, a token scoped to group A may
    neither read, change, delete nor settle anything of group B."""
    alice, bob = people(1), people(2)
    group_a = await alice.group([2])
    group_b = await alice.group([2])
    expense = await bob.expense(group_b, "10.00", paid_by_user_id=2)
    split_of_alice = next(s for s in expense["splits"] if s["user_id"] == 1)
    bob.headers = {"Authorization": f"Bearer {make_token(2, groups=[group_a])}"}
    alice.headers = {"Authorization": f"Bearer {make_token(1, groups=[group_a])}"}
    url = f"{E}/{expense['id']}"
    assert await bob.refused(404, "GET", url) == "Expense not found"
    await bob.refused(404, "PUT", url, {"version": 1, "description": "Mine"})
    await bob.refused(404, "DELETE", url, params={"expected_version": 1})
    settle = f"/financials/expense_splits/{split_of_alice['id']}/settle"
    await alice.refused(404, "POST", settle, {"amount_paid": "1.00"})
    assert (await bob.ok("GET", E))["expenses"] == []
    assert [g["id"] for g in await bob.ok("GET", "/groups")] == [group_a]
    await bob.refused(404, "GET", f"/costs/groups/{group_b}/balance-summary")
    body = {"group_id": group_b, "paid_by_user_id": 1, "paid_to_user_id": 2, "amount": "5.00"}
    await alice.refused(404, "POST", "/financials/settlements", body)
