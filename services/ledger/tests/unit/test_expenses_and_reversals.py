"""Expenses are allocated with the shares in force on their date; a reversal negates an entry
once, and never an opening entry."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import given, settings, strategies as st
from sosenki_contracts.commands import ledger as c
from sosenki_contracts.events import ledger as ev
from sosenki_platform.errors import BadRequest, Conflict

pytestmark = pytest.mark.unit


def expense(ledger: Any, amount: str = "100", **fields: Any) -> c.RecordExpense:
    return c.RecordExpense(
        period_id=ledger.period_id, amount=Decimal(amount), payment_type="Roads", **fields
    )


async def test_an_expense_is_split_by_the_shares_and_sums_exactly(ledger: Any) -> None:
    await ledger.village({1: "1", 2: "2"})
    row = await ledger.do(expense(ledger, "100"))
    assert ledger.store.allocations[row.id] == {1: Decimal("33.33"), 2: Decimal("66.67")}
    (event,) = ledger.published(ev.ExpenseRecorded)
    assert [(a.owner_id, str(a.amount)) for a in event.allocations] == [(1, "33.33"), (2, "66.67")]
    assert event.model_dump(mode="json")["paid_by_owner_id"] is None


async def test_a_command_carries_the_expense_s_date_and_its_shares_apply(ledger: Any) -> None:
    """Before, ``ledger.record_expense`` had no date: a command's expense was always dated now."""
    await ledger.village()
    await ledger.do(
        c.ChangeShare(
            community_id=ledger.community_id,
            owner_id=2,
            ownership_share=Decimal(3),
            effective_from=date(2025, 11, 10),
        )
    )
    early = await ledger.do(expense(ledger, "10", date=datetime(2025, 11, 5, tzinfo=UTC)))
    late = await ledger.do(expense(ledger, "10", date=datetime(2025, 11, 12, tzinfo=UTC)))
    assert early.date == datetime(2025, 11, 5, tzinfo=UTC)
    assert ledger.store.allocations[early.id] == {1: Decimal(5), 2: Decimal(5)}
    assert ledger.store.allocations[late.id] == {1: Decimal("2.50"), 2: Decimal("7.50")}
    with pytest.raises(BadRequest):
        await ledger.do(expense(ledger, date=datetime(2025, 12, 5, tzinfo=UTC)))


async def test_a_usage_based_expense_by_command(ledger: Any) -> None:
    """Before, ``ledger.record_expense`` had no meter_type: USAGE_BASED was always refused."""
    await ledger.village()
    for owner, values in ((1, ("0", "10")), (2, ("0", "30"))):
        meter = await ledger.do(
            c.RegisterMeter(community_id=ledger.community_id, owner_id=owner, meter_type="water")
        )
        for day, value in zip((date(2025, 11, 1), date(2025, 12, 1)), values, strict=True):
            await ledger.do(
                c.RecordMeterReading(meter_id=meter.id, reading_date=day, value=Decimal(value))
            )
    row = await ledger.do(
        expense(ledger, "80", allocation_strategy="USAGE_BASED", meter_type="water")
    )
    assert ledger.store.allocations[row.id] == {1: Decimal(20), 2: Decimal(60)}
    with pytest.raises(BadRequest, match="USAGE_BASED allocation needs a meter_type"):
        await ledger.do(expense(ledger, allocation_strategy="USAGE_BASED"))
    with pytest.raises(BadRequest, match="meter_type: 'steam' is not one of electricity"):
        await ledger.do(expense(ledger, allocation_strategy="USAGE_BASED", meter_type="steam"))
    with pytest.raises(BadRequest, match="allocation_strategy: 'EVENLY' is not one of"):
        await ledger.do(expense(ledger, allocation_strategy="EVENLY"))


async def test_an_expense_among_some_owners_only(ledger: Any) -> None:
    await ledger.village({1: "1", 2: "1", 3: "1"})
    row = await ledger.do(expense(ledger, "10", owner_ids=[1, 3]))
    assert ledger.store.allocations[row.id] == {1: Decimal(5), 3: Decimal(5)}
    with pytest.raises(BadRequest, match=r"Not active owners of this community: \[9\]"):
        await ledger.do(expense(ledger, owner_ids=[9]))


@settings(max_examples=25, deadline=None)
@given(
    cents=st.integers(min_value=1, max_value=10**9),
    shares=st.lists(st.integers(min_value=1, max_value=1000), min_size=1, max_size=6),
)
async def test_allocation_lines_sum_exactly_and_a_reversal_undoes_them(
    cents: int, shares: list[int]
) -> None:
    from .conftest import Ledger

    ledger = Ledger()
    await ledger.village({i + 1: str(s) for i, s in enumerate(shares)})
    amount = Decimal(cents).scaleb(-2)
    row = await ledger.do(expense(ledger, str(amount), paid_by_owner_id=1))
    assert sum(ledger.store.allocations[row.id].values()) == amount
    reversal = await ledger.do(
        c.ReverseEntry(entry="expense", period_id=ledger.period_id, entry_id=row.id, reason="x")
    )
    totals = await ledger.store.period_totals(ledger.store.periods[ledger.period_id])
    assert all(t.balance == 0 for t in totals.values())
    assert reversal.amount == -amount and reversal.reverses_id == row.id


async def test_an_entry_is_reversed_once_and_a_reversal_never(ledger: Any) -> None:
    await ledger.village()
    paid = await ledger.do(
        c.RecordContribution(period_id=ledger.period_id, owner_id=2, amount=Decimal(50))
    )

    def undo(entry_id: int) -> c.ReverseEntry:
        return c.ReverseEntry(
            entry="contribution", period_id=ledger.period_id, entry_id=entry_id, reason="typo"
        )

    reversal = await ledger.do(undo(paid.id))
    assert (reversal.amount, reversal.kind, reversal.comment) == (
        Decimal(-50),
        "reversal",
        f"Reversal of contribution {paid.id}",
    )
    event = ledger.published(ev.ContributionRecorded)[-1]
    assert event.model_dump(mode="json")["amount"] == "-50.00" and event.reason == "typo"
    with pytest.raises(Conflict):
        await ledger.do(undo(paid.id))
    with pytest.raises(BadRequest, match="is itself a reversal"):
        await ledger.do(undo(reversal.id))


async def test_a_charge_reversal_keeps_its_usage_type(ledger: Any) -> None:
    await ledger.village()
    charge = await ledger.do(
        c.RecordCharge(period_id=ledger.period_id, owner_id=1, amount=Decimal(5), description="f")
    )
    reversal = await ledger.do(
        c.ReverseEntry(entry="charge", period_id=ledger.period_id, entry_id=charge.id, reason="r")
    )
    assert reversal.description == "Reversal: f" and reversal.amount == Decimal(-5)
