"""Everything reporting does with an event, in one place, so the live consumer and the rebuild
apply events identically: write the audit entry, then update the read models."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING

from sosenki_contracts import topics
from sosenki_contracts.envelope import EventEnvelope
from sosenki_contracts.registry import all_events
from sosenki_platform.consumer import EventConsumer
from sqlalchemy.ext.asyncio import AsyncSession

from reporting.adapters.audit_log import AuditLog
from reporting.adapters.pending import take, write_totals
from reporting.projections import ledger, splits

if TYPE_CHECKING:  # the web app's runtime: the rebuild does without importing it
    from sosenki_platform.service import Runtime

EventHandler = Callable[[AsyncSession, EventEnvelope], Awaitable[None]]

#: Read-model updates by (event type, version). Events without one are still audited.
PROJECTIONS: dict[tuple[str, int], EventHandler] = {**ledger.HANDLERS, **splits.HANDLERS}


async def apply_event(session: AsyncSession, event: EventEnvelope) -> None:
    """Apply one event in the caller's transaction (the inbox row is the caller's business).
    Audit entries and running totals are kept back: the caller awaits
    :func:`flush` before committing (the consumer does, see
    :func:`handle_every_event`)."""
    await AuditLog(session).append(event)
    projection = PROJECTIONS.get((event.event_type, event.event_version))
    if projection is not None:
        await projection(session, event)


async def flush(session: AsyncSession) -> None:
    """Write what the transaction's applies kept back (``adapters/pending.py``): its audit
    entries, then its running totals. The consumer runs this before the transaction commits."""
    writes = take(session)
    if writes is None:
        return
    await AuditLog(session).write(writes.audit_entries)
    await write_totals(session, writes)


def handle_every_event(consumer: EventConsumer) -> None:
    """The platform's consumer calls a handler per (type, version) and only ignores what has
    none, so every event the contracts know gets :func:`apply_event`: that is how every event
    reaches the audit log."""
    for event_type, version in all_events():
        consumer.on(event_type, version)(apply_event)
    consumer.before_commit(flush)


def register_projections(runtime: Runtime) -> None:
    """One consumer for every event topic (the rebuild uses the same handlers)."""
    handle_every_event(runtime.consume_events(topics.EVENT_TOPICS))
