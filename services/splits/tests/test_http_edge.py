"""The edges of the splits API: authentication, unknown ids, Idempotency-Key on POSTs (from the
platform), item removal and token group scopes."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import httpx
import pytest

pytestmark = pytest.mark.integration

E = "/financials/expenses"


async def test_no_token_gets_401(splits_client: httpx.AsyncClient) -> None:
    response = await splits_client.get("/groups")
    assert response.status_code == 401
    assert response.json() == {"detail": "Missing bearer token", "code": "token_missing"}


async def test_unknown_ids_get_404(people: Callable[[int], Any]) -> None:
    alice = people(1)
    gid = await alice.group([])
    assert await alice.refused(404, "GET", "/lists/999999") == "List not found"
    assert await alice.refused(404, "GET", "/financials/settlements/999999") == (
        "Settlement not found"
    )
    assert await alice.refused(404, "DELETE", f"/groups/{gid}/members/5") == (
        f"User 5 is not a member of group {gid}"
    )
    assert await alice.refused(404, "GET", "/costs/lists/999999/cost-summary") == "List not found"
    await alice.refused(404, "PUT", f"{E}/999999", {"version": 1, "notes": "x"})


async def test_a_repeated_idempotency_key_records_one_expense(
    people: Callable[[int], Any],
) -> None:
    alice = people(1)
    gid = await alice.group([2])
    body = {"description": "Pizza", "total_amount": "25.00", "group_id": gid}
    headers = {**alice.headers, "Idempotency-Key": "pizza-1"}
    first = await alice.client.post(E, json=body, headers=headers)
    again = await alice.client.post(E, json=body, headers=headers)
    assert (first.status_code, again.status_code) == (201, 201)
    assert again.json() == first.json()
    other = await alice.client.post(E, json={**body, "total_amount": "26.00"}, headers=headers)
    assert other.status_code == 409
    assert (await alice.ok("GET", E, params={"group_id": gid}))["total"] == 1


async def test_items_can_be_removed_until_the_list_is_finalised(
    people: Callable[[int], Any],
) -> None:
    alice = people(1)
    gid = await alice.group([2])
    lst = await alice.ok("POST", "/lists", {"name": "Hardware", "group_id": gid})
    L = f"/lists/{lst['id']}"
    nails = await alice.ok("POST", f"{L}/items", {"name": "Nails", "price": "3.50"})
    glue = await alice.ok("POST", f"{L}/items", {"name": "Glue", "price": "4.00"})
    await alice.ok("DELETE", f"{L}/items/{nails['id']}")
    await alice.refused(404, "DELETE", f"{L}/items/{nails['id']}")
    assert [i["name"] for i in (await alice.ok("GET", L))["items"]] == ["Glue"]
    expense = await alice.ok(
        "POST", f"/costs/lists/{lst['id']}/cost-summary", {"paid_by_user_id": 2}
    )
    assert expense["total_amount"] == "4.00" and expense["paid_by_user_id"] == 2
    await alice.refused(409, "DELETE", f"{L}/items/{glue['id']}")


async def test_a_token_scoped_to_other_groups_does_not_reach_this_one(
    people: Callable[[int], Any], make_token: Any, splits_client: httpx.AsyncClient
) -> None:
    alice = people(1)
    gid = await alice.group([])
    scoped = {"Authorization": f"Bearer {make_token(1, groups=[gid + 1000])}"}
    response = await splits_client.get(f"/groups/{gid}", headers=scoped)
    assert response.status_code == 404
    admin = {"Authorization": f"Bearer {make_token('ops', roles=['admin'])}"}
    response = await splits_client.get(f"/costs/groups/{gid}/balance-summary", headers=admin)
    assert response.status_code == 200
