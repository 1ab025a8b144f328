"""Periods: never overlapping, OPEN → CLOSED at the clock's time, reopened while not carried."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from ledger.domain.periods import PeriodStatus
from ledger.queries import periods
from sosenki_contracts.commands import ledger as c
from sosenki_contracts.events import ledger as ev
from sosenki_platform.errors import BadRequest, Conflict, Forbidden, NotFound

pytestmark = pytest.mark.unit


async def test_periods_never_overlap(ledger: Any) -> None:
    await ledger.village()
    with pytest.raises(Conflict, match="overlaps"):
        await ledger.period(date(2025, 11, 30), date(2025, 12, 31))
    december = await ledger.period(date(2025, 12, 1), date(2025, 12, 31), name="December")
    created = ledger.published(ev.PeriodCreated)[-1]
    assert (created.period_id, created.status, created.name) == (december, "OPEN", "December")


async def test_a_period_ending_before_it_starts_is_refused(ledger: Any) -> None:
    await ledger.village()
    with pytest.raises(BadRequest):
        await ledger.period(date(2026, 2, 1), date(2026, 1, 1))


async def test_close_stamps_the_clock_and_reopen_undoes_it(ledger: Any) -> None:
    await ledger.village()
    closed = await ledger.do(c.ClosePeriod(period_id=ledger.period_id))
    assert closed.status is PeriodStatus.CLOSED and closed.closed_at == ledger.clock.now()
    assert ledger.published(ev.PeriodClosed)[-1].closed_at == ledger.clock.now()
    with pytest.raises(Conflict, match="already closed"):
        await ledger.do(c.ClosePeriod(period_id=ledger.period_id))
    reopened = await ledger.do(c.ReopenPeriod(period_id=ledger.period_id))
    assert reopened.status is PeriodStatus.OPEN and reopened.closed_at is None
    assert len(ledger.published(ev.PeriodReopened)) == 1
    with pytest.raises(Conflict, match="is not closed"):
        await ledger.do(c.ReopenPeriod(period_id=ledger.period_id))


async def test_only_a_treasurer_closes_and_strangers_see_no_period(ledger: Any) -> None:
    await ledger.village()
    with pytest.raises(Forbidden):
        await ledger.do(c.ClosePeriod(period_id=ledger.period_id), as_user=2)
    with pytest.raises(NotFound, match="Period not found"):
        await ledger.do(c.ClosePeriod(period_id=ledger.period_id), as_user=99)
    listed = await periods.periods(ledger.ctx(99), None, None, 100, 0)
    assert listed.total == 0
    mine = await periods.periods(ledger.ctx(2), "open", None, 100, 0)
    assert [p.id for p in mine.periods] == [ledger.period_id]
    with pytest.raises(BadRequest, match="status must be OPEN or CLOSED"):
        await periods.periods(ledger.ctx(2), "ajar", None, 100, 0)
