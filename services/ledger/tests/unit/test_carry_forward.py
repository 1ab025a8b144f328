"""Carry-forward: credits become opening contributions, debts opening charges, once, into the
source's next period; the event comes before its opening entries."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

import pytest
from ledger.queries import balances, periods
from sosenki_contracts.commands import ledger as c
from sosenki_contracts.events import ledger as ev
from sosenki_platform.errors import Conflict

pytestmark = pytest.mark.unit


async def test_balances_move_into_the_next_period_once(ledger: Any) -> None:
    await ledger.village()
    november = ledger.period_id
    await ledger.do(c.RecordContribution(period_id=november, owner_id=1, amount=Decimal(100)))
    await ledger.do(
        c.RecordCharge(period_id=november, owner_id=2, amount=Decimal(40), description="fee")
    )
    december = await ledger.period(date(2025, 12, 1), date(2025, 12, 31))
    carry = c.CarryForward(from_period_id=november, to_period_id=december)
    with pytest.raises(Conflict, match="must be CLOSED"):
        await ledger.do(carry)
    await ledger.do(c.ClosePeriod(period_id=november))
    plan, currency = await ledger.do(carry)
    assert (plan.balances, currency) == ({1: Decimal(100), 2: Decimal(-40)}, "RUB")
    kinds = [type(p.event).__name__ for p in ledger.events.published[-3:]]
    assert kinds == ["BalancesCarriedForward", "ContributionRecorded", "ChargeRecorded"]
    carried = ledger.published(ev.BalancesCarriedForward)[-1].model_dump(mode="json")
    assert carried["balances"] == {"1": "100.00", "2": "-40.00"}
    assert carried["total_carried"] == "60.00"
    opening = await periods.opening_transactions(ledger.ctx(), december)
    assert opening.total_opening_contributions == "100.00"
    assert opening.total_opening_charges == "40.00"
    sheet = await balances.balance_sheet(ledger.ctx(), december)
    assert [(e.owner_id, e.balance) for e in sheet.entries] == [(1, "100.00"), (2, "-40.00")]
    with pytest.raises(Conflict):
        await ledger.do(carry)
    with pytest.raises(Conflict):
        await ledger.do(c.ReopenPeriod(period_id=november))


async def test_skipping_a_period_is_refused(ledger: Any) -> None:
    await ledger.village()
    await ledger.period(date(2025, 12, 1), date(2025, 12, 31))
    january = await ledger.period(date(2026, 1, 1), date(2026, 1, 31))
    await ledger.do(c.ClosePeriod(period_id=ledger.period_id))
    with pytest.raises(Conflict):
        await ledger.do(c.CarryForward(from_period_id=ledger.period_id, to_period_id=january))
