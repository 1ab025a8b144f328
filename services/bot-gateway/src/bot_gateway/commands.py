"""Commands on ``gateway.commands.v1``: reminders from the recurring service.

A reminder is queued like any outgoing message (the sender honours Telegram's limits) and a
``gateway.reminder_queued`` event tells the sender of the command it was accepted; a reminder for a
user the bot has never met is refused (``gateway.command_rejected``).

A reminder carries its pattern's creator as actor, and a user may only have the bot write where
they could themselves (``domain/identity.py``: ``may_remind_user``, ``may_remind_chat``), asked
from the ledger and splits; otherwise 403. Service actors (an operator's pattern) are trusted.
"""

from __future__ import annotations

from sosenki_contracts import topics
from sosenki_contracts.commands.gateway import SendReminder
from sosenki_contracts.envelope import Actor, CommandEnvelope
from sosenki_contracts.error_codes import ErrorCode
from sosenki_contracts.events.gateway import (
    CommandRejected as GatewayCommandRejected,
    ReminderQueued,
)
from sosenki_platform.errors import BadRequest, Forbidden
from sosenki_platform.service import Runtime
from sosenki_platform.use_case import envelope_of
from sqlalchemy.ext.asyncio import AsyncSession

from bot_gateway.adapters.repository import Repository
from bot_gateway.adapters.services import Services
from bot_gateway.domain.identity import may_remind_chat, may_remind_user


async def _check_sender(
    repo: Repository, services: Services, actor: Actor | None, body: SendReminder
) -> None:
    """403 unless the reminder's actor may have the bot write there."""
    if actor is not None and actor.kind == "service":
        return
    user = int(actor.id) if actor is not None and actor.id.isdigit() else None
    if user is None or not 0 < user < 2**63:
        raise Forbidden("A reminder needs a user or service as its sender")
    mine = await services.memberships(user)
    if body.user_id is not None:
        theirs = mine if body.user_id == user else await services.memberships(body.user_id)
        if not may_remind_user(user, body.user_id, mine, theirs):
            raise Forbidden(
                f"User {user} may remind only themselves or the owners and members they manage",
                ErrorCode.FORBIDDEN,
            )
        return
    assert body.chat_id is not None
    chat = await repo.chat(body.chat_id)
    own = body.chat_id in {int(r.chat_id) for r in await repo.private_chats_of(user)}
    community = None if chat is None else chat.community_id
    group = None if chat is None else chat.splits_group_id
    if not may_remind_chat(community, group, mine, own):
        raise Forbidden(f"User {user} may not send reminders to chat {body.chat_id}")


def register_commands(runtime: Runtime, services: Services) -> None:
    consumer = runtime.consume_commands(
        topics.GATEWAY_COMMANDS,
        on_rejected=runtime.rejection_publisher(topics.GATEWAY_EVENTS, GatewayCommandRejected),
    )

    @consumer.on("gateway.send_reminder")
    async def send_reminder(session: AsyncSession, command: CommandEnvelope) -> None:
        body = SendReminder.model_validate(command.payload)
        repo = Repository(session)
        await _check_sender(repo, services, command.actor, body)
        chat_id = body.chat_id
        if chat_id is None:
            assert body.user_id is not None  # the contract requires exactly one recipient
            known = await repo.telegram_ids_of(body.user_id)
            if not known:
                raise BadRequest(
                    f"User {body.user_id} has not started a chat with the bot",
                    ErrorCode.BAD_REQUEST,
                )
            chat_id = int(known[0].telegram_user_id)  # a private chat's id is the user's id
        await repo.enqueue(chat_id, "sendMessage", {"text": body.text})
        event = envelope_of(
            ReminderQueued(command_id=command.command_id, chat_id=chat_id),
            chat_id,
            producer=runtime.settings.service_name,
            actor=command.actor,
            correlation_id=command.correlation_id,
            causation_id=command.command_id,
        )
        await runtime.outbox.append(session, topics.GATEWAY_EVENTS, event)
