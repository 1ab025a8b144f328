"""Commands on ``recurring.commands.v1``: each calls the same use case a REST route calls, so a
command is refused exactly like the REST request (the rejection event carries the same
``detail``)."""

from __future__ import annotations

from sosenki_contracts import topics
from sosenki_contracts.commands import recurring as c
from sosenki_contracts.envelope import CommandEnvelope
from sosenki_contracts.events.recurring import CommandRejected as RecurringCommandRejected
from sosenki_platform.service import Runtime
from sosenki_platform.use_case import Caller, Clock
from sqlalchemy.ext.asyncio import AsyncSession

from recurring.context import context
from recurring.use_cases import patterns
from recurring.use_cases.store import Ctx


def register_commands(runtime: Runtime, clock: Clock) -> None:
    consumer = runtime.consume_commands(
        topics.RECURRING_COMMANDS,
        on_rejected=runtime.rejection_publisher(topics.RECURRING_EVENTS, RecurringCommandRejected),
    )

    def ctx(session: AsyncSession, command: CommandEnvelope) -> Ctx:
        return context(
            runtime,
            session,
            Caller.from_actor(command.actor),
            clock,
            correlation_id=command.correlation_id,
            causation_id=command.command_id,
        )

    @consumer.on("recurring.create_pattern")
    async def create_pattern(session: AsyncSession, command: CommandEnvelope) -> None:
        body = c.CreatePattern.model_validate(command.payload)
        await patterns.create(body, ctx(session, command))

    @consumer.on("recurring.pause_pattern")
    async def pause_pattern(session: AsyncSession, command: CommandEnvelope) -> None:
        body = c.PausePattern.model_validate(command.payload)
        await patterns.pause(body, ctx(session, command))

    @consumer.on("recurring.resume_pattern")
    async def resume_pattern(session: AsyncSession, command: CommandEnvelope) -> None:
        body = c.ResumePattern.model_validate(command.payload)
        await patterns.resume(body, ctx(session, command))

    @consumer.on("recurring.cancel_pattern")
    async def cancel_pattern(session: AsyncSession, command: CommandEnvelope) -> None:
        body = c.CancelPattern.model_validate(command.payload)
        await patterns.cancel(body, ctx(session, command))
