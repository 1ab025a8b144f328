"""Patterns' and occurrences' states, and how a stored one reads as the contract's snapshot."""

from __future__ import annotations

from sosenki_contracts.events.recurring import (
    OccurrenceDone,
    OccurrenceEmitted,
    OccurrenceRefused,
    OccurrenceSkipped,
    OccurrenceSnapshot,
    PatternSnapshot,
)

from recurring.domain.schedule import Schedule, build_schedule, weekday_codes
from recurring.use_cases.store import Record

ACTIVE, PAUSED, CANCELLED, FINISHED = "active", "paused", "cancelled", "finished"
EMITTED, DONE, REFUSED, SKIPPED = "emitted", "done", "refused", "skipped"


def schedule_of(row: Record) -> Schedule:
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


def pattern_snapshot(row: Record) -> PatternSnapshot:
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


def occurrence_snapshot(row: Record) -> OccurrenceSnapshot:
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


_OCCURRENCE_EVENTS: dict[str, type[OccurrenceSnapshot]] = {
    EMITTED: OccurrenceEmitted,
    SKIPPED: OccurrenceSkipped,
    DONE: OccurrenceDone,
    REFUSED: OccurrenceRefused,
}


def occurrence_event(status: str, snapshot: OccurrenceSnapshot) -> OccurrenceSnapshot:
    """The event that says an occurrence reached ``status``."""
    return _OCCURRENCE_EVENTS[status](**dict(snapshot))
