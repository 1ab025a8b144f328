"""Meters over HTTP: readings, consumption, usage-based allocation and billing at a tariff."""

from __future__ import annotations

from typing import Any

import pytest

pytestmark = pytest.mark.integration

P = "/api/payments/periods"


async def _metered(treasurer: Any, usage: dict[int, str], tariff: str | None = None) -> int:
    """Owners 1..3 with electricity meters read on Nov 1 (0) and Nov 30 (``usage``)."""
    await treasurer.start({1: "1", 2: "1", 3: "1"})
    pid = await treasurer.period()
    for owner, used in usage.items():
        body: dict[str, Any] = {"owner_id": owner, "meter_type": "electricity"}
        if tariff:
            body["tariff"] = tariff
        meter = await treasurer.ok(
            "POST", f"/api/payments/communities/{treasurer.community_id}/meters", body
        )
        for day, value in (("2025-11-01", "0"), ("2025-11-30", used)):
            await treasurer.ok(
                "POST",
                f"/api/payments/meters/{meter['id']}/readings",
                {"reading_date": day, "value": value},
            )
    return int(pid)


async def test_usage_based_120_at_100_200_200(treasurer: Any) -> None:
    pid = await _metered(treasurer, {1: "100", 2: "200", 3: "200"})
    used = await treasurer.ok("GET", f"{P}/{pid}/consumption?meter_type=electricity")
    assert [m["consumption"] for m in used["meters"]] == ["100", "200", "200"]
    expense = await treasurer.ok(
        "POST",
        f"{P}/{pid}/expenses",
        {
            "amount": "120.00",
            "payment_type": "Electricity",
            "allocation_strategy": "USAGE_BASED",
            "meter_type": "electricity",
        },
    )
    assert [a["amount"] for a in expense["allocations"]] == ["24.00", "48.00", "48.00"]


async def test_usage_based_with_no_consumption_is_refused(treasurer: Any) -> None:
    pid = await _metered(treasurer, {1: "0", 2: "0", 3: "0"})
    response = await treasurer.call(
        "POST",
        f"{P}/{pid}/expenses",
        {
            "amount": "120.00",
            "payment_type": "Electricity",
            "allocation_strategy": "USAGE_BASED",
            "meter_type": "electricity",
        },
    )
    assert response.status_code == 400
    assert (
        response.json()["detail"]
        == "Cannot allocate by usage: total consumption in the period is zero"
    )
    assert (await treasurer.ok("GET", f"{P}/{pid}/expenses")) == []


async def test_a_lower_reading_is_refused_unless_the_meter_was_replaced(
    treasurer: Any, make_token: Any
) -> None:
    await treasurer.start({1: "1", 2: "1"})
    meter = await treasurer.ok(
        "POST",
        f"/api/payments/communities/{treasurer.community_id}/meters",
        {"owner_id": 2, "meter_type": "water"},
    )
    path = f"/api/payments/meters/{meter['id']}/readings"
    await treasurer.ok("POST", path, {"reading_date": "2025-11-01", "value": "500.5"})
    lower = await treasurer.call("POST", path, {"reading_date": "2025-11-02", "value": "400"})
    assert lower.status_code == 400
    assert "lower than the previous reading 500.5" in lower.json()["detail"]
    replaced = await treasurer.ok(
        "POST", path, {"reading_date": "2025-11-02", "value": "3", "is_replacement": True}
    )
    assert replaced["is_replacement"] is True

    # The owner submits their own meter's reading; another owner may not (the treasurer may).
    own = {"Authorization": f"Bearer {make_token(2, communities=[treasurer.community_id])}"}
    mine = await treasurer.client.post(
        path, json={"reading_date": "2025-11-10", "value": "9"}, headers=own
    )
    assert mine.status_code == 201
    await treasurer.ok(
        "POST",
        f"/api/payments/communities/{treasurer.community_id}/owners",
        {"user_id": 3, "display_name": "C", "ownership_share": "1"},
    )
    third = {"Authorization": f"Bearer {make_token(3, communities=[treasurer.community_id])}"}
    refused = await treasurer.client.post(
        path, json={"reading_date": "2025-11-11", "value": "10"}, headers=third
    )
    assert refused.status_code == 403
    readings = await treasurer.ok("GET", path)
    assert [r["value"] for r in readings] == ["500.5", "3", "9"]


async def test_usage_is_billed_at_the_tariff_once(treasurer: Any) -> None:
    pid = await _metered(treasurer, {1: "100", 2: "33.333"}, tariff="5.5")
    charges = await treasurer.ok("POST", f"{P}/{pid}/usage-billing", {"meter_type": "electricity"})
    assert [(c["user_id"], c["amount"]) for c in charges] == [(1, "550.00"), (2, "183.33")]
    again = await treasurer.call("POST", f"{P}/{pid}/usage-billing", {"meter_type": "electricity"})
    assert again.status_code == 409
    balance = await treasurer.ok("GET", f"{P}/{pid}/owner-balance/1")
    assert balance["total_charges"] == "550.00"
