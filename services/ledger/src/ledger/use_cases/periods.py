"""Service periods: created by a treasurer without overlapping another of the community, OPEN →
CLOSED, reopened only while not carried forward (``domain/periods.py``)."""

from __future__ import annotations

from sosenki_contracts.commands import ledger as c
from sosenki_contracts.events import ledger as ev

from ledger.domain import periods as period_rules
from ledger.domain.periods import Period
from ledger.ports import Ctx
from ledger.use_cases import access
from ledger.use_cases.entries import publish


async def create_period(command: c.CreatePeriod, ctx: Ctx) -> Period:
    community_id = command.community_id
    await access.require_treasurer(ctx, community_id)
    start, end = command.start_date, command.end_date
    period_rules.validate_new_period(command.name, start, end)
    period_rules.check_no_overlap(
        start, end, await ctx.repo.periods_overlapping(community_id, start, end)
    )
    period = await ctx.repo.add_period(
        community_id, command.name.strip(), start, end, command.description
    )
    await publish(
        ctx,
        community_id,
        ev.PeriodCreated(
            community_id=community_id,
            period_id=period.id,
            name=period.name,
            start_date=period.start_date,
            end_date=period.end_date,
            description=period.description,
            status=period.status.value,
        ),
    )
    return period


async def close_period(command: c.ClosePeriod, ctx: Ctx) -> Period:
    # The row lock orders a close after any contribution already writing into the period.
    period = await access.period(ctx, command.period_id, for_update=True)
    await access.require_treasurer(ctx, period.community_id)
    now = ctx.clock.now()
    closed = period_rules.close(period, now)
    await ctx.repo.save_period_state(closed)
    await publish(
        ctx,
        period.community_id,
        ev.PeriodClosed(community_id=period.community_id, period_id=period.id, closed_at=now),
    )
    return closed


async def reopen_period(command: c.ReopenPeriod, ctx: Ctx) -> Period:
    period = await access.period(ctx, command.period_id, for_update=True)
    await access.require_treasurer(ctx, period.community_id)
    reopened = period_rules.reopen(period)
    await ctx.repo.save_period_state(reopened)
    await publish(
        ctx,
        period.community_id,
        ev.PeriodReopened(community_id=period.community_id, period_id=period.id),
    )
    return reopened
