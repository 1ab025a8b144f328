"""One use case's world over the real storage: the repository in the caller's transaction, the
outbox for its events, and the service's clock."""

from __future__ import annotations

from sosenki_platform.service import Runtime
from sosenki_platform.use_case import Caller, Clock, Context, OutboxEvents
from sqlalchemy.ext.asyncio import AsyncSession

from ledger.adapters.repository import LedgerRepository
from ledger.ports import Ctx


def ledger_context(
    runtime: Runtime,
    session: AsyncSession,
    caller: Caller,
    clock: Clock,
    correlation_id: str | None = None,
    causation_id: str | None = None,
) -> Ctx:
    events = OutboxEvents(runtime, session, caller.actor, correlation_id, causation_id)
    return Context(
        repo=LedgerRepository(session),
        caller=caller,
        clock=clock,
        events=events,
        correlation_id=correlation_id,
        causation_id=causation_id,
    )
