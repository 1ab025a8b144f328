"""The use cases' context over the database: the repository and the outbox in one transaction."""

from __future__ import annotations

from sosenki_platform.service import Runtime
from sosenki_platform.use_case import Caller, Clock, Context, OutboxEvents
from sqlalchemy.ext.asyncio import AsyncSession

from recurring.adapters.emission import BatchEvents, EmissionBatch
from recurring.adapters.repository import PatternRepository
from recurring.use_cases.store import Ctx, PatternStore

#: The scheduler and the result consumer act as the service itself.
SERVICE = Caller.service("recurring")


def context(
    runtime: Runtime,
    session: AsyncSession,
    caller: Caller,
    clock: Clock,
    correlation_id: str | None = None,
    causation_id: str | None = None,
) -> Ctx:
    repo: PatternStore = PatternRepository(session, runtime)
    events = OutboxEvents(runtime, session, caller.actor, correlation_id, causation_id)
    return Context(repo, caller, clock, events, correlation_id, causation_id)


def emission_context(
    runtime: Runtime, session: AsyncSession, clock: Clock
) -> tuple[Ctx, EmissionBatch]:
    """The scheduler's context for one pass: the service acting, its writes kept for one
    ``EmissionBatch.flush``."""
    batch = EmissionBatch(session, runtime)
    events = BatchEvents(batch, runtime, SERVICE.actor)
    return Context(batch, SERVICE, clock, events), batch
