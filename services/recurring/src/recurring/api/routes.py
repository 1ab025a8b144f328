"""The recurring service's REST API under ``/api/recurring``: thin translators into
:class:`Patterns` calls."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Query, Request
from sosenki_contracts.events.recurring import OccurrenceSnapshot, PatternSnapshot
from sosenki_platform.auth.dependency import CurrentPrincipal, authenticate
from sosenki_platform.requests import ReadSession, WriteSession, correlation_id, runtime_of

from recurring.access import Caller
from recurring.api import schemas as s
from recurring.clock import Clock
from recurring.domain.schedule import Occurrence, build_schedule
from recurring.domain.start_window import check_start
from recurring.domain.targets import check_target
from recurring.patterns import (
    ACTIVE,
    CANCELLED,
    FINISHED,
    PAUSED,
    Patterns,
    occurrence_snapshot,
    pattern_snapshot,
)

router = APIRouter(prefix="/api/recurring", tags=["recurring"])

MAX_PREVIEW = 500


def _clock(request: Request) -> Clock:
    clock: Clock = request.app.state.clock
    return clock


def _writer(request: Request, session: WriteSession, principal: CurrentPrincipal) -> Patterns:
    caller = Caller.from_principal(principal)
    clock = _clock(request)
    return Patterns(runtime_of(request), session, caller, clock, correlation_id(request))


def _reader(request: Request, session: ReadSession, principal: CurrentPrincipal) -> Patterns:
    return Patterns(runtime_of(request), session, Caller.from_principal(principal), _clock(request))


Writer = Annotated[Patterns, Depends(_writer)]
Reader = Annotated[Patterns, Depends(_reader)]
Count = Annotated[int, Query(ge=1, le=MAX_PREVIEW)]
StatusFilter = Literal["active", "paused", "cancelled", "finished", "all"]


def _previews(occurrences: list[Occurrence]) -> list[s.OccurrencePreview]:
    return [
        s.OccurrencePreview(number=o.number, occurrence_date=o.date, local=o.local, due_at=o.due_at)
        for o in occurrences
    ]


@router.post("/patterns", status_code=201, response_model=PatternSnapshot)
async def create_pattern(body: s.PatternIn, patterns: Writer) -> Any:
    return pattern_snapshot(await patterns.create(body))


# Saves nothing and reads nobody's data, but like every endpoint it is for a signed-in caller.
@router.post(
    "/patterns/preview",
    response_model=list[s.OccurrencePreview],
    dependencies=[Depends(authenticate)],
)
async def preview_new_pattern(body: s.PatternIn, request: Request, count: Count = 10) -> Any:
    """The first ``count`` occurrences of a pattern before creating it (checked like a creation;
    nothing is saved)."""
    check_start(body.start_date, _clock(request).now().date())
    schedule = build_schedule(
        frequency=body.frequency,
        interval=body.interval,
        start_date=body.start_date,
        time_of_day=body.time_of_day,
        timezone=body.timezone,
        days_of_week=body.days_of_week,
        end_date=body.end_date,
        max_occurrences=body.max_occurrences,
    )
    check_target(body.target, schedule)
    return _previews(schedule.first(count))


@router.get("/patterns", response_model=list[PatternSnapshot])
async def list_patterns(patterns: Reader, status: StatusFilter = "active") -> Any:
    statuses: list[str] = [ACTIVE, PAUSED, CANCELLED, FINISHED] if status == "all" else [status]
    return [pattern_snapshot(row) for row in await patterns.list_patterns(statuses)]


@router.get("/patterns/{pattern_id}", response_model=PatternSnapshot)
async def get_pattern(pattern_id: str, patterns: Reader) -> Any:
    return pattern_snapshot(await patterns.get(pattern_id))


@router.post("/patterns/{pattern_id}/pause", response_model=PatternSnapshot)
async def pause_pattern(pattern_id: str, patterns: Writer) -> Any:
    return pattern_snapshot(await patterns.pause(pattern_id))


@router.post("/patterns/{pattern_id}/resume", response_model=PatternSnapshot)
async def resume_pattern(pattern_id: str, patterns: Writer) -> Any:
    return pattern_snapshot(await patterns.resume(pattern_id))


@router.post("/patterns/{pattern_id}/cancel", response_model=PatternSnapshot)
async def cancel_pattern(pattern_id: str, patterns: Writer, body: s.CancelIn | None = None) -> Any:
    return pattern_snapshot(await patterns.cancel(pattern_id, body.reason if body else None))


@router.get("/patterns/{pattern_id}/preview", response_model=list[s.OccurrencePreview])
async def preview_pattern(pattern_id: str, patterns: Reader, count: Count = 10) -> Any:
    """The next ``count`` occurrences still to come."""
    return _previews(await patterns.preview(pattern_id, count))


@router.get("/patterns/{pattern_id}/occurrences", response_model=list[OccurrenceSnapshot])
async def list_occurrences(pattern_id: str, patterns: Reader) -> Any:
    return [occurrence_snapshot(row) for row in await patterns.occurrences(pattern_id)]
