"""Sends the queued messages to Telegram (the rules are in the README's "Delivery" section).

Per message: claim it (``sending_at``, committed), call Telegram, record what happened (retried
until the database takes it): a refusal or a retry at once, what Telegram accepted for the whole
pass in one statement at its end. A message Telegram accepted is never sent again: a pass that
fails half-way loses nothing already recorded, and a message found claimed but not recorded (the
sender died between the claim and the record) is given up as ``in_doubt`` rather than risk a
second copy.

Per chat, messages go in order, about one a second, twenty a minute in a group; a passing failure
(429, 5xx, network) holds the chat's order and is retried after ``retry_after`` or a growing pause;
a permanent refusal (blocked, chat not found, bad request, too large, conflict) is recorded as
failed and the chat's next message goes on. Across chats, the chat that has waited longest goes
first, and no more than ``send_global_per_second`` messages leave in any second.

One sender works at a time per database (an advisory lock held for the pass), so two gateway
replicas do not break the limits.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from aiogram import Bot
from aiogram.methods import EditMessageText, SendDocument, SendMessage, SendPhoto
from aiogram.types import BufferedInputFile, Message
from opentelemetry.trace import SpanKind
from sosenki_platform.db import Database
from sosenki_platform.logging import get_logger
from sosenki_platform.telemetry import context_from_headers, tracer
from sqlalchemy import Row, text
from sqlalchemy.ext.asyncio import AsyncSession

from bot_gateway.adapters.repository import Repository
from bot_gateway.domain.limits import (
    Send,
    SendWindow,
    earliest_send,
    waiting_since,
)
from bot_gateway.settings import Settings
from bot_gateway.telegram import delivery_metrics
from bot_gateway.telegram.delivery_metrics import FAILED, RETRIED, SENT
from bot_gateway.telegram.outcomes import Outcome, classify

log = get_logger(__name__)

_SENDER_LOCK_ID = 0x7E1E_5E4D
#: One statement, committed on its own (``Database.autocommit``): the claim is durable before
#: Telegram is called, in one round trip.
_CLAIM = text(
    "UPDATE outgoing_messages"
    " SET sending_at = clock_timestamp(), attempts = attempts + 1"
    " WHERE id = :id AND chat_id = :chat_id AND sending_at IS NULL"
    " AND sent_at IS NULL AND failed_at IS NULL"
    " RETURNING id, chat_id, method, params, photo, attempts, traceparent"
)
#: While stopping, how long an outcome is kept trying to reach a database that is down.
_RECORD_PATIENCE_ON_STOP = 10.0


@dataclass(frozen=True)
class _Head:
    """The oldest unsent message of a chat and what its pace depends on."""

    id: int
    chat_id: int
    not_before: datetime
    created_at: datetime
    last_sent: datetime | None
    recent: list[datetime]


class Sender:
    def __init__(self, db: Database, bot: Bot, settings: Settings) -> None:
        self._db = db
        self._bot = bot
        self._service = settings.service_name
        self._per_chat = timedelta(seconds=settings.send_interval_per_chat_seconds)
        self._per_group = settings.send_per_group_per_minute
        self._group_window = timedelta(seconds=settings.send_group_window_seconds)
        self._poll = settings.sender_poll_interval_seconds
        self._give_up_after = timedelta(hours=settings.send_give_up_after_hours)
        self._metrics_every = settings.sender_metrics_interval_seconds
        self._metrics_at = 0.0
        # A pass takes about a second's worth of messages, so a newly queued one waits little.
        self._batch = max(1, settings.send_global_per_second)
        self._window = SendWindow(settings.send_global_per_second)
        self._window_turn = asyncio.Lock()
        self._window_moved = asyncio.Event()
        self._slots = asyncio.Semaphore(max(1, settings.send_concurrency))
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
                if next_due is not None:
                    wait = min(self._poll * 5, max(0.01, next_due))
                if sent:  # look again at once: the next due time is known only after a pass
                    wait = 0.0
            except Exception as exc:
                log.warning("sender_failed", error=repr(exc))
                wait = 1.0
            await self._refresh_metrics()
            if wait > 0:
                try:
                    await asyncio.wait_for(self._wakeup.wait(), timeout=wait)
                except TimeoutError:
                    pass
            self._wakeup.clear()

    async def send_due(self) -> tuple[int, float | None]:
        """One pass: send the first queued message of each chat that may go now, longest waiting
        chat first, at most a batch; (how many Telegram accepted, seconds until the next is due:
        0 when more are due already, None when nothing waits)."""
        async with self._db.transaction() as session:
            locked = await session.scalar(
                text("SELECT pg_try_advisory_xact_lock(:id)"), {"id": _SENDER_LOCK_ID}
            )
            if not locked:
                return 0, None
            await self._give_up_in_doubt()
            db_now, heads = await self._heads(session)
            due, next_due = self._schedule(db_now, heads)
            batch = due[: self._batch]
            # The lock's transaction stays open while the batch goes; each claim is committed
            # on its own, so losing this transaction loses nothing. What Telegram accepted is
            # recorded for the whole batch in one statement before the lock is let go (the
            # next pass, here or in another replica, gives up only what no pass recorded).
            accepted: list[tuple[Row[Any], Outcome]] = []
            results = await asyncio.gather(
                *(self._deliver(head, accepted) for head in batch), return_exceptions=True
            )
            await self._record_sent(accepted)
        sent = 0
        for head, result in zip(batch, results, strict=True):
            if isinstance(result, BaseException):
                log.warning("telegram_delivery_failed", message=head.id, error=repr(result))
            elif result:
                sent += 1
        if len(due) > len(batch):
            next_due = 0.0
        return sent, next_due

    async def _give_up_in_doubt(self) -> None:
        """Messages claimed by a sender that died before recording what Telegram said: perhaps
        delivered, so never sent again; recorded as failed (``in_doubt``) and the chat goes on."""
        async with self._db.transaction() as session:
            rows = await session.execute(
                text(
                    "UPDATE outgoing_messages SET failed_at = clock_timestamp(),"
                    " failure = 'in_doubt', sending_at = NULL,"
                    " last_error = 'the sender stopped between sending and recording the outcome'"
                    " WHERE sending_at IS NOT NULL AND sent_at IS NULL AND failed_at IS NULL"
                    " RETURNING id, chat_id"
                )
            )
            for row in rows.all():
                log.warning("telegram_message_in_doubt", message=row.id, chat_id=row.chat_id)
                FAILED.labels(self._service, "in_doubt").inc()

    async def _heads(self, session: AsyncSession) -> tuple[datetime, list[_Head]]:
        """The database's clock and the oldest unsent message of every chat (later ones wait
        behind it), with the chat's last send and, for groups, its sends in the group window."""
        db_now = await session.scalar(text("SELECT clock_timestamp()"))
        assert isinstance(db_now, datetime)
        rows = await session.execute(
            text(
                "WITH heads AS ("
                "  SELECT DISTINCT ON (chat_id) id, chat_id, not_before, created_at"
                "  FROM outgoing_messages WHERE sent_at IS NULL AND failed_at IS NULL"
                "  ORDER BY chat_id, id)"
                " SELECT h.id, h.chat_id, h.not_before, h.created_at,"
                "  (SELECT max(s.sent_at) FROM outgoing_messages s"
                "   WHERE s.chat_id = h.chat_id) AS last_sent,"
                "  CASE WHEN h.chat_id < 0 THEN ARRAY("
                "   SELECT s.sent_at FROM outgoing_messages s"
                "   WHERE s.chat_id = h.chat_id AND s.sent_at > :since) END AS recent"
                " FROM heads h"
            ),
            {"since": db_now - self._group_window},
        )
        heads = [
            _Head(r.id, r.chat_id, r.not_before, r.created_at, r.last_sent, list(r.recent or []))
            for r in rows.all()
        ]
        return db_now, heads

    def _schedule(self, db_now: datetime, heads: list[_Head]) -> tuple[list[_Head], float | None]:
        """The heads that may go now, longest waiting chat first; seconds until the next other."""
        due: list[_Head] = []
        next_due: float | None = None
        for head in heads:
            at = earliest_send(
                head.chat_id,
                head.not_before,
                head.last_sent,
                head.recent,
                per_chat_interval=self._per_chat,
                per_group_per_minute=self._per_group,
                group_window=self._group_window,
            )
            if at <= db_now:
                due.append(head)
            else:
                seconds = (at - db_now).total_seconds()
                next_due = seconds if next_due is None else min(next_due, seconds)
        due.sort(key=lambda h: (waiting_since(h.created_at, h.last_sent), h.id))
        return due, next_due

    async def _deliver(self, head: _Head, accepted: list[tuple[Row[Any], Outcome]]) -> bool:
        """Claim and send one message; True when Telegram accepted it (then it joins
        ``accepted``, recorded with the batch; any other outcome is recorded at once)."""
        async with self._slots:
            if self._stopping.is_set():
                return False
            # The turn first: a claimed message never waits for the global limit, so the time
            # in which a crash leaves it in doubt is the call itself.
            send = await self._take_turn()
            try:
                claimed = await self._claim(head)
                if claimed is None:
                    return False
                # The call is a span of the trace that queued the message (none if it had none).
                with tracer().start_as_current_span(
                    f"telegram {claimed.method}",
                    context=context_from_headers({"traceparent": claimed.traceparent or ""}),
                    kind=SpanKind.CLIENT,
                    attributes={"telegram.chat_id": claimed.chat_id},
                ):
                    outcome = await self._call(claimed)
            finally:
                self._answered(send)
            if outcome.kind == "sent":
                accepted.append((claimed, outcome))
                return True
            await self._record(claimed, outcome)
            return False

    async def _call(self, claimed: Row[Any]) -> Outcome:
        try:
            method = _method(claimed)
        except Exception as exc:  # the queued parameters are not a valid request
            return Outcome("failed", "invalid", repr(exc)[:500])
        try:
            result = await self._bot(method)
        except Exception as exc:
            return classify(exc, claimed.attempts)
        message_id = result.message_id if isinstance(result, Message) else None
        return Outcome("sent", message_id=message_id)

    async def _claim(self, head: _Head) -> Row[Any] | None:
        """Mark the message in flight (committed before Telegram is called); None when it is no
        longer this chat's pending head (re-targeted, sent or failed meanwhile)."""
        async with self._db.autocommit() as connection:
            result = await connection.execute(
                _CLAIM,
                {"id": head.id, "chat_id": head.chat_id},
            )
            return result.first()

    async def _take_turn(self) -> Send:
        """Wait until the global limit lets one more call start; the caller sets its ``end``."""
        loop = asyncio.get_running_loop()
        async with self._window_turn:
            while (wait := self._window.wait(loop.time())) != 0.0:
                self._window_moved.clear()
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._window_moved.wait(), timeout=wait or 1.0)
            return self._window.start(loop.time())

    def _answered(self, send: Send) -> None:
        send.end = asyncio.get_running_loop().time()
        self._window_moved.set()

    async def _record_sent(self, accepted: list[tuple[Row[Any], Outcome]]) -> None:
        """Record the messages Telegram accepted, in one statement, retrying until the database
        takes it (losing it would leave them in doubt: never sent twice, but not shown sent)."""
        if not accepted:
            return
        ids = [claimed.id for claimed, _ in accepted]
        message_ids = [outcome.message_id for _, outcome in accepted]

        async def write(session: AsyncSession) -> None:
            # Also over an ``in_doubt`` another sender wrote meanwhile: Telegram's word wins.
            await session.execute(
                text(
                    "UPDATE outgoing_messages m SET sent_at = clock_timestamp(),"
                    " sending_at = NULL, telegram_message_id = v.message_id,"
                    " failed_at = NULL, failure = NULL"
                    " FROM unnest(CAST(:ids AS bigint[]), CAST(:message_ids AS bigint[]))"
                    "  AS v(id, message_id)"
                    " WHERE m.id = v.id"
                ),
                {"ids": ids, "message_ids": message_ids},
            )

        if await self._write_outcome(write, ids[0], "sent"):
            SENT.labels(self._service).inc(len(ids))

    async def _write_outcome(
        self, write: Callable[[AsyncSession], Awaitable[Any]], message: int, kind: str
    ) -> Any:
        """``write`` in a transaction of its own, retried until the database takes it: the
        outcome lives only here meanwhile. None (logged) when it could not be written before
        the sender had to stop; otherwise what ``write`` returned, or True."""
        started, pause = time.monotonic(), 0.2
        while True:
            try:
                async with self._db.transaction() as session:
                    result = await write(session)
                return True if result is None else result
            except Exception as exc:
                if (
                    self._stopping.is_set()
                    and time.monotonic() - started > _RECORD_PATIENCE_ON_STOP
                ):
                    log.error("telegram_outcome_lost", message=message, outcome=kind)
                    return None
                log.warning("telegram_outcome_not_recorded", message=message, error=repr(exc))
                await asyncio.sleep(pause)
                pause = min(pause * 2, 5.0)

    async def _record(self, claimed: Row[Any], outcome: Outcome) -> None:
        """Write an outcome other than "sent" (a retry, a failure, a migration)."""
        failed: str | None = None

        async def write(session: AsyncSession) -> bool:
            nonlocal failed
            failed = await self._apply(session, claimed, outcome)
            return True

        if await self._write_outcome(write, claimed.id, outcome.kind) is None:
            return
        if failed is not None:
            log.warning(
                "telegram_message_failed",
                message=claimed.id,
                chat_id=claimed.chat_id,
                reason=failed,
                error=outcome.detail,
            )
            FAILED.labels(self._service, failed).inc()
        elif outcome.kind == "retry":
            log.info(
                "telegram_retry",
                message=claimed.id,
                chat_id=claimed.chat_id,
                reason=outcome.reason,
                delay=outcome.delay,
                error=outcome.detail,
            )
            RETRIED.labels(self._service, outcome.reason).inc()

    async def _apply(
        self, session: AsyncSession, claimed: Row[Any], outcome: Outcome
    ) -> str | None:
        """Record an outcome other than "sent" (``_record_sent``) in ``session``; the failure
        reason when the message failed."""
        values: dict[str, Any] = {"id": claimed.id}
        if outcome.kind == "migrated":
            new = outcome.new_chat_id
            if new is None or new == claimed.chat_id:
                outcome = Outcome("failed", "migrated", outcome.detail)
            else:
                await self._retarget(session, claimed.chat_id, new)
                return None
        if outcome.kind == "retry":
            failed = await session.scalar(
                text(
                    "UPDATE outgoing_messages m SET sending_at = NULL, last_error = :error,"
                    " not_before = clock_timestamp() + make_interval(secs => :delay),"
                    " failed_at = CASE WHEN x.expired THEN clock_timestamp() END,"
                    " failure = CASE WHEN x.expired THEN 'expired' END"
                    " FROM (SELECT created_at < clock_timestamp() - make_interval(secs => :give_up)"
                    "   AS expired FROM outgoing_messages WHERE id = :id) x"
                    " WHERE m.id = :id RETURNING m.failure"
                ),
                {
                    **values,
                    "error": outcome.detail,
                    "delay": outcome.delay,
                    "give_up": self._give_up_after.total_seconds(),
                },
            )
            return str(failed) if failed is not None else None
        await session.execute(
            text(
                "UPDATE outgoing_messages SET failed_at = clock_timestamp(), sending_at = NULL,"
                " failure = :reason, last_error = :error WHERE id = :id AND sent_at IS NULL"
            ),
            {**values, "reason": outcome.reason, "error": outcome.detail},
        )
        return outcome.reason

    async def _retarget(self, session: AsyncSession, old: int, new: int) -> None:
        """The group became a supergroup: this and its later messages go to the new id (in their
        order), and the chat's links move along (as when Telegram tells the bot in an update)."""
        result = await session.execute(
            text(
                "UPDATE outgoing_messages SET chat_id = :new, sending_at = NULL,"
                " params = params || jsonb_build_object('chat_id', CAST(:new AS bigint)),"
                " last_error = :note"
                " WHERE chat_id = :old AND sent_at IS NULL AND failed_at IS NULL"
            ),
            {"old": old, "new": new, "note": f"chat {old} migrated to {new}"},
        )
        await Repository(session).migrate_chat(old, new)
        log.info("telegram_chat_migrated", old=old, new=new, moved=getattr(result, "rowcount", 0))

    async def _refresh_metrics(self) -> None:
        if time.monotonic() - self._metrics_at < self._metrics_every:
            return
        self._metrics_at = time.monotonic()
        await delivery_metrics.refresh(self._db, self._service)


def _method(row: Row[Any]) -> Any:
    params = dict(row.params)
    if row.method == "sendPhoto":
        photo = BufferedInputFile(bytes(row.photo or b""), filename="chart.png")
        return SendPhoto(photo=photo, **params)
    if row.method == "sendDocument":
        # The file's bytes are in the same column as a photo's; its name travels in params.
        filename = str(params.pop("document_filename", "") or "document")
        document = BufferedInputFile(bytes(row.photo or b""), filename=filename)
        return SendDocument(document=document, **params)
    if row.method == "editMessageText":
        return EditMessageText(**params)
    return SendMessage(**params)
