"""What the targets say about our commands, and the splits hand-off.

- An event whose ``causation_id`` is one of our command ids (``recurring:<pattern>:<n>``) means
  the target applied that occurrence: it is ``done``.
- A ``<context>.command_rejected`` naming one of our command ids means it was refused: the
  occurrence is ``refused`` with the target's status and reason.
- ``splits.recurring_expense_requested`` creates a pattern repeating that expense;
  ``splits.recurring_expense_cancelled`` cancels it.

Other events on these topics have no handler here and are ignored.
"""

from __future__ import annotations

from sosenki_contracts import topics
from sosenki_contracts.envelope import EventEnvelope
from sosenki_contracts.events.gateway import CommandRejected as GatewayRejected
from sosenki_contracts.events.ledger import CommandRejected as LedgerRejected
from sosenki_contracts.events.splits import (
    CommandRejected as SplitsRejected,
    RecurringExpenseCancelled,
    RecurringExpenseRequested,
)
from sosenki_platform.errors import ServiceError
from sosenki_platform.logging import get_logger
from sosenki_platform.service import Runtime
from sosenki_platform.use_case import Caller, Clock
from sqlalchemy.ext.asyncio import AsyncSession

from recurring.context import SERVICE, context
from recurring.use_cases.occurrences import record_result
from recurring.use_cases.splits_expenses import cancel_splits_expense, repeat_splits_expense
from recurring.use_cases.store import Ctx

log = get_logger(__name__)

#: Events a target publishes when it applied one of our commands.
APPLIED = (
    "ledger.charge_recorded",
    "ledger.period_created",
    "splits.expense_recorded",
    "gateway.reminder_queued",
)


def register_results(runtime: Runtime, clock: Clock, default_timezone: str) -> None:
    consumer = runtime.consume_events(
        [topics.LEDGER_EVENTS, topics.SPLITS_EVENTS, topics.GATEWAY_EVENTS]
    )

    def ctx(session: AsyncSession, event: EventEnvelope, caller: Caller = SERVICE) -> Ctx:
        return context(
            runtime,
            session,
            caller,
            clock,
            correlation_id=event.correlation_id,
            causation_id=str(event.event_id),
        )

    async def applied(session: AsyncSession, event: EventEnvelope) -> None:
        await record_result(ctx(session, event), event.causation_id)

    for event_type in APPLIED:
        consumer.on(event_type)(applied)

    @consumer.on("ledger.command_rejected")
    async def ledger_rejected(session: AsyncSession, event: EventEnvelope) -> None:
        body = LedgerRejected.model_validate(event.payload)
        await record_result(
            ctx(session, event),
            body.command_id,
            status_code=body.status_code,
            detail=body.detail,
            code=body.code,
        )

    @consumer.on("gateway.command_rejected")
    async def gateway_rejected(session: AsyncSession, event: EventEnvelope) -> None:
        body = GatewayRejected.model_validate(event.payload)
        await record_result(
            ctx(session, event),
            body.command_id,
            status_code=body.status_code,
            detail=body.detail,
            code=body.code,
        )

    @consumer.on("splits.command_rejected")
    async def splits_rejected(session: AsyncSession, event: EventEnvelope) -> None:
        body = SplitsRejected.model_validate(event.payload)
        await record_result(
            ctx(session, event),
            body.command_id,
            status_code=body.status_code,
            detail=body.detail,
            code=body.code,
        )

    @consumer.on("splits.recurring_expense_requested")
    async def expense_requested(session: AsyncSession, event: EventEnvelope) -> None:
        body = RecurringExpenseRequested.model_validate(event.payload)
        caller = Caller.from_actor(event.actor)
        try:
            async with session.begin_nested():
                await repeat_splits_expense(body, default_timezone, ctx(session, event, caller))
        except ServiceError as refusal:
            # The splits service checked the pattern too; if we still disagree, say so and go on.
            log.warning(
                "recurring_expense_not_scheduled",
                template_expense_id=body.template_expense_id,
                detail=refusal.detail,
            )

    @consumer.on("splits.recurring_expense_cancelled")
    async def expense_cancelled(session: AsyncSession, event: EventEnvelope) -> None:
        body = RecurringExpenseCancelled.model_validate(event.payload)
        await cancel_splits_expense(body.template_expense_id, body.reason, ctx(session, event))
