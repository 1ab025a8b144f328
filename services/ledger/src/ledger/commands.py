"""Commands on ``ledger.commands.v1`` (from the bot gateway and the recurring service): each is
translated into the same :class:`Treasury` call a REST route makes."""

from __future__ import annotations

from sosenki_contracts import topics
from sosenki_contracts.commands.ledger import CreatePeriod, RecordContribution
from sosenki_contracts.envelope import CommandEnvelope
from sosenki_platform.service import Runtime
from sqlalchemy.ext.asyncio import AsyncSession

from ledger.access import Caller
from ledger.treasury import Treasury


def register_commands(runtime: Runtime) -> None:
    consumer = runtime.consume_commands(
        topics.LEDGER_COMMANDS,
        on_rejected=runtime.rejection_publisher(topics.LEDGER_EVENTS, "ledger.command_rejected"),
    )

    def treasury(session: AsyncSession, command: CommandEnvelope) -> Treasury:
        return Treasury(
            runtime,
            session,
            Caller.from_actor(command.actor),
            correlation_id=command.correlation_id,
            causation_id=command.command_id,
        )

    @consumer.on("ledger.create_period")
    async def create_period(session: AsyncSession, command: CommandEnvelope) -> None:
        body = CreatePeriod.model_validate(command.payload)
        await treasury(session, command).create_period(
            body.community_id, body.name, body.start_date, body.end_date, body.description
        )

    @consumer.on("ledger.record_contribution")
    async def record_contribution(session: AsyncSession, command: CommandEnvelope) -> None:
        body = RecordContribution.model_validate(command.payload)
        await treasury(session, command).record_contribution(
            body.period_id, body.owner_id, body.amount, body.comment
        )
