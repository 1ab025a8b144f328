"""Occurrences: the scheduler's pass emits what is due (``domain/catch_up.py`` decides which),
each emitted occurrence sends its target a command (``domain/targets.py``), and the target's
answer marks it done or refused (a refusal may pause the pattern, ``domain/refusal.py``)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sosenki_contracts import topics
from sosenki_contracts.envelope import Actor
from sosenki_contracts.error_codes import default_code
from sosenki_contracts.events.recurring import PatternFinished, PatternPaused
from sosenki_platform.logging import get_logger
from sosenki_platform.telemetry import tracer

from recurring.domain.catch_up import next_batch
from recurring.domain.refusal import pauses_on_refusal
from recurring.domain.schedule import CatchUp, Occurrence, Schedule
from recurring.domain.targets import command_for, command_id, parse_command_id, parse_target
from recurring.use_cases.snapshots import (
    ACTIVE,
    DONE,
    EMITTED,
    FINISHED,
    PAUSED,
    REFUSED,
    SKIPPED,
    occurrence_event,
    occurrence_snapshot,
    schedule_of,
)
from recurring.use_cases.store import Ctx, Record

log = get_logger(__name__)


@dataclass(frozen=True)
class Pass:
    """What one scheduler pass did: patterns emitted, and claimed patterns it left due because
    the pass had written its share of occurrences (the next pass takes them)."""

    emitted: int
    claimed: int
    left: int = 0


async def emit_due(
    ctx: Ctx, limit: int, catch_up_limit: int = 100, occurrence_budget: int | None = None
) -> Pass:
    """Claim up to ``limit`` due patterns and emit their due occurrences, at most
    ``catch_up_limit`` per pattern. A pattern that fails (say, a template the contracts no
    longer accept) is logged and left due; the others in the batch still go out. Once
    ``occurrence_budget`` occurrences are written, the remaining claimed patterns are left for the
    next pass: one transaction stays small enough for the relay to start publishing early."""
    now = ctx.clock.now()
    emitted = written = 0
    rows = await ctx.repo.claim_due(now, limit)
    for index, row in enumerate(rows):
        if occurrence_budget is not None and written >= occurrence_budget:
            return Pass(emitted, len(rows), len(rows) - index)
        try:
            # Found work starts a trace (idle ticks make none): the commands carry it on.
            with tracer().start_as_current_span(
                "recurring emit", attributes={"recurring.pattern_id": row.id}
            ):
                async with ctx.repo.savepoint():
                    written += await _emit(ctx, row, now, catch_up_limit)
            emitted += 1
        except Exception as exc:
            log.error("pattern_emit_failed", pattern_id=row.id, error=repr(exc))
    return Pass(emitted, len(rows))


async def _emit(ctx: Ctx, row: Record, now: datetime, catch_up_limit: int) -> int:
    """Emit one pattern's due occurrences; returns how many occurrences it wrote."""
    schedule = schedule_of(row)
    due = schedule.due(now, row.next_number, limit=catch_up_limit + 1)
    if not due:
        await advance(ctx, row, schedule, row.next_number)
        return 0
    batch = next_batch(due, CatchUp(row.catch_up), catch_up_limit)
    for occurrence in batch.skip:
        await record(
            ctx, row, schedule, occurrence, SKIPPED, "Missed; only the latest is sent", now=now
        )
    for occurrence in batch.send:
        await record(ctx, row, schedule, occurrence, EMITTED, now=now)
    last = (batch.send or batch.skip)[-1]
    await advance(ctx, row, schedule, last.number + 1)
    return len(batch.skip) + len(batch.send)


async def record(
    ctx: Ctx,
    row: Record,
    schedule: Schedule,
    occurrence: Occurrence,
    status: str,
    detail: str | None = None,
    *,
    now: datetime | None = None,
) -> None:
    """Write one occurrence with its status; an emitted one sends its command, as the pattern's
    creator (a pattern never does more than its creator could). ``now``: the scheduler pass's
    time (read once a pass, not once an occurrence)."""
    command = command_for(parse_target(row.target), schedule, occurrence)
    cid = command_id(row.id, occurrence.number)
    now = now or ctx.clock.now()
    emitted = status == EMITTED
    written = await ctx.repo.add_occurrence(
        {
            "pattern_id": row.id,
            "number": occurrence.number,
            "due_at": occurrence.due_at,
            "occurrence_date": occurrence.date,
            "command_id": cid,
            "command_type": command.command_type,
            "payload": command.payload if emitted else None,
            "status": status,
            "detail": detail,
            "emitted_at": now if emitted else None,
            "resolved_at": None if emitted else now,
        }
    )
    if emitted:
        await ctx.repo.send_command(
            command.topic,
            row.id,
            command_id=cid,
            command_type=command.command_type,
            actor=Actor.model_validate(row.actor),
            payload=command.payload,
        )
    await ctx.publish(
        topics.RECURRING_EVENTS, row.id, occurrence_event(status, occurrence_snapshot(written))
    )


async def advance(ctx: Ctx, row: Record, schedule: Schedule, number: int) -> Record:
    """Point the pattern at occurrence ``number``; past its last one, it is finished."""
    following = schedule.occurrence(number)
    if following is None:
        row = await ctx.repo.update_pattern(
            row.id, {"status": FINISHED, "next_number": None, "next_due_at": None}
        )
        await ctx.publish(
            topics.RECURRING_EVENTS,
            row.id,
            PatternFinished(pattern_id=row.id, last_number=number - 1),
        )
        return row
    return await ctx.repo.update_pattern(
        row.id, {"next_number": following.number, "next_due_at": following.due_at}
    )


async def pause_row(
    ctx: Ctx,
    row: Record,
    reason: str | None = None,
    number: int | None = None,
    reason_code: str | None = None,
) -> Record:
    row = await ctx.repo.update_pattern(row.id, {"status": PAUSED})
    paused = PatternPaused(
        pattern_id=row.id,
        reason=reason,
        occurrence_number=number,
        created_by=row.created_by,
        reason_code=reason_code,
    )
    await ctx.publish(topics.RECURRING_EVENTS, row.id, paused)
    return row


async def record_result(
    ctx: Ctx,
    cid: str | None,
    *,
    status_code: int | None = None,
    detail: str | None = None,
    code: str | None = None,
) -> bool:
    """The target applied (``status_code`` None) or refused one of our commands; False when the
    command is not an occurrence still waiting for its answer."""
    if cid is None or parse_command_id(cid) is None:
        return False
    found = await ctx.repo.get_occurrence_by_command(cid, for_update=True)
    if found is None or found.status != EMITTED:
        return False
    status = DONE if status_code is None else REFUSED
    written = await ctx.repo.update_occurrence(
        found.pattern_id,
        found.number,
        {
            "status": status,
            "status_code": status_code,
            "detail": detail,
            "resolved_at": ctx.clock.now(),
        },
    )
    await ctx.publish(
        topics.RECURRING_EVENTS,
        found.pattern_id,
        occurrence_event(status, occurrence_snapshot(written)),
    )
    if status == REFUSED:
        pattern = await ctx.repo.get_pattern(found.pattern_id, for_update=True)
        if pattern is not None and pattern.status == ACTIVE:
            if pauses_on_refusal(parse_target(pattern.target)):
                await pause_row(
                    ctx,
                    pattern,
                    f"Occurrence {found.number}: {detail}",
                    found.number,
                    code or default_code(status_code or 400),
                )
    return True
