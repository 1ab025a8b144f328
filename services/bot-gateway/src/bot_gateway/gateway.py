"""The gateway's use cases: take an update from Telegram (once), let the bot's handlers answer it
inside one transaction, and queue what they say and the commands they send.

Everything an update causes is a row in the gateway's database (the update id, queued messages,
outbox commands, pending confirmations), written in one transaction: either all of it happens or
none of it, and Telegram's retry finds the update id and changes nothing.
"""

from __future__ import annotations

import math
import uuid
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any, ClassVar

from aiogram import Bot, Dispatcher
from aiogram.client.default import DefaultBotProperties
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.telegram import TelegramAPIServer
from aiogram.methods.base import Response, TelegramMethod
from aiogram.types import (
    CallbackQuery,
    ForceReply,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    Update,
    User,
)
from sosenki_contracts import topics
from sosenki_contracts.envelope import Actor, CommandEnvelope
from sosenki_platform.logging import get_logger
from sosenki_platform.service import Runtime
from sosenki_platform.use_case import Clock, clock_from
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncSession

from bot_gateway.adapters.repository import Repository
from bot_gateway.adapters.services import Services
from bot_gateway.command_limit import CommandLimit
from bot_gateway.domain.identity import Memberships
from bot_gateway.domain.texts import language_of, say
from bot_gateway.identity import Identity
from bot_gateway.settings import Settings

log = get_logger(__name__)

#: A bot token of the right shape for a gateway that has none (it then never calls Telegram).
_NO_TOKEN = "0:no-token"


class _Session(AiohttpSession):
    """aiogram reads every answer as ``Response[<the method's result>]``, a pydantic generic
    class it parametrizes on each call. Pydantic keeps that class only weakly, so after a
    garbage collection the next call builds it again: about a third of a second of CPU for
    ``Message``, with the event loop blocked meanwhile (6% of the gateway's CPU under load, in
    the P7 profile). The classes the gateway has used are held here for the process's life."""

    _held: ClassVar[dict[Any, Any]] = {}

    def check_response(
        self, bot: Bot, method: TelegramMethod[Any], status_code: int, content: str
    ) -> Response[Any]:
        returning = method.__returning__
        if returning not in self._held:
            self._held[returning] = Response[returning]  # type: ignore[valid-type]
        return super().check_response(bot, method, status_code, content)


def make_bot(settings: Settings) -> Bot:
    session = _Session(api=TelegramAPIServer.from_base(settings.telegram_api_base))
    return Bot(
        settings.telegram_bot_token or _NO_TOKEN,
        session=session,
        default=DefaultBotProperties(parse_mode=None, link_preview_is_disabled=True),
    )


class Gateway:
    """What the handlers, the consumers and the routes share."""

    def __init__(
        self,
        runtime: Runtime,
        settings: Settings,
        services: Services,
        clock: Clock | None = None,
    ) -> None:
        self.runtime = runtime
        self.settings = settings
        self.services = services
        #: What time it is, for every rule that reads the date (a keyboard's age, today's date).
        self.clock = clock or clock_from(settings.clock_file)
        self.identity = Identity(runtime, settings, services, self.clock)
        self.bot = make_bot(settings)
        self.dispatcher = Dispatcher()
        self.bot_username = ""
        self._sender_wakeup: Any = None
        self.command_limit = (
            CommandLimit(settings.command_rate_per_second, settings.command_burst)
            if settings.command_rate_per_second > 0
            else None
        )

    @property
    def has_token(self) -> bool:
        return bool(self.settings.telegram_bot_token)

    def on_sent_queued(self, wakeup: Any) -> None:
        self._sender_wakeup = wakeup

    @asynccontextmanager
    async def unit_of_work(self) -> AsyncIterator[AsyncSession]:
        """A transaction; the outbox relay and the message sender are nudged after it commits."""
        async with self.runtime.unit_of_work() as session:
            yield session
        if self._sender_wakeup is not None:
            self._sender_wakeup()

    def topic(self, name: str) -> str:
        return self.settings.topic(name)

    async def receive(self, data: dict[str, Any]) -> str:
        """Handle one update once: ``processed``, ``duplicate`` or ``failed`` (the user was told).

        Database errors propagate (the caller answers 503 and Telegram retries)."""
        update = Update.model_validate(data, context={"bot": self.bot})
        async with self.unit_of_work() as session:
            repo = Repository(session)
            if not await repo.claim_update(update.update_id):
                log.info("update_duplicate", update_id=update.update_id)
                return "duplicate"
            turn = await self._turn(repo, update)
            if await self._over_command_limit(repo, update, turn):
                return "limited"
            try:
                async with session.begin_nested():
                    await self.dispatcher.feed_update(self.bot, update, turn=turn)
                return "processed"
            except DBAPIError:
                raise
            except Exception as exc:  # a bug in a handler: tell the user, do not let it retry
                log.exception("update_failed", update_id=update.update_id, error=repr(exc))
                if turn.chat_id:
                    await repo.enqueue(
                        turn.chat_id, "sendMessage", {"text": say("failed", turn.lang)}
                    )
                return "failed"

    async def _over_command_limit(self, repo: Repository, update: Update, turn: Turn) -> bool:
        """A user sending commands faster than the limit: drop the command, say so politely."""
        message = update.message
        if self.command_limit is None or message is None or turn.telegram_user is None:
            return False
        if not (message.text or "").startswith("/"):
            return False
        wait = self.command_limit.check(turn.telegram_user.id)
        if wait is None:
            return False
        log.warning("command_rate_limited", telegram_user_id=turn.telegram_user.id)
        if wait > 0 and turn.chat_id:
            seconds = say("n_seconds", turn.lang, count=math.ceil(wait))
            text = say("too_many_commands", turn.lang, seconds=seconds)
            await repo.enqueue(turn.chat_id, "sendMessage", {"text": text})
        return True

    async def _turn(self, repo: Repository, update: Update) -> Turn:
        user: User | None = None
        chat_id, chat_type = 0, "private"
        if update.message is not None:
            user, chat_id, chat_type = (
                update.message.from_user,
                update.message.chat.id,
                update.message.chat.type,
            )
        elif update.callback_query is not None:
            user = update.callback_query.from_user
            message = update.callback_query.message
            if message is not None:
                chat_id, chat_type = message.chat.id, message.chat.type
        elif update.edited_message is not None:
            user, chat_id, chat_type = (
                update.edited_message.from_user,
                update.edited_message.chat.id,
                update.edited_message.chat.type,
            )
        user_id = None
        if user is not None and not user.is_bot:
            user_id = await self.identity.meet(
                repo, user.id, user.username, user.first_name, user.language_code
            )
        if chat_id and chat_type == "private":
            await repo.note_private_chat(chat_id)
        chat = await repo.chat(chat_id) if chat_id else None
        lang = (chat.language if chat is not None else None) or language_of(
            user.language_code if user else None
        )
        return Turn(
            gateway=self,
            repo=repo,
            update_id=update.update_id,
            chat_id=chat_id,
            chat_type=str(chat_type),
            telegram_user=user,
            user_id=user_id,
            lang=lang,
            community_id=chat.community_id if chat is not None else None,
            splits_group_id=chat.splits_group_id if chat is not None else None,
        )


@dataclass
class Turn:
    """One update being answered: who, where, in which language, and the way to answer."""

    gateway: Gateway
    repo: Repository
    update_id: int
    chat_id: int
    chat_type: str
    telegram_user: User | None
    user_id: int | None
    lang: str
    community_id: int | None = None
    splits_group_id: int | None = None
    said: list[str] = field(default_factory=list)
    _memberships: Memberships | None = None

    async def memberships(self) -> Memberships:
        """Where the user belongs, as the ledger and splits say (asked once per update)."""
        if self._memberships is None:
            assert self.user_id is not None
            self._memberships = await self.gateway.services.memberships(self.user_id)
        return self._memberships

    def become(self, user_id: int) -> None:
        """The account is another user from now on (it claimed an invitation, or unlinked)."""
        self.user_id, self._memberships = user_id, None

    async def token(
        self, *, communities: list[int] | None = None, groups: list[int] | None = None
    ) -> str:
        """A token for the user, scoped to these of their confirmed communities and groups."""
        assert self.user_id is not None
        return self.gateway.services.user_token(
            self.user_id, await self.memberships(), communities=communities, groups=groups
        )

    @property
    def is_private(self) -> bool:
        return self.chat_type == "private"

    @property
    def name(self) -> str:
        user = self.telegram_user
        return user.first_name if user is not None else ""

    def t(self, key: str, **values: Any) -> str:
        return say(key, self.lang, **values)

    async def reply(
        self, text: str, keyboard: InlineKeyboardMarkup | ForceReply | None = None
    ) -> None:
        params: dict[str, Any] = {"text": text}
        if keyboard is not None:
            params["reply_markup"] = keyboard.model_dump(mode="json", exclude_none=True)
        self.said.append(text)
        await self.repo.enqueue(self.chat_id, "sendMessage", params)

    async def say(self, key: str, **values: Any) -> None:
        await self.reply(self.t(key, **values))

    async def edit(
        self, message_id: int, text: str, keyboard: InlineKeyboardMarkup | None = None
    ) -> None:
        params: dict[str, Any] = {"message_id": message_id, "text": text}
        if keyboard is not None:
            params["reply_markup"] = keyboard.model_dump(mode="json", exclude_none=True)
        await self.repo.enqueue(self.chat_id, "editMessageText", params)

    async def answer(self, callback: CallbackQuery, text: str | None = None) -> None:
        """Answer a callback query at once (Telegram shows a spinner until it is answered)."""
        try:
            await callback.answer(text=text)
        except Exception as exc:  # answering is a courtesy; the decision is recorded either way
            self.said.append(f"answer failed: {exc!r}")

    async def ask_to_confirm(
        self,
        command_type: str,
        payload: dict[str, Any],
        summary: str,
        key: str,
        keyboard: Callable[[str], InlineKeyboardMarkup] | None = None,
        question: str = "confirm_question",
    ) -> str:
        """Show the summary with Confirm/Cancel; the command goes out when confirmed."""
        assert self.telegram_user is not None and self.user_id is not None
        action_id = uuid.uuid4().hex[:16]
        await self.repo.add_pending(
            id=action_id,
            chat_id=self.chat_id,
            telegram_user_id=self.telegram_user.id,
            user_id=self.user_id,
            command_type=command_type,
            payload={**payload, "_key": key},
            summary=summary,
            command_id=f"tg:{self.update_id}",
            correlation_id=f"tg:{self.update_id}:{uuid.uuid4().hex[:12]}",
            language=self.lang,
        )
        markup = keyboard(action_id) if keyboard else confirm_keyboard(action_id, self.lang)
        await self.reply(self.t(question, summary=summary), markup)
        return action_id

    async def is_chat_admin(self) -> bool:
        """Whether the sender administers this chat, as Telegram says now (a private chat is
        its user's own). Telegram unreachable: no (the guarded change is refused, not guessed)."""
        if self.is_private:
            return True
        if self.telegram_user is None:
            return False
        try:
            member = await self.gateway.bot.get_chat_member(self.chat_id, self.telegram_user.id)
        except Exception as exc:  # not an administrator as far as anyone can tell
            log.info("chat_member_unknown", chat_id=self.chat_id, error=repr(exc))
            return False
        return str(member.status) in ("creator", "administrator")

    async def send_now(
        self, command_type: str, payload: dict[str, Any], summary: str, key: str
    ) -> None:
        """Send a command that needs no confirmation (it moves no money: creating a community,
        adding an owner); the user is answered when its result arrives, like a confirmed one."""
        assert self.telegram_user is not None and self.user_id is not None
        action_id = uuid.uuid4().hex[:16]
        values = {
            "id": action_id,
            "chat_id": self.chat_id,
            "telegram_user_id": self.telegram_user.id,
            "user_id": self.user_id,
            "command_type": command_type,
            "payload": {**payload, "_key": key},
            "summary": summary,
            "command_id": f"tg:{self.update_id}",
            "correlation_id": f"tg:{self.update_id}:{uuid.uuid4().hex[:12]}",
            "language": self.lang,
            "status": "confirmed",
        }
        await self.repo.add_pending(**values)
        action = await self.repo.pending(action_id)
        await self.send_confirmed(action)

    async def send_confirmed(self, action: Any) -> None:
        """Send a confirmed action's command and wait for its result in this chat."""
        # Keys starting with "_" are the gateway's notes (the Kafka key, names shown to users).
        key = str(action.payload.get("_key", action.command_id))
        payload = {k: v for k, v in action.payload.items() if not k.startswith("_")}
        user = self.telegram_user
        command = CommandEnvelope(
            command_id=action.command_id,
            command_type=action.command_type,
            issuer="bot-gateway",
            correlation_id=action.correlation_id,
            actor=Actor(
                kind="user",
                id=str(action.user_id),
                # The asker's name (someone else sharing a split may have confirmed it).
                display_name=user.first_name
                if user is not None and user.id == action.telegram_user_id
                else None,
            ),
            payload=payload,
        )
        topic = (
            topics.SPLITS_COMMANDS
            if action.command_type.startswith("splits.")
            else topics.LEDGER_COMMANDS
        )
        await self.gateway.runtime.outbox.append_command(self.repo.session, topic, command, key)
        await self.repo.await_result(
            action.correlation_id, action.command_id, action.chat_id, action.language
        )


def confirm_keyboard(action_id: str, lang: str) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        inline_keyboard=[
            [
                InlineKeyboardButton(
                    text=say("confirm_yes", lang), callback_data=f"ok:{action_id}"
                ),
                InlineKeyboardButton(text=say("confirm_no", lang), callback_data=f"no:{action_id}"),
            ]
        ]
    )
