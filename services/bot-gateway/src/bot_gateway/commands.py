"""Commands on ``gateway.commands.v1``: reminders from the recurring service.

A reminder is queued like any outgoing message (the sender honours Telegram's limits) and a
``gateway.reminder_queued`` event tells the sender of the command it was accepted; a reminder for a
user the bot has never met is refused (``gateway.command_rejected``).
"""

from __future__ import annotations

from sosenki_contracts import topics
from sosenki_contracts.commands.gateway import SendReminder
from sosenki_contracts.envelope import CommandEnvelope
from sosenki_platform.errors import BadRequest
from sosenki_platform.service import Runtime
from sqlalchemy.ext.asyncio import AsyncSession

from bot_gateway.adapters.repository import Repository


def register_commands(runtime: Runtime) -> None:
    consumer = runtime.consume_commands(
        topics.GATEWAY_COMMANDS,
        on_rejected=runtime.rejection_publisher(topics.GATEWAY_EVENTS, "gateway.command_rejected"),
    )

    @consumer.on("gateway.send_reminder")
    async def send_reminder(session: AsyncSession, command: CommandEnvelope) -> None:
        body = SendReminder.model_validate(command.payload)
        repo = Repository(session)
        chat_id = body.chat_id
        if chat_id is None:
            assert body.user_id is not None  # the contract requires exactly one recipient
            known = await repo.telegram_ids_of(body.user_id)
            if not known:
                raise BadRequest(f"User {body.user_id} has not started a chat with the bot")
            chat_id = int(known[0].telegram_user_id)  # a private chat's id is the user's id
        await repo.enqueue(chat_id, "sendMessage", {"text": body.text})
        event = runtime.event(
            "gateway.reminder_queued",
            chat_id,
            {"command_id": command.command_id, "chat_id": chat_id},
            actor=command.actor,
            correlation_id=command.correlation_id,
            causation_id=command.command_id,
        )
        await runtime.outbox.append(session, topics.GATEWAY_EVENTS, event)
