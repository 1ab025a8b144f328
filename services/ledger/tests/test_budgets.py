"""Budget items: planned per category; applying turns them into per-owner charges once; budget vs
actual compares with the period's expenses."""

from __future__ import annotations

from typing import Any

import pytest

pytestmark = pytest.mark.integration

P = "/api/payments/periods"


async def test_applying_a_budget_item_charges_owners_once(treasurer: Any) -> None:
    await treasurer.start({1: "33.3", 2: "33.3", 3: "33.4"})
    pid = await treasurer.period()
    item = await treasurer.ok(
        "POST",
        f"{P}/{pid}/budget-items",
        {
            "category": "Maintenance",
            "planned_amount": "1000.00",
            "allocation_strategy": "PROPORTIONAL",
        },
    )
    assert item["applied_at"] is None
    charges = await treasurer.ok("POST", f"{P}/{pid}/budget-items/{item['id']}/apply")
    assert [(c["user_id"], c["amount"], c["description"]) for c in charges] == [
        (1, "333.00", "Budget: Maintenance"),
        (2, "333.00", "Budget: Maintenance"),
        (3, "334.00", "Budget: Maintenance"),
    ]
    again = await treasurer.call("POST", f"{P}/{pid}/budget-items/{item['id']}/apply")
    assert again.status_code == 409
    assert again.json()["detail"] == f"Budget item {item['id']} has already been applied"
    assert len(await treasurer.ok("GET", f"{P}/{pid}/charges")) == 3
    listed = await treasurer.ok("GET", f"{P}/{pid}/budget-items")
    assert listed[0]["applied_at"] is not None


async def test_budget_vs_actual_per_category(treasurer: Any) -> None:
    await treasurer.start({1: "1"})
    pid = await treasurer.period()
    for category, planned in (("Maintenance", "1000.00"), ("Security", "300.00")):
        await treasurer.ok(
            "POST", f"{P}/{pid}/budget-items", {"category": category, "planned_amount": planned}
        )
    for category, amount in (
        ("Maintenance", "400.00"),
        ("Maintenance", "250.50"),
        ("Snow", "80.00"),
    ):
        await treasurer.ok(
            "POST", f"{P}/{pid}/expenses", {"amount": amount, "payment_type": category}
        )
    report = await treasurer.ok("GET", f"{P}/{pid}/budget-vs-actual")
    assert report["categories"] == [
        {
            "category": "Maintenance",
            "planned": "1000.00",
            "actual": "650.50",
            "remaining": "349.50",
        },
        {"category": "Security", "planned": "300.00", "actual": "0.00", "remaining": "300.00"},
        {"category": "Snow", "planned": "0.00", "actual": "80.00", "remaining": "-80.00"},
    ]


async def test_a_fund_only_budget_item_cannot_be_applied(treasurer: Any) -> None:
    await treasurer.start({1: "1"})
    pid = await treasurer.period()
    item = await treasurer.ok(
        "POST",
        f"{P}/{pid}/budget-items",
        {"category": "Reserve", "planned_amount": "10.00", "allocation_strategy": "NONE"},
    )
    response = await treasurer.call("POST", f"{P}/{pid}/budget-items/{item['id']}/apply")
    assert response.status_code == 400
    bad = await treasurer.call(
        "POST", f"{P}/{pid}/budget-items", {"category": "X", "planned_amount": "-1"}
    )
    assert bad.status_code == 400
