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
    assert other.json() == {"detail": "Owners may only see their own balance"}

    write = await client.post(
        f"{P}/{pid}/expenses", json={"amount": "5.00", "payment_type": "X"}, headers=owner
    )
    assert write.status_code == 403
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
    unscoped = {"Authorization": f"Bearer {make_token(1)}"}  # a member, but the token is not scoped
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
