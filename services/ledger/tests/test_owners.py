"""Owners: a share change applies to expenses dated from its day on; a deactivated owner stays in
history but takes no part in new allocations."""

from __future__ import annotations

from typing import Any

import pytest

pytestmark = pytest.mark.integration

P = "/api/payments/periods"


async def _expense(treasurer: Any, pid: int, day: str) -> list[str]:
    expense = await treasurer.ok(
        "POST",
        f"{P}/{pid}/expenses",
        {"amount": "100.00", "payment_type": "Water", "date": f"{day}T12:00:00Z"},
    )
    return [line["amount"] for line in expense["allocations"]]


async def test_allocation_uses_the_share_valid_on_the_expense_date(treasurer: Any) -> None:
    await treasurer.start({1: "1", 2: "1"})
    pid = await treasurer.period()
    owners = f"/api/payments/communities/{treasurer.community_id}/owners"
    changed = await treasurer.ok(
        "POST", f"{owners}/2/shares", {"ownership_share": "3", "effective_from": "2025-11-15"}
    )
    assert changed["ownership_share"] == "3"
    assert await _expense(treasurer, pid, "2025-11-10") == ["50.00", "50.00"]
    assert await _expense(treasurer, pid, "2025-11-15") == ["25.00", "75.00"]
    assert await _expense(treasurer, pid, "2025-11-20") == ["25.00", "75.00"]
    bad = await treasurer.call(
        "POST", f"{owners}/2/shares", {"ownership_share": "0", "effective_from": "2025-11-01"}
    )
    assert bad.status_code == 400
    unknown = await treasurer.call(
        "POST", f"{owners}/9/shares", {"ownership_share": "1", "effective_from": "2025-11-01"}
    )
    assert unknown.status_code == 404


async def test_a_deactivated_owner_is_left_out_of_new_allocations(treasurer: Any) -> None:
    await treasurer.start({1: "1", 2: "1", 3: "1"})
    pid = await treasurer.period()
    first = await _expense(treasurer, pid, "2025-11-02")
    assert first == ["33.34", "33.33", "33.33"]
    owners = f"/api/payments/communities/{treasurer.community_id}/owners"
    gone = await treasurer.ok("POST", f"{owners}/3/deactivate")
    assert gone["active"] is False
    assert await _expense(treasurer, pid, "2025-11-03") == ["50.00", "50.00"]
    again = await treasurer.call("POST", f"{owners}/3/deactivate")
    assert again.status_code == 409
    sheet = await treasurer.ok("GET", f"{P}/{pid}/balance-sheet")
    assert [e["owner_id"] for e in sheet["entries"]] == [1, 2, 3]  # history keeps owner 3
    assert sheet["entries"][2]["total_expenses"] == "33.33"


async def test_charging_every_owner_goes_into_the_open_period_covering_the_date(
    treasurer: Any,
) -> None:
    await treasurer.start({1: "1", 2: "1", 3: "1"})
    nov = await treasurer.period("November 2025")  # 2025-11-01 .. 2025-11-30
    owners = f"/api/payments/communities/{treasurer.community_id}"
    await treasurer.ok("POST", f"{owners}/owners/3/deactivate")
    body = {"on_date": "2025-11-15", "amount": "1500.00", "description": "Fee 2025-11"}
    charges = await treasurer.ok("POST", f"{owners}/charges", body)
    assert [(c["user_id"], c["service_period_id"], c["amount"]) for c in charges] == [
        (1, nov, "1500.00"),
        (2, nov, "1500.00"),
    ]
    outside = await treasurer.call("POST", f"{owners}/charges", body | {"on_date": "2025-12-01"})
    assert outside.status_code == 400
    assert outside.json()["detail"] == (
        f"No open period of community {treasurer.community_id} covers 2025-12-01"
    )
    one = await treasurer.ok("POST", f"{owners}/charges", body | {"owner_ids": [2]})
    assert [c["user_id"] for c in one] == [2]


async def test_where_a_user_belongs_for_the_user_and_services_only(
    treasurer: Any, make_token: Any
) -> None:
    """The bot gateway mints tokens and checks invitations from this (it never guesses)."""
    await treasurer.start({1: "1", 2: "1"})
    cid = treasurer.community_id
    await treasurer.ok("POST", f"/api/payments/communities/{cid}/owners/2/deactivate")
    client = treasurer.client

    async def ask(user_id: int, token: str) -> Any:
        return await client.get(
            f"/api/payments/users/{user_id}/memberships",
            headers={"Authorization": f"Bearer {token}"},
        )

    service = make_token("service:bot-gateway", roles=["service"])
    mine = (await ask(1, service)).json()["memberships"]
    assert mine == [
        {"community_id": cid, "role": "owner", "active": True},
        {"community_id": cid, "role": "treasurer", "active": True},
    ]
    assert (await ask(2, make_token(2))).json()["memberships"] == [
        {"community_id": cid, "role": "owner", "active": False}
    ]
    assert (await ask(77, service)).json() == {"user_id": 77, "memberships": []}
    # Another user (even the community's treasurer) may not list where someone belongs.
    assert (await ask(2, make_token(1, communities=[cid]))).status_code == 404
    assert (await ask(1, make_token(3))).status_code == 404
