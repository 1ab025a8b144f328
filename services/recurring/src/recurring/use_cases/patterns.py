"""Patterns: create, pause, resume and cancel one; read, list and preview them.

Who sees a pattern: a pattern acts on behalf of whoever created it (its occurrences' commands
carry the creator as actor, so the target checks the creator's rights at every occurrence and a
pattern never does more than its creator could). People see their own patterns; admins and
services see all; to anyone else a pattern is not found.
"""

from __future__ import annotations

import uuid

from sosenki_contracts import topics
from sosenki_contracts.commands.recurring import (
    CancelPattern,
    PatternDefinition,
    PausePattern,
    ResumePattern,
)
from sosenki_contracts.error_codes import ErrorCode
from sosenki_contracts.events.recurring import PatternCancelled, PatternCreated, PatternResumed
from sosenki_platform.errors import Conflict, NotFound
from sosenki_platform.use_case import Caller

from recurring.domain.first_occurrence import template_is_first
from recurring.domain.schedule import CatchUp, Occurrence, build_schedule
from recurring.domain.start_window import check_start
from recurring.domain.targets import check_target
from recurring.use_cases.occurrences import advance, pause_row, record
from recurring.use_cases.snapshots import (
    ACTIVE,
    CANCELLED,
    DONE,
    PAUSED,
    SKIPPED,
    pattern_snapshot,
    schedule_of,
)
from recurring.use_cases.store import Ctx, Record


def may_see(caller: Caller, created_by: str) -> bool:
    return caller.privileged or caller.actor.id == created_by


async def create(
    d: PatternDefinition, ctx: Ctx, *, source: str | None = None, first_is_template: bool = False
) -> Record:
    """A new active pattern. ``first_is_template``: the pattern repeats an existing splits
    expense dated ``start_date``; when that date is occurrence 1's, occurrence 1 is recorded
    as done, not sent (``domain/first_occurrence.py``)."""
    check_start(d.start_date, ctx.clock.now().date())
    schedule = build_schedule(
        frequency=d.frequency,
        interval=d.interval,
        start_date=d.start_date,
        time_of_day=d.time_of_day,
        timezone=d.timezone,
        days_of_week=d.days_of_week,
        end_date=d.end_date,
        max_occurrences=d.max_occurrences,
    )
    check_target(d.target, schedule)
    first = schedule.occurrence(1)
    assert first is not None
    row = await ctx.repo.add_pattern(
        {
            "id": str(uuid.uuid4()),
            "name": d.name.strip(),
            "frequency": schedule.frequency.value,
            "interval": schedule.interval,
            "days_of_week": list(schedule.days_of_week) if schedule.days_of_week else None,
            "start_date": schedule.start_date,
            "time_of_day": schedule.time_of_day,
            "timezone": schedule.timezone,
            "end_date": schedule.end_date,
            "max_occurrences": schedule.max_occurrences,
            "catch_up": CatchUp(d.catch_up).value,
            "target": d.target.model_dump(mode="json"),
            "status": ACTIVE,
            "next_number": first.number,
            "next_due_at": first.due_at,
            "source": source,
            "actor": ctx.caller.actor.model_dump(mode="json"),
            "created_by": ctx.caller.actor.id,
        }
    )
    created = PatternCreated(**dict(pattern_snapshot(row)))
    await ctx.publish(topics.RECURRING_EVENTS, row.id, created)
    if first_is_template and template_is_first(schedule, d.start_date):
        await record(ctx, row, schedule, first, DONE, detail="The template itself")
        row = await advance(ctx, row, schedule, 2)
    return row


async def get(pattern_id: str, ctx: Ctx, *, for_update: bool = False) -> Record:
    """The pattern, if the caller may see it; anyone else's is not found."""
    try:
        uuid.UUID(pattern_id)
    except ValueError:
        raise NotFound("Pattern not found", ErrorCode.PATTERN_NOT_FOUND) from None
    row = await ctx.repo.get_pattern(pattern_id, for_update=for_update)
    if row is None or not may_see(ctx.caller, row.created_by):
        raise NotFound("Pattern not found", ErrorCode.PATTERN_NOT_FOUND)
    return row


async def list_patterns(statuses: list[str], ctx: Ctx) -> list[Record]:
    created_by = None if ctx.caller.privileged else ctx.caller.actor.id
    return await ctx.repo.list_patterns(statuses, created_by)


async def pause(command: PausePattern, ctx: Ctx) -> Record:
    row = await get(command.pattern_id, ctx, for_update=True)
    if row.status != ACTIVE:
        raise Conflict(
            f"Pattern {command.pattern_id} is {row.status}, not active", ErrorCode.PATTERN_STATE
        )
    return await pause_row(ctx, row)


async def resume(command: ResumePattern, ctx: Ctx) -> Record:
    """Occurrences that fell due while paused are skipped: pausing means not billing."""
    row = await get(command.pattern_id, ctx, for_update=True)
    if row.status != PAUSED:
        raise Conflict(
            f"Pattern {command.pattern_id} is {row.status}, not paused", ErrorCode.PATTERN_STATE
        )
    row = await ctx.repo.update_pattern(row.id, {"status": ACTIVE})
    await ctx.publish(topics.RECURRING_EVENTS, row.id, PatternResumed(pattern_id=row.id))
    schedule = schedule_of(row)
    missed = schedule.due(ctx.clock.now(), row.next_number) if row.next_number else []
    for occurrence in missed:
        await record(ctx, row, schedule, occurrence, SKIPPED, "Due while the pattern was paused")
    if missed:
        row = await advance(ctx, row, schedule, missed[-1].number + 1)
    return row


async def cancel(command: CancelPattern, ctx: Ctx) -> Record:
    row = await get(command.pattern_id, ctx, for_update=True)
    if row.status not in (ACTIVE, PAUSED):
        raise Conflict(
            f"Pattern {command.pattern_id} is already {row.status}", ErrorCode.PATTERN_STATE
        )
    row = await ctx.repo.update_pattern(
        row.id, {"status": CANCELLED, "next_number": None, "next_due_at": None}
    )
    cancelled = PatternCancelled(pattern_id=row.id, reason=command.reason)
    await ctx.publish(topics.RECURRING_EVENTS, row.id, cancelled)
    return row


async def preview(pattern_id: str, count: int, ctx: Ctx) -> list[Occurrence]:
    """The next ``count`` occurrences still to come."""
    row = await get(pattern_id, ctx)
    if row.next_number is None or row.status not in (ACTIVE, PAUSED):
        return []
    return schedule_of(row).first(count, from_number=row.next_number)


async def occurrences(pattern_id: str, ctx: Ctx) -> list[Record]:
    row = await get(pattern_id, ctx)
    return await ctx.repo.occurrences(row.id)
