"""The bot-gateway service: Telegram updates to commands, events to messages, and the Mini App."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Awaitable, Callable, Coroutine
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx
from aiogram.types import BotCommand, BotCommandScopeDefault, MenuButtonWebApp, WebAppInfo
from fastapi import FastAPI
from sosenki_platform.logging import get_logger
from sosenki_platform.service import Runtime, create_service_app

from bot_gateway.adapters.repository import Repository
from bot_gateway.adapters.services import Services
from bot_gateway.adapters.tables import platform
from bot_gateway.api.miniapp_routes import router as miniapp_router
from bot_gateway.api.routes import router
from bot_gateway.commands import register_commands
from bot_gateway.domain.texts import say
from bot_gateway.gateway import Gateway
from bot_gateway.notifications import register_notifications
from bot_gateway.settings import Settings
from bot_gateway.telegram.handlers import build_router
from bot_gateway.telegram.sender import Sender

MIGRATIONS = Path(__file__).parent / "migrations"
log = get_logger(__name__)

#: The command menu Telegram shows, per language.
MENU = {
    "en": [
        ("balance", "Your balance"),
        ("pay", "Record a contribution"),
        ("expense", "Record an expense"),
        ("charge", "Charge an owner"),
        ("split", "Split an expense"),
        ("settle", "Record a payback"),
        ("periods", "Periods"),
        ("close", "Close the period"),
        ("carry", "Carry balances forward"),
        ("meter", "Meter reading"),
        ("report", "Balance sheet"),
        ("undo", "Reverse your last entry"),
        ("language", "Language: Russian or English"),
        ("help", "Help"),
    ],
    "ru": [
        ("balance", "Ваш баланс"),
        ("pay", "Записать взнос"),
        ("expense", "Записать расход"),
        ("charge", "Начислить владельцу"),
        ("split", "Разделить расход"),
        ("settle", "Записать возврат долга"),
        ("periods", "Периоды"),
        ("close", "Закрыть период"),
        ("carry", "Перенести остатки"),
        ("meter", "Показание счётчика"),
        ("report", "Оборотная ведомость"),
        ("undo", "Отменить последнюю запись"),
        ("language", "Язык: русский или английский"),
        ("help", "Помощь"),
    ],
}


class Background:
    """The gateway's own loops: the message sender, polling, overdue results, old update ids,
    old outgoing messages."""

    def __init__(self, gateway: Gateway, sender: Sender) -> None:
        self.gateway = gateway
        self.sender = sender
        self.tasks: list[asyncio.Task[None]] = []
        self._stopping = asyncio.Event()

    async def start(self) -> None:
        gateway, settings = self.gateway, self.gateway.settings
        if gateway.has_token:
            self.sender.start()
            mode = settings.mode
            if mode != "off":
                await self._introduce()
            if mode == "webhook":
                await gateway.bot.set_webhook(
                    settings.telegram_webhook_url,
                    secret_token=settings.telegram_webhook_secret or None,
                    allowed_updates=["message", "edited_message", "callback_query"],
                )
            elif mode == "polling":
                await gateway.bot.delete_webhook()
                self._spawn(self._poll, "telegram-polling")
        self._spawn(self._overdue_results, "overdue-results")
        self._spawn(self._forget_old_updates, "forget-old-updates")
        self._spawn(self._prune_outgoing, "prune-outgoing-messages")

    async def stop(self) -> None:
        self._stopping.set()
        for task in self.tasks:
            task.cancel()
        for task in self.tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await task
        await self.sender.stop()
        await self.gateway.bot.session.close()
        await self.gateway.services.close()

    def _spawn(self, loop: Callable[[], Coroutine[Any, Any, None]], name: str) -> None:
        self.tasks.append(asyncio.create_task(loop(), name=name))

    async def _introduce(self) -> None:
        bot = self.gateway.bot
        try:
            me = await bot.me()
            self.gateway.bot_username = me.username or ""
            # Russian for Russian speakers; English for everyone else (the default menu).
            for lang, code in (("ru", "ru"), ("en", "en"), ("en", None)):
                await bot.set_my_commands(
                    [BotCommand(command=c, description=d) for c, d in MENU[lang]],
                    scope=BotCommandScopeDefault(),
                    language_code=code,
                )
            if self.gateway.settings.miniapp_url:  # the button beside the message field
                await bot.set_chat_menu_button(
                    menu_button=MenuButtonWebApp(
                        text="SOSenki", web_app=WebAppInfo(url=self.gateway.settings.miniapp_url)
                    )
                )
        except Exception as exc:  # Telegram unreachable: the bot still works when it comes
            log.warning("telegram_setup_failed", error=repr(exc))

    async def _every(self, seconds: float, action: Callable[[], Awaitable[Any]], what: str) -> None:
        while not self._stopping.is_set():
            try:
                await action()
            except Exception as exc:
                log.warning(f"{what}_failed", error=repr(exc))
            await asyncio.sleep(seconds)

    async def _overdue_results(self) -> None:
        wait = timedelta(seconds=self.gateway.settings.result_wait_seconds)

        async def tell_waiting() -> None:
            async with self.gateway.unit_of_work() as session:
                repo = Repository(session)
                for row in await repo.overdue_results(wait, self.gateway.clock.now()):
                    await repo.enqueue(
                        row.chat_id, "sendMessage", {"text": say("still_processing", row.language)}
                    )

        await self._every(0.5, tell_waiting, "overdue_results")

    async def _forget_old_updates(self) -> None:
        keep = timedelta(hours=self.gateway.settings.processed_updates_keep_hours)

        async def forget() -> None:
            async with self.gateway.unit_of_work() as session:
                await Repository(session).forget_updates_before(self.gateway.clock.now() - keep)

        await self._every(3600, forget, "forget_old_updates")

    async def _prune_outgoing(self) -> None:
        settings = self.gateway.settings
        keep_sent = timedelta(hours=settings.sent_messages_keep_hours)
        keep_failed = timedelta(hours=settings.failed_messages_keep_hours)

        async def prune() -> None:
            limit, pruned = 5000, 5000
            while pruned >= limit:  # in batches, each its own short transaction
                async with self.gateway.unit_of_work() as session:
                    now = self.gateway.clock.now()
                    pruned = await Repository(session).prune_outgoing(
                        now - keep_sent, now - keep_failed, limit
                    )

        await self._every(settings.outgoing_prune_interval_seconds, prune, "prune_outgoing")

    async def _poll(self) -> None:
        """Long polling (no public address): each update goes the same way as a webhook's."""
        bot, offset = self.gateway.bot, 0
        while not self._stopping.is_set():
            try:
                updates = await bot.get_updates(offset=offset, timeout=20)
            except Exception as exc:
                log.warning("polling_failed", error=repr(exc))
                await asyncio.sleep(2)
                continue
            for update in updates:
                data = update.model_dump(mode="json", exclude_none=True, by_alias=True)
                while True:
                    try:
                        await self.gateway.receive(data)
                        break
                    except Exception as exc:  # the database: try the same update again
                        log.warning("polled_update_failed", error=repr(exc))
                        await asyncio.sleep(2)
                offset = update.update_id + 1


def create_app(
    settings: Settings | None = None, http_client: httpx.AsyncClient | None = None
) -> FastAPI:
    """The app; ``http_client`` (tests) is how the gateway reaches the other services."""
    settings = settings or Settings()
    runtime = Runtime(settings, platform, MIGRATIONS)
    gateway = Gateway(runtime, settings, Services(settings, http_client))
    gateway.dispatcher.include_router(build_router())
    sender = Sender(runtime.db, gateway.bot, settings)
    gateway.on_sent_queued(sender.notify)
    register_notifications(runtime, gateway)
    register_commands(runtime, gateway.services)
    background = Background(gateway, sender)
    app = create_service_app(
        runtime,
        title="SOSenki bot-gateway",
        description="Telegram bot gateway: updates to commands, events to messages.",
        routers=[router, miniapp_router],
        on_startup=[background.start],
        on_shutdown=[background.stop],
    )
    app.state.gateway = gateway
    app.state.sender = sender
    return app
