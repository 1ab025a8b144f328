"""How one transaction becomes a use case's context: the PostgreSQL repository over the session,
and events appended to the outbox in the same transaction (committed together or not at all)."""

from __future__ import annotations

from sosenki_platform.service import Runtime
from sosenki_platform.use_case import Caller, Clock, Context, OutboxEvents
from sqlalchemy.ext.asyncio import AsyncSession

from splits.adapters.repository import SplitsRepository
from splits.use_cases import SplitsContext


def context(
    runtime: Runtime,
    session: AsyncSession,
    caller: Caller,
    clock: Clock,
    *,
    correlation_id: str | None = None,
    causation_id: str | None = None,
) -> SplitsContext:
    events = OutboxEvents(runtime, session, caller.actor, correlation_id, causation_id)
    return Context(
        repo=SplitsRepository(session),
        caller=caller,
        clock=clock,
        events=events,
        correlation_id=correlation_id,
        causation_id=causation_id,
    )
