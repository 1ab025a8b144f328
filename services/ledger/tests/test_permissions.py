"""Treasurers write; owners read their community and only their own balance; nobody sees another
community."""

from __future__ import annotations

from typing import Any

import pytest

pytestmark = pytest.mark.integration

P = "/api/payments/periods"


def _as(make_token: Any, user: int, community: int) -> dict[str, str]:
    return {"Authorization": f"Bearer {make_token(user, communities=[community])}"}


async def test_owners_read_but_do_not_write(treasurer: Any, make_token: Any) -> None:
    await treasurer.start({1: "1", 2: "1"})
    pid = await treasurer.period()
    await treasurer.ok("POST", f"{P}/{pid}/contributions", {"user_id": 1, "amount": "10.00"})
    owner = _as(make_token, 2, treasurer.community_id)
    client = treasurer.client

    assert (await client.get(f"{P}/{pid}", headers=owner)).status_code == 200
    community = f"/api/payments/communities/{treasurer.community_id}"
    assert (await client.get(community, headers=owner)).json()["my_role"] == "owner"
    assert (await treasurer.ok("GET", community))["my_role"] == "treasurer"
    assert (await client.get(f"{P}/{pid}/balance-sheet", headers=owner)).status_code == 200
    assert (await client.get(f"{P}/{pid}/owner-balance/2", headers=owner)).status_code == 200
    other = await client.get(f"{P}/{pid}/owner-balance/1", headers=owner)
    assert other.status_code == 403
    assert other.json() == {
        "detail": "Owners may only see their own balance, statement and records",
        "code": "own_records_only",
    }

    write = await client.post(
        f"{P}/{pid}/expenses", json={"amount": "5.00", "payment_type": "X"}, headers=owner
    )
    assert write.status_code == 403
    assert write.json()["code"] == "not_a_treasurer"
    assert (
        write.json()["detail"]
        == f"Only a treasurer of community {treasurer.community_id} may do this"
    )
    assert (await treasurer.ok("GET", f"{P}/{pid}/expenses")) == []


async def test_a_new_treasurer_may_write(treasurer: Any, make_token: Any) -> None:
    await treasurer.start({1: "1", 2: "1"})
    pid = await treasurer.period()
    await treasurer.ok(
        "POST", f"/api/payments/communities/{treasurer.community_id}/treasurers", {"user_id": 2}
    )
    second = _as(make_token, 2, treasurer.community_id)
    response = await treasurer.client.post(
        f"{P}/{pid}/contributions", json={"user_id": 1, "amount": "1.00"}, headers=second
    )
    assert response.status_code == 201
    again = await treasurer.call(
        "POST", f"/api/payments/communities/{treasurer.community_id}/treasurers", {"user_id": 2}
    )
    assert again.status_code == 409


async def test_nobody_sees_another_community(treasurer: Any, make_token: Any) -> None:
    await treasurer.start({1: "1"})
    pid = await treasurer.period()
    client = treasurer.client
    stranger = _as(make_token, 99, treasurer.community_id)  # scoped to it, but not a member
    # A member whose token is narrowed to another community: scopes only narrow.
    elsewhere = make_token(1, communities=[treasurer.community_id + 10**6])
    unscoped = {"Authorization": f"Bearer {elsewhere}"}
    for headers in (stranger, unscoped):
        assert (await client.get(f"{P}/{pid}", headers=headers)).status_code == 404
        listed = await client.get(P, headers=headers)
        assert listed.status_code == 200
        assert (
            pid
            not in [
                p["id"]
                for p in listed.json()["periods"]
                if p["community_id"] == treasurer.community_id
            ]
            or headers is unscoped
        )
        write = await client.post(
            f"{P}/{pid}/contributions", json={"user_id": 1, "amount": "1.00"}, headers=headers
        )
        assert write.status_code == 404
    assert (await treasurer.ok("GET", f"{P}/{pid}/contributions")) == []


async def test_an_empty_scope_narrows_nothing(treasurer: Any, make_token: Any) -> None:
    """A token without a communities claim: membership alone decides, as in every service."""
    await treasurer.start({1: "1", 2: "1"})
    pid = await treasurer.period()
    client = treasurer.client
    member = {"Authorization": f"Bearer {make_token(2)}"}
    stranger = {"Authorization": f"Bearer {make_token(99)}"}
    assert (await client.get(f"{P}/{pid}", headers=member)).status_code == 200
    assert (await client.get(f"{P}/{pid}", headers=stranger)).status_code == 404
    listed = (await client.get(P, headers=member)).json()["periods"]
    assert pid in [p["id"] for p in listed]
    assert (await client.get(P, headers=stranger)).json()["periods"] == []


async def test_a_treasurer_may_hide_the_balance_sheet_from_owners(
    treasurer: Any, make_token: Any
) -> None:
    await treasurer.start({1: "1", 2: "1"})
    pid = await treasurer.period()
    await treasurer.ok("POST", f"{P}/{pid}/contributions", {"user_id": 1, "amount": "10.00"})
    await treasurer.ok("POST", f"{P}/{pid}/contributions", {"user_id": 2, "amount": "7.00"})
    client = treasurer.client
    community = f"/api/payments/communities/{treasurer.community_id}"
    owner = _as(make_token, 2, treasurer.community_id)
    assert (await treasurer.ok("GET", community))["owners_see_balance_sheet"] is True

    refused = await client.put(
        f"{community}/settings", json={"owners_see_balance_sheet": False}, headers=owner
    )
    assert refused.status_code == 403
    changed = await treasurer.ok(
        "PUT", f"{community}/settings", {"owners_see_balance_sheet": False}
    )
    assert changed["owners_see_balance_sheet"] is False

    hidden = await client.get(f"{P}/{pid}/balance-sheet", headers=owner)
    assert hidden.status_code == 403
    assert hidden.json()["detail"] == (
        f"The balance sheet of community {treasurer.community_id} is for treasurers only"
    )
    assert len((await treasurer.ok("GET", f"{P}/{pid}/balance-sheet"))["entries"]) == 2
    # The owner still sees their own balance, the fund, and only their own entries.
    own = (await client.get(f"{P}/{pid}/owner-balance/2", headers=owner)).json()
    assert own["balance"] == "7.00"
    assert (await client.get(f"{P}/{pid}/fund-summary", headers=owner)).status_code == 200
    mine = (await client.get(f"{P}/{pid}/contributions", headers=owner)).json()
    assert [c["user_id"] for c in mine] == [2]
    theirs = await client.get(f"{P}/{pid}/contributions?owner_id=1", headers=owner)
    assert theirs.status_code == 403
