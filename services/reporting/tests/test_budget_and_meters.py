"""Budget vs actual per category and consumption per meter, as the ledger computes them."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

import pytest
from reporting.domain.meters import Reading, consumption

P = "/api/payments/periods"


@pytest.mark.unit
def test_consumption_counts_increases_inside_the_period_and_replacements_from_zero() -> None:
    nov_start, nov_end = date(2025, 11, 1), date(2025, 11, 30)
    readings = [
        Reading(date(2025, 10, 31), Decimal("100")),
        Reading(date(2025, 11, 10), Decimal("130.5")),
        Reading(date(2025, 11, 20), Decimal("12"), is_replacement=True),  # new meter
        Reading(date(2025, 11, 30), Decimal("20")),
        Reading(date(2025, 12, 5), Decimal("50")),
    ]
    assert consumption(readings, nov_start, nov_end) == Decimal("50.5")  # 30.5 + 12 + 8
    assert consumption(readings[:1], nov_start, nov_end) == 0
    assert consumption([], nov_start, nov_end) == 0


@pytest.mark.integration
async def test_budget_vs_actual_and_consumption(
    reporting: Any, ledger: Any, make_token: Any
) -> None:
    await ledger.community({11: "anna", 12: "boris"})
    nov = await ledger.period()
    for item_id, category, planned in ((1, "Roads", "500.00"), (2, "Snow", "200.00")):
        await ledger.publish(
            "ledger.budget_item_created",
            nov,
            period_id=nov,
            budget_item_id=ledger.new_id() + item_id,
            category=category,
            planned_amount=planned,
            currency="RUB",
            allocation_strategy="PROPORTIONAL",
        )
    await ledger.expense(nov, "300.00", {11: "150.00", 12: "150.00"})  # Roads
    await ledger.expense(nov, "80.00", {}, payment_type="Gate")
    wrong = await ledger.expense(nov, "20.00", {})
    await ledger.expense(
        nov, "-20.00", {}, kind="reversal", reverses_id=wrong, reason="Entered twice"
    )
    electricity, water = ledger.new_id(), ledger.new_id()
    for meter_id, owner, kind in ((electricity, 11, "electricity"), (water, 12, "water")):
        await ledger.publish(
            "ledger.meter_registered",
            nov,
            meter_id=meter_id,
            owner_id=owner,
            meter_type=kind,
            tariff="5.50",
        )
    for meter_id, owner, kind, day, value, replaced in (
        (electricity, 11, "electricity", "2025-10-31", "1000", False),
        (electricity, 11, "electricity", "2025-11-30", "1123.4", False),
        (water, 12, "water", "2025-10-20", "50", False),
        (water, 12, "water", "2025-11-15", "7", True),
    ):
        await ledger.publish(
            "ledger.meter_reading_recorded",
            nov,
            meter_id=meter_id,
            owner_id=owner,
            meter_type=kind,
            reading_id=ledger.new_id(),
            reading_date=day,
            value=value,
            is_replacement=replaced,
        )
    await reporting.caught_up(ledger)
    api = reporting.client
    # The treasurer (the community's creator) sees every owner's meters.
    api.headers["Authorization"] = f"Bearer {make_token(1, communities=[ledger.community_id])}"

    budget = (await api.get(f"{P}/{nov}/budget-vs-actual")).json()
    assert budget == {
        "period_id": nov,
        "currency": "RUB",
        "categories": [
            {"category": "Gate", "planned": "0.00", "actual": "80.00", "remaining": "-80.00"},
            {"category": "Roads", "planned": "500.00", "actual": "300.00", "remaining": "200.00"},
            {"category": "Snow", "planned": "200.00", "actual": "0.00", "remaining": "200.00"},
        ],
    }
    used = (await api.get(f"{P}/{nov}/consumption")).json()
    assert used == {
        "period_id": nov,
        "meters": sorted(
            [
                {
                    "meter_id": electricity,
                    "owner_id": 11,
                    "meter_type": "electricity",
                    "consumption": "123.4",
                },
                {"meter_id": water, "owner_id": 12, "meter_type": "water", "consumption": "7"},
            ],
            key=lambda m: m["meter_id"],
        ),
    }
    water_only = (await api.get(f"{P}/{nov}/consumption", params={"meter_type": "water"})).json()
    assert [m["meter_id"] for m in water_only["meters"]] == [water]
    assert (await api.get(f"{P}/{nov}/consumption?meter_type=steam")).status_code == 400
    # An owner sees only their own meters.
    owner = {"Authorization": f"Bearer {make_token(12)}"}
    mine = (await api.get(f"{P}/{nov}/consumption", headers=owner)).json()
    assert [m["meter_id"] for m in mine["meters"]] == [water]
