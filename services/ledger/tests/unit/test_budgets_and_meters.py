"""Budgets become charges once; readings never go backwards; usage is billed once per period and
type, at the meter's tariff."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

import pytest
from ledger.queries import budgets, meters as meter_queries
from sosenki_contracts.commands import ledger as c
from sosenki_contracts.events import ledger as ev
from sosenki_platform.errors import BadRequest, Conflict, Forbidden

pytestmark = pytest.mark.unit


async def test_a_budget_item_is_applied_once_as_charges(ledger: Any) -> None:
    await ledger.village({1: "1", 2: "3"})
    item = await ledger.do(
        c.CreateBudgetItem(
            period_id=ledger.period_id, category="Roads", planned_amount=Decimal(100)
        )
    )
    created = ledger.published(ev.BudgetItemCreated)[-1].model_dump(mode="json")
    assert created["planned_amount"] == "100.00" and created["currency"] == "RUB"
    apply = c.ApplyBudgetItem(period_id=ledger.period_id, budget_item_id=item.id)
    charges = await ledger.do(apply)
    assert [(ch.owner_id, ch.amount) for ch in charges] == [(1, Decimal(25)), (2, Decimal(75))]
    assert ledger.published(ev.BudgetItemApplied)[-1].charge_ids == [ch.id for ch in charges]
    assert ledger.store.budget_items[item.id].applied_at == ledger.clock.now()
    with pytest.raises(Conflict, match="already been applied"):
        await ledger.do(apply)
    await ledger.do(
        c.RecordExpense(period_id=ledger.period_id, amount=Decimal(30), payment_type="Roads")
    )
    report = await budgets.budget_vs_actual(ledger.ctx(2), ledger.period_id)
    assert [(r.category, r.planned, r.actual, r.remaining) for r in report.categories] == [
        ("Roads", "100.00", "30.00", "70.00")
    ]


async def test_a_budget_item_paid_from_the_fund_charges_nobody(ledger: Any) -> None:
    await ledger.village()
    item = await ledger.do(
        c.CreateBudgetItem(
            period_id=ledger.period_id,
            category="Roads",
            planned_amount=Decimal(10),
            allocation_strategy="NONE",
        )
    )
    with pytest.raises(BadRequest, match="paid from the fund"):
        await ledger.do(c.ApplyBudgetItem(period_id=ledger.period_id, budget_item_id=item.id))


async def test_readings_and_usage_billing(ledger: Any) -> None:
    await ledger.village()
    meter = await ledger.do(
        c.RegisterMeter(
            community_id=ledger.community_id,
            owner_id=2,
            meter_type="electricity",
            tariff=Decimal("5.5"),
        )
    )
    assert ledger.published(ev.MeterRegistered)[-1].model_dump(mode="json")["tariff"] == "5.5"

    def read(day: date, value: str, **extra: Any) -> c.RecordMeterReading:
        return c.RecordMeterReading(
            meter_id=meter.id, reading_date=day, value=Decimal(value), **extra
        )

    await ledger.do(read(date(2025, 11, 1), "0"))  # a reading of 0, by command as by REST
    await ledger.do(read(date(2025, 12, 1), "11"), as_user=2)  # the owner reads their own meter
    other = await ledger.do(
        c.RegisterMeter(community_id=ledger.community_id, owner_id=1, meter_type="water")
    )
    with pytest.raises(Forbidden, match="their own meters"):
        await ledger.do(
            c.RecordMeterReading(
                meter_id=other.id, reading_date=date(2025, 11, 1), value=Decimal(1)
            ),
            as_user=2,
        )
    with pytest.raises(BadRequest):
        await ledger.do(read(date(2025, 12, 2), "10"))  # backwards, not a replacement
    used = await meter_queries.consumption(ledger.ctx(), ledger.period_id, None)
    assert [(m.owner_id, m.consumption) for m in used.meters] == [(2, "11"), (1, "0")]
    bill = c.BillUsage(period_id=ledger.period_id, meter_type="electricity")
    (charge,) = await ledger.do(bill)
    assert (charge.owner_id, charge.amount, charge.usage_meter_type) == (
        2,
        Decimal("60.50"),
        "electricity",
    )
    with pytest.raises(Conflict):
        await ledger.do(bill)
    await ledger.do(
        c.ReverseEntry(entry="charge", period_id=ledger.period_id, entry_id=charge.id, reason="r")
    )
    assert len(await ledger.do(bill)) == 1  # billable again once reversed
    with pytest.raises(BadRequest, match="meter_type: 'steam' is not one of"):
        await ledger.do(c.BillUsage(period_id=ledger.period_id, meter_type="steam"))
