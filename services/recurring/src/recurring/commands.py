"""Commands on ``recurring.commands.v1``: each is translated into the same :class:`Patterns` call
a REST route makes, so a command is refused exactly like the REST request (the rejection event
carries the same ``detail``)."""

from __future__ import annotations

from sosenki_contracts import topics
from sosenki_contracts.commands import recurring as c
from sosenki_contracts.envelope import CommandEnvelope
from sosenki_platform.service import Runtime
from sqlalchemy.ext.asyncio import AsyncSession

from recurring.access import Caller
from recurring.clock import Clock
from recurring.patterns import Patterns


def register_commands(runtime: Runtime, clock: Clock) -> None:
    consumer = runtime.consume_commands(
        topics.RECURRING_COMMANDS,
        on_rejected=runtime.rejection_publisher(
            topics.RECURRING_EVENTS, "recurring.command_rejected"
        ),
    )

    def patterns(session: AsyncSession, command: CommandEnvelope) -> Patterns:
        return Patterns(
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
        await patterns(session, command).create(body)

    @consumer.on("recurring.pause_pattern")
    async def pause_pattern(session: AsyncSession, command: CommandEnvelope) -> None:
        body = c.PausePattern.model_validate(command.payload)
        await patterns(session, command).pause(body.pattern_id)

    @consumer.on("recurring.resume_pattern")
    async def resume_pattern(session: AsyncSession, command: CommandEnvelope) -> None:
        body = c.ResumePattern.model_validate(command.payload)
        await patterns(session, command).resume(body.pattern_id)

    @consumer.on("recurring.cancel_pattern")
    async def cancel_pattern(session: AsyncSession, command: CommandEnvelope) -> None:
        body = c.CancelPattern.model_validate(command.payload)
        await patterns(session, command).cancel(body.pattern_id, body.reason)
