"""The recurring service's use cases, called alike by REST routes, commands, the scheduler and the
targets' result events.

Each method runs in the caller's unit of work: it writes patterns and occurrences, appends the
resulting events to the outbox and the targets' commands to the same outbox table, all in one
transaction.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sosenki_contracts import topics
from sosenki_contracts.commands.recurring import PatternDefinition, SplitsExpenseTarget
from sosenki_contracts.envelope import Actor, CommandEnvelope
from sosenki_contracts.events.recurring import OccurrenceSnapshot, PatternPaused, PatternSnapshot
from sosenki_contracts.events.splits import RecurringExpenseRequested
from sosenki_platform.errors import Conflict, NotFound
from sosenki_platform.logging import get_logger
from sosenki_platform.service import Runtime
from sosenki_platform.telemetry import tracer
from sqlalchemy import Row
from sqlalchemy.ext.asyncio import AsyncSession

from recurring.access import Caller
from recurring.adapters.repository import PatternRepository
from recurring.clock import Clock
from recurring.domain.catch_up import next_batch
from recurring.domain.first_occurrence import template_is_first
from recurring.domain.refusal import pauses_on_refusal
from recurring.domain.schedule import (
    WEEKDAYS,
    CatchUp,
    Occurrence,
    Schedule,
    build_schedule,
    weekday_codes,
)
from recurring.domain.start_window import check_start
from recurring.domain.targets import (
    check_target,
    command_for,
    command_id,
    parse_command_id,
    parse_target,
)

log = get_logger(__name__)

ACTIVE, PAUSED, CANCELLED, FINISHED = "active", "paused", "cancelled", "finished"
EMITTED, DONE, REFUSED, SKIPPED = "emitted", "done", "refused", "skipped"


def schedule_of(row: Row[Any]) -> Schedule:
    return build_schedule(
        frequency=row.frequency,
        interval=row.interval,
        start_date=row.start_date,
        time_of_day=row.time_of_day,
        timezone=row.timezone,
        days_of_week=list(row.days_of_week) if row.days_of_week is not None else None,
        end_date=row.end_date,
        max_occurrences=row.max_occurrences,
    )


def pattern_snapshot(row: Row[Any]) -> PatternSnapshot:
    schedule = schedule_of(row)
    return PatternSnapshot(
        pattern_id=row.id,
        name=row.name,
        frequency=row.frequency,
        interval=row.interval,
        days_of_week=weekday_codes(schedule.days_of_week),
        start_date=row.start_date,
        time_of_day=row.time_of_day,
        timezone=row.timezone,
        end_date=row.end_date,
        max_occurrences=row.max_occurrences,
        catch_up=row.catch_up,
        target=row.target,
        rrule=schedule.to_rrule(),
        status=row.status,
        next_number=row.next_number,
        next_due_at=row.next_due_at,
    )


def occurrence_snapshot(row: Row[Any]) -> OccurrenceSnapshot:
    return OccurrenceSnapshot(
        pattern_id=row.pattern_id,
        number=row.number,
        due_at=row.due_at,
        occurrence_date=row.occurrence_date,
        command_id=row.command_id,
        command_type=row.command_type,
        status=row.status,
        status_code=row.status_code,
        detail=row.detail,
    )


class Patterns:
    def __init__(
        self,
        runtime: Runtime,
        session: AsyncSession,
        caller: Caller,
        clock: Clock,
        correlation_id: str | None = None,
        causation_id: str | None = None,
    ) -> None:
        self.runtime = runtime
        self.session = session
        self.repo = PatternRepository(session)
        self.caller = caller
        self.clock = clock
        self.correlation_id = correlation_id
        self.causation_id = causation_id

    async def _publish(self, event_type: str, pattern_id: str, payload: dict[str, Any]) -> None:
        event = self.runtime.event(
            event_type,
            pattern_id,
            payload,
            actor=self.caller.actor,
            correlation_id=self.correlation_id,
            causation_id=self.causation_id,
        )
        await self.runtime.outbox.append(self.session, topics.RECURRING_EVENTS, event)

    # Patterns
    async def create(
        self, d: PatternDefinition, *, source: str | None = None, first_is_template: bool = False
    ) -> Row[Any]:
        """A new active pattern. ``first_is_template``: the pattern repeats an existing splits
        expense dated ``start_date``; when that date is occurrence 1's, occurrence 1 is recorded
        as done, not sent (``domain/first_occurrence.py``)."""
        check_start(d.start_date, self.clock.now().date())
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
        row = await self.repo.add_pattern(
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
                "actor": self.caller.actor.model_dump(mode="json"),
                "created_by": self.caller.actor.id,
            }
        )
        await self._publish("recurring.pattern_created", row.id, self._dump(pattern_snapshot(row)))
        if first_is_template and template_is_first(schedule, d.start_date):
            await self._record(row, schedule, first, DONE, detail="The template itself")
            row = await self._advance(row, schedule, 2)
        return row

    async def get(self, pattern_id: str, *, for_update: bool = False) -> Row[Any]:
        try:
            uuid.UUID(pattern_id)
        except ValueError:
            raise NotFound("Pattern not found") from None
        row = await self.repo.get_pattern(pattern_id, for_update=for_update)
        if row is None or not self.caller.may_see(row.created_by):
            raise NotFound("Pattern not found")
        return row

    async def list_patterns(self, statuses: list[str]) -> list[Row[Any]]:
        created_by = None if self.caller.privileged else self.caller.actor.id
        return await self.repo.list_patterns(statuses, created_by)

    async def pause(self, pattern_id: str) -> Row[Any]:
        row = await self.get(pattern_id, for_update=True)
        if row.status != ACTIVE:
            raise Conflict(f"Pattern {pattern_id} is {row.status}, not active")
        return await self._pause(row)

    async def _pause(
        self, row: Row[Any], reason: str | None = None, number: int | None = None
    ) -> Row[Any]:
        row = await self.repo.update_pattern(row.id, {"status": PAUSED})
        paused = PatternPaused(
            pattern_id=row.id, reason=reason, occurrence_number=number, created_by=row.created_by
        )
        await self._publish("recurring.pattern_paused", row.id, paused.model_dump(mode="json"))
        return row

    async def resume(self, pattern_id: str) -> Row[Any]:
        """Occurrences that fell due while paused are skipped: pausing means not billing."""
        row = await self.get(pattern_id, for_update=True)
        if row.status != PAUSED:
            raise Conflict(f"Pattern {pattern_id} is {row.status}, not paused")
        row = await self.repo.update_pattern(row.id, {"status": ACTIVE})
        await self._publish(
            "recurring.pattern_resumed",
            row.id,
            {"pattern_id": row.id},
        )
        schedule = schedule_of(row)
        missed = schedule.due(self.clock.now(), row.next_number) if row.next_number else []
        for occurrence in missed:
            await self._record(
                row, schedule, occurrence, SKIPPED, detail="Due while the pattern was paused"
            )
        if missed:
            row = await self._advance(row, schedule, missed[-1].number + 1)
        return row

    async def cancel(self, pattern_id: str, reason: str | None = None) -> Row[Any]:
        row = await self.get(pattern_id, for_update=True)
        if row.status not in (ACTIVE, PAUSED):
            raise Conflict(f"Pattern {pattern_id} is already {row.status}")
        row = await self.repo.update_pattern(
            row.id, {"status": CANCELLED, "next_number": None, "next_due_at": None}
        )
        await self._publish(
            "recurring.pattern_cancelled", row.id, {"pattern_id": row.id, "reason": reason}
        )
        return row

    async def preview(self, pattern_id: str, count: int) -> list[Occurrence]:
        """The next ``count`` occurrences still to come."""
        row = await self.get(pattern_id)
        if row.next_number is None or row.status not in (ACTIVE, PAUSED):
            return []
        return schedule_of(row).first(count, from_number=row.next_number)

    async def occurrences(self, pattern_id: str) -> list[Row[Any]]:
        row = await self.get(pattern_id)
        return await self.repo.occurrences(row.id)

    # The scheduler
    async def emit_due(self, limit: int, catch_up_limit: int = 100) -> int:
        """Claim up to ``limit`` due patterns and emit their due occurrences, at most
        ``catch_up_limit`` per pattern (``domain/catch_up.py``); returns how many patterns were
        emitted. A pattern that fails (say, a template the contracts no longer accept) is logged
        and left due; the others in the batch still go out."""
        now = self.clock.now()
        emitted = 0
        for row in await self.repo.claim_due(now, limit):
            try:
                # Found work starts a trace (idle ticks make none): the commands carry it on.
                with tracer().start_as_current_span(
                    "recurring emit", attributes={"recurring.pattern_id": row.id}
                ):
                    async with self.session.begin_nested():
                        await self._emit(row, now, catch_up_limit)
                emitted += 1
            except Exception as exc:
                log.error("pattern_emit_failed", pattern_id=row.id, error=repr(exc))
        return emitted

    async def _emit(self, row: Row[Any], now: datetime, catch_up_limit: int) -> None:
        schedule = schedule_of(row)
        due = schedule.due(now, row.next_number, limit=catch_up_limit + 1)
        if not due:
            await self._advance(row, schedule, row.next_number)
            return
        batch = next_batch(due, CatchUp(row.catch_up), catch_up_limit)
        for occurrence in batch.skip:
            await self._record(
                row, schedule, occurrence, SKIPPED, detail="Missed; only the latest is sent"
            )
        for occurrence in batch.send:
            await self._record(row, schedule, occurrence, EMITTED)
        last = (batch.send or batch.skip)[-1]
        await self._advance(row, schedule, last.number + 1)

    async def _record(
        self,
        row: Row[Any],
        schedule: Schedule,
        occurrence: Occurrence,
        status: str,
        detail: str | None = None,
    ) -> None:
        command = command_for(parse_target(row.target), schedule, occurrence)
        cid = command_id(row.id, occurrence.number)
        now = self.clock.now()
        emitted = status == EMITTED
        written = await self.repo.add_occurrence(
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
            envelope = CommandEnvelope(
                command_id=cid,
                command_type=command.command_type,
                issuer=self.runtime.settings.service_name,
                correlation_id=cid,
                actor=Actor.model_validate(row.actor),
                payload=command.payload,
            )
            await self.runtime.outbox.append_command(
                self.session, command.topic, envelope, key=row.id
            )
        await self._publish(
            f"recurring.occurrence_{status}", row.id, self._dump(occurrence_snapshot(written))
        )

    async def _advance(self, row: Row[Any], schedule: Schedule, number: int) -> Row[Any]:
        following = schedule.occurrence(number)
        if following is None:
            row = await self.repo.update_pattern(
                row.id, {"status": FINISHED, "next_number": None, "next_due_at": None}
            )
            await self._publish(
                "recurring.pattern_finished",
                row.id,
                {"pattern_id": row.id, "last_number": number - 1},
            )
            return row
        return await self.repo.update_pattern(
            row.id, {"next_number": following.number, "next_due_at": following.due_at}
        )

    # Results from the targets
    async def record_result(
        self, cid: str | None, *, status_code: int | None = None, detail: str | None = None
    ) -> bool:
        """The target applied (``status_code`` None) or refused one of our commands."""
        if cid is None or parse_command_id(cid) is None:
            return False
        found = await self.repo.get_occurrence_by_command(cid, for_update=True)
        if found is None or found.status != EMITTED:
            return False
        status = DONE if status_code is None else REFUSED
        written = await self.repo.update_occurrence(
            found.pattern_id,
            found.number,
            {
                "status": status,
                "status_code": status_code,
                "detail": detail,
                "resolved_at": self.clock.now(),
            },
        )
        await self._publish(
            f"recurring.occurrence_{status}",
            found.pattern_id,
            self._dump(occurrence_snapshot(written)),
        )
        if status == REFUSED:
            pattern = await self.repo.get_pattern(found.pattern_id, for_update=True)
            if pattern is not None and pattern.status == ACTIVE:
                if pauses_on_refusal(parse_target(pattern.target)):
                    await self._pause(pattern, f"Occurrence {found.number}: {detail}", found.number)
        return True

    # The splits hand-off
    async def repeat_splits_expense(
        self, request: RecurringExpenseRequested, timezone: str
    ) -> Row[Any] | None:
        """A pattern for a splits expense created with ``is_recurring``; the expense itself is
        occurrence 1, so ``max_occurrences`` counts it."""
        source = f"splits:{request.template_expense_id}"
        if await self.repo.get_by_source(source) is not None:
            return None
        r = request.recurrence
        definition = PatternDefinition(
            name=request.expense.description,
            frequency=r.type.upper(),
            interval=r.interval,
            days_of_week=(
                [WEEKDAYS[d] if 0 <= d <= 6 else str(d) for d in r.days_of_week]
                if r.days_of_week is not None
                else None
            ),
            start_date=request.start_date,
            timezone=timezone,
            end_date=r.end_date,
            max_occurrences=r.max_occurrences,
            target=SplitsExpenseTarget(template_expense_id=request.template_expense_id),
        )
        return await self.create(definition, source=source, first_is_template=True)

    async def cancel_splits_expense(self, template_expense_id: int, reason: str | None) -> None:
        row = await self.repo.get_by_source(f"splits:{template_expense_id}", for_update=True)
        if row is not None and row.status in (ACTIVE, PAUSED):
            await self.cancel(row.id, reason)

    @staticmethod
    def _dump(model: PatternSnapshot | OccurrenceSnapshot) -> dict[str, Any]:
        return model.model_dump(mode="json")
