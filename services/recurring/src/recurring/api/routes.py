"""The recurring service's REST API under ``/api/recurring``: thin translators into the use cases
(``use_cases/patterns.py``), the same ones the commands call."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Query, Request
from sosenki_contracts.commands.recurring import CancelPattern, PausePattern, ResumePattern
from sosenki_contracts.error_codes import ErrorCode as E
from sosenki_contracts.events.recurring import OccurrenceSnapshot, PatternSnapshot
from sosenki_platform.auth.dependency import CurrentPrincipal, authenticate
from sosenki_platform.openapi import raises
from sosenki_platform.requests import ReadSession, WriteSession, correlation_id, runtime_of
from sosenki_platform.use_case import Caller, Clock

from recurring.api import schemas as s
from recurring.context import context
from recurring.domain.schedule import Occurrence, build_schedule
from recurring.domain.start_window import check_start
from recurring.domain.targets import check_target
from recurring.use_cases import patterns as uc
from recurring.use_cases.snapshots import (
    ACTIVE,
    CANCELLED,
    FINISHED,
    PAUSED,
    occurrence_snapshot,
    pattern_snapshot,
)
from recurring.use_cases.store import Ctx

router = APIRouter(prefix="/api/recurring", tags=["recurring"])

MAX_PREVIEW = 500


def _clock(request: Request) -> Clock:
    clock: Clock = request.app.state.clock
    return clock


def _writer(request: Request, session: WriteSession, principal: CurrentPrincipal) -> Ctx:
    caller = Caller.from_principal(principal)
    return context(runtime_of(request), session, caller, _clock(request), correlation_id(request))


def _reader(request: Request, session: ReadSession, principal: CurrentPrincipal) -> Ctx:
    caller = Caller.from_principal(principal)
    return context(runtime_of(request), session, caller, _clock(request))


Writer = Annotated[Ctx, Depends(_writer)]
Reader = Annotated[Ctx, Depends(_reader)]
Count = Annotated[int, Query(ge=1, le=MAX_PREVIEW)]
StatusFilter = Literal["active", "paused", "cancelled", "finished", "all"]


def _previews(occurrences: list[Occurrence]) -> list[s.OccurrencePreview]:
    return [
        s.OccurrencePreview(number=o.number, occurrence_date=o.date, local=o.local, due_at=o.due_at)
        for o in occurrences
    ]


@router.post(
    "/patterns",
    status_code=201,
    response_model=PatternSnapshot,
    openapi_extra=raises(
        E.SCHEDULE_INVALID, E.TEMPLATE_INVALID, E.COMMUNITY_NOT_FOUND, E.GROUP_NOT_FOUND
    ),
)
async def create_pattern(body: s.PatternIn, ctx: Writer) -> Any:
    """Create a recurrence pattern (DAILY, WEEKLY, MONTHLY or YEARLY, in a timezone) that sends a
    ledger or splits command on each occurrence; the command template is checked now."""
    return pattern_snapshot(await uc.create(body, ctx))


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
async def list_patterns(ctx: Reader, status: StatusFilter = "active") -> Any:
    """The caller's patterns (active ones unless `status=all`)."""
    statuses: list[str] = [ACTIVE, PAUSED, CANCELLED, FINISHED] if status == "all" else [status]
    return [pattern_snapshot(row) for row in await uc.list_patterns(statuses, ctx)]


@router.get(
    "/patterns/{pattern_id}",
    response_model=PatternSnapshot,
    openapi_extra=raises(E.PATTERN_NOT_FOUND),
)
async def get_pattern(pattern_id: str, ctx: Reader) -> Any:
    """One pattern with its schedule, status and next occurrence."""
    return pattern_snapshot(await uc.get(pattern_id, ctx))


@router.post(
    "/patterns/{pattern_id}/pause",
    response_model=PatternSnapshot,
    openapi_extra=raises(E.PATTERN_NOT_FOUND, E.PATTERN_STATE),
)
async def pause_pattern(pattern_id: str, ctx: Writer) -> Any:
    # The id in the path is checked by the use case (no such pattern: 404), not as a body.
    """Pause an active pattern: no occurrences until it is resumed."""
    return pattern_snapshot(
        await uc.pause(PausePattern.model_construct(pattern_id=pattern_id), ctx)
    )


@router.post(
    "/patterns/{pattern_id}/resume",
    response_model=PatternSnapshot,
    openapi_extra=raises(E.PATTERN_NOT_FOUND, E.PATTERN_STATE),
)
async def resume_pattern(pattern_id: str, ctx: Writer) -> Any:
    """Resume a paused pattern; missed occurrences are not sent."""
    command = ResumePattern.model_construct(pattern_id=pattern_id)
    return pattern_snapshot(await uc.resume(command, ctx))


@router.post(
    "/patterns/{pattern_id}/cancel",
    response_model=PatternSnapshot,
    openapi_extra=raises(E.PATTERN_NOT_FOUND, E.PATTERN_STATE),
)
async def cancel_pattern(pattern_id: str, ctx: Writer, body: s.CancelIn | None = None) -> Any:
    """End a pattern for good."""
    reason = body.reason if body else None
    command = CancelPattern.model_construct(pattern_id=pattern_id, reason=reason)
    return pattern_snapshot(await uc.cancel(command, ctx))


@router.get("/patterns/{pattern_id}/preview", response_model=list[s.OccurrencePreview])
async def preview_pattern(pattern_id: str, ctx: Reader, count: Count = 10) -> Any:
    """The next ``count`` occurrences still to come."""
    return _previews(await uc.preview(pattern_id, count, ctx))


@router.get(
    "/patterns/{pattern_id}/occurrences",
    response_model=list[OccurrenceSnapshot],
    openapi_extra=raises(E.PATTERN_NOT_FOUND),
)
async def list_occurrences(pattern_id: str, ctx: Reader) -> Any:
    """A pattern's occurrences: when each was due and whether its command was done or refused
    (with the refusal's detail)."""
    return [occurrence_snapshot(row) for row in await uc.occurrences(pattern_id, ctx)]
