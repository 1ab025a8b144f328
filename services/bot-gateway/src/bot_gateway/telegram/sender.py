"""Sends the queued messages to Telegram: in order per chat, about one a second per chat and
twenty a minute per group, waiting out a 429's ``retry_after``, retrying 5xx and network errors
with backoff, giving up only on a permanent refusal (4xx). The queue is a table, so a restart
loses nothing; a message is marked sent once Telegram accepted it.

One sender works at a time per database (an advisory lock), so two gateway replicas do not break
the per-chat limit.
"""

from __future__ import annotations

import asyncio
from datetime import datetime, timedelta
from typing import Any

from aiogram import Bot
from aiogram.exceptions import (
    TelegramBadRequest,
    TelegramForbiddenError,
    TelegramNotFound,
    TelegramRetryAfter,
    TelegramUnauthorizedError,
)
from aiogram.methods import EditMessageText, SendMessage, SendPhoto
from aiogram.types import BufferedInputFile
from sosenki_platform.db import Database
from sosenki_platform.logging import get_logger
from sqlalchemy import Row, func, select, text, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot_gateway.adapters import tables as t
from bot_gateway.adapters.repository import now
from bot_gateway.domain.limits import earliest_send

log = get_logger(__name__)

_SENDER_LOCK_ID = 0x7E1E_5E4D
_PERMANENT = (
    TelegramBadRequest,
    TelegramForbiddenError,
    TelegramNotFound,
    TelegramUnauthorizedError,
)
MAX_BACKOFF = 60.0


class Sender:
    def __init__(
        self,
        db: Database,
        bot: Bot,
        *,
        per_chat_interval: float = 1.0,
        per_group_per_minute: int = 20,
        group_window: float = 60.0,
        poll_interval: float = 0.2,
    ) -> None:
        self._db = db
        self._bot = bot
        self._per_chat = timedelta(seconds=per_chat_interval)
        self._per_group = per_group_per_minute
        self._group_window = timedelta(seconds=group_window)
        self._poll = poll_interval
        self._wakeup = asyncio.Event()
        self._stopping = asyncio.Event()
        self._task: asyncio.Task[None] | None = None

    def start(self) -> None:
        self._task = asyncio.create_task(self._run(), name="telegram-sender")

    def notify(self) -> None:
        self._wakeup.set()

    async def stop(self) -> None:
        self._stopping.set()
        self._wakeup.set()
        if self._task is not None:
            await self._task

    async def _run(self) -> None:
        while not self._stopping.is_set():
            wait = self._poll
            try:
                sent, next_due = await self.send_due()
                if sent:
                    continue
                if next_due is not None:
                    wait = min(self._poll * 5, max(0.05, (next_due - now()).total_seconds()))
            except Exception as exc:
                log.warning("sender_failed", error=repr(exc))
                wait = 1.0
            try:
                await asyncio.wait_for(self._wakeup.wait(), timeout=wait)
            except TimeoutError:
                pass
            self._wakeup.clear()

    async def send_due(self) -> tuple[int, datetime | None]:
        """Send the first queued message of each chat that may go now; (how many went, when the
        next one is due)."""
        sent = 0
        next_due: datetime | None = None
        async with self._db.transaction() as session:
            locked = await session.scalar(
                text("SELECT pg_try_advisory_xact_lock(:id)"), {"id": _SENDER_LOCK_ID}
            )
            if not locked:
                return 0, None
            for row in await self._heads(session):
                due = await self._due(session, row)
                if due > now():
                    next_due = due if next_due is None else min(next_due, due)
                    continue
                if await self._send(session, row):
                    sent += 1
        return sent, next_due

    async def _heads(self, session: AsyncSession) -> list[Row[Any]]:
        """The oldest unsent message of every chat (later ones wait behind it)."""
        m = t.outgoing_messages
        rows = await session.execute(
            select(m)
            .where(m.c.sent_at.is_(None), m.c.failed_at.is_(None))
            .distinct(m.c.chat_id)
            .order_by(m.c.chat_id, m.c.id)
            .limit(100)
        )
        return sorted(rows.all(), key=lambda r: r.id)

    async def _due(self, session: AsyncSession, row: Row[Any]) -> datetime:
        m = t.outgoing_messages
        last = await session.scalar(select(func.max(m.c.sent_at)).where(m.c.chat_id == row.chat_id))
        recent: list[datetime] = []
        if row.chat_id < 0:
            recent = list(
                (
                    await session.scalars(
                        select(m.c.sent_at).where(
                            m.c.chat_id == row.chat_id,
                            m.c.sent_at > now() - self._group_window,
                        )
                    )
                ).all()
            )
        return earliest_send(
            row.chat_id,
            row.not_before,
            last,
            recent,
            per_chat_interval=self._per_chat,
            per_group_per_minute=self._per_group,
            group_window=self._group_window,
        )

    async def _send(self, session: AsyncSession, row: Row[Any]) -> bool:
        m = t.outgoing_messages
        mark = update(m).where(m.c.id == row.id)
        try:
            await self._bot(_method(row))
        except TelegramRetryAfter as exc:
            log.info("telegram_retry_after", chat_id=row.chat_id, retry_after=exc.retry_after)
            await session.execute(
                mark.values(
                    not_before=now() + timedelta(seconds=exc.retry_after),
                    attempts=m.c.attempts + 1,
                    last_error=f"429 retry after {exc.retry_after}s",
                )
            )
            return False
        except _PERMANENT as exc:
            log.warning("telegram_refused", chat_id=row.chat_id, error=str(exc))
            await session.execute(mark.values(failed_at=func.now(), last_error=str(exc)[:500]))
            return False
        except Exception as exc:  # 5xx, network: try again later
            backoff = min(MAX_BACKOFF, 0.5 * 2 ** min(row.attempts, 10))
            log.warning("telegram_send_failed", chat_id=row.chat_id, error=repr(exc))
            await session.execute(
                mark.values(
                    not_before=now() + timedelta(seconds=backoff),
                    attempts=m.c.attempts + 1,
                    last_error=repr(exc)[:500],
                )
            )
            return False
        await session.execute(mark.values(sent_at=now(), attempts=m.c.attempts + 1))
        return True


def _method(row: Row[Any]) -> Any:
    params = dict(row.params)
    if row.method == "sendPhoto":
        photo = BufferedInputFile(bytes(row.photo or b""), filename="chart.png")
        return SendPhoto(photo=photo, **params)
    if row.method == "editMessageText":
        return EditMessageText(**params)
    return SendMessage(**params)
