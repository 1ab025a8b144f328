"""Consumers of events and commands: decode, dedupe through the inbox, apply, or dead-letter.

A message is applied in one transaction together with its inbox row. What cannot be decoded, has
an unknown type or version, or has a payload that does not match its schema goes straight to the
dead-letter topic. A handler that raises is retried a bounded number of times (with backoff) and
then dead-lettered. Either way the consumer moves on; only a failure to reach the dead-letter
topic itself stops the offset from being committed, so nothing disappears.

Commands are the same, except that a refusal (a :class:`ServiceError`) is not a failure: it is
recorded by ``on_rejected`` (a rejection event carrying the ``detail``) and the command is done.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from pydantic import BaseModel, ValidationError
from sosenki_contracts.envelope import CommandEnvelope, EventEnvelope
from sosenki_contracts.registry import command_payload_model, event_payload_model
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncSession

from sosenki_platform.db import Database
from sosenki_platform.db_errors import database_refusal
from sosenki_platform.dead_letters import DeadLetters
from sosenki_platform.errors import ServiceError
from sosenki_platform.inbox import Inbox
from sosenki_platform.logging import get_logger
from sosenki_platform.metrics import CONSUMER_EVENTS, CONSUMER_LAST_APPLIED

log = get_logger(__name__)

M = TypeVar("M", EventEnvelope, CommandEnvelope)

EventHandler = Callable[[AsyncSession, EventEnvelope], Awaitable[None]]
CommandHandler = Callable[[AsyncSession, CommandEnvelope], Awaitable[None]]
RejectionHandler = Callable[[AsyncSession, CommandEnvelope, ServiceError], Awaitable[None]]


@dataclass(frozen=True)
class Delivery:
    """One Kafka record, as the consumer needs it."""

    topic: str
    partition: int
    offset: int
    key: bytes | None
    value: bytes | None
    headers: Sequence[tuple[str, bytes]] = ()


class _Poison(Exception):
    def __init__(self, reason: str, error: str) -> None:
        super().__init__(error)
        self.reason = reason


class _Consumer(Generic[M]):
    """The shared decode → dedupe → apply → retry → dead-letter loop."""

    def __init__(
        self,
        db: Database,
        inbox: Inbox,
        dead_letters: DeadLetters,
        service_name: str,
        *,
        max_attempts: int = 5,
        retry_backoff: float = 0.05,
    ) -> None:
        self._db = db
        self._inbox = inbox
        self._dead_letters = dead_letters
        self._service = service_name
        self._max_attempts = max_attempts
        self._retry_backoff = retry_backoff

    # Subclasses say how to read a message and what applying it means.
    def _decode(self, raw: bytes) -> M:
        raise NotImplementedError

    def _identify(self, message: M) -> tuple[str, str, int]:
        raise NotImplementedError

    def _payload_model(self, type_: str, version: int) -> type[BaseModel] | None:
        raise NotImplementedError

    def _handler_for(self, type_: str, version: int) -> Callable[..., Awaitable[None]] | None:
        raise NotImplementedError

    async def _apply(self, delivery: Delivery, message: M) -> str:
        raise NotImplementedError

    def _read(self, delivery: Delivery) -> M:
        if delivery.value is None:
            raise _Poison("undecodable", "empty message (tombstone)")
        try:
            message = self._decode(delivery.value)
        except (ValidationError, ValueError, UnicodeDecodeError) as exc:
            raise _Poison("undecodable", f"cannot decode envelope: {exc}") from exc
        _, type_, version = self._identify(message)
        model = self._payload_model(type_, version)
        if model is None:
            raise _Poison("unknown_type", f"unknown message type {type_!r} version {version}")
        try:
            model.model_validate(message.payload)
        except ValidationError as exc:
            raise _Poison("invalid_payload", f"payload of {type_} v{version}: {exc}") from exc
        return message

    async def handle(self, delivery: Delivery) -> str:
        """Apply one delivery; returns the outcome (applied, duplicate, ignored, dead_lettered)."""
        try:
            message = self._read(delivery)
        except _Poison as poison:
            return await self._dead_letter(delivery, poison.reason, str(poison), attempts=1)

        attempt = 0
        while True:
            attempt += 1
            try:
                outcome = await self._apply(delivery, message)
                break
            except Exception as exc:
                if attempt >= self._max_attempts:
                    return await self._dead_letter(delivery, "failed", repr(exc), attempt)
                log.warning(
                    "message_apply_failed",
                    topic=delivery.topic,
                    offset=delivery.offset,
                    attempt=attempt,
                    error=repr(exc),
                )
                await asyncio.sleep(self._retry_backoff * 2 ** (attempt - 1))
        CONSUMER_EVENTS.labels(self._service, delivery.topic, outcome).inc()
        if outcome == "applied":
            CONSUMER_LAST_APPLIED.labels(self._service, delivery.topic).set(time.time())
        return outcome

    async def _dead_letter(self, delivery: Delivery, reason: str, error: str, attempts: int) -> str:
        await self._dead_letters.send(
            topic=delivery.topic,
            partition=delivery.partition,
            offset=delivery.offset,
            key=delivery.key,
            value=delivery.value,
            headers=delivery.headers,
            reason=reason,
            error=error,
            attempts=attempts,
        )
        CONSUMER_EVENTS.labels(self._service, delivery.topic, "dead_lettered").inc()
        return "dead_lettered"


class EventConsumer(_Consumer[EventEnvelope]):
    """Applies domain events with handlers registered per event type and version.

    Events known to the contracts but without a handler here are recorded as ``ignored``: a
    consumer need not care about every event on a topic.
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._handlers: dict[tuple[str, int], EventHandler] = {}

    def on(self, event_type: str, version: int = 1) -> Callable[[EventHandler], EventHandler]:
        def register(handler: EventHandler) -> EventHandler:
            self._handlers[(event_type, version)] = handler
            return handler

        return register

    def _decode(self, raw: bytes) -> EventEnvelope:
        return EventEnvelope.from_json_bytes(raw)

    def _identify(self, message: EventEnvelope) -> tuple[str, str, int]:
        return str(message.event_id), message.event_type, message.event_version

    def _payload_model(self, type_: str, version: int) -> type[BaseModel] | None:
        return event_payload_model(type_, version)

    def _handler_for(self, type_: str, version: int) -> EventHandler | None:
        return self._handlers.get((type_, version))

    async def _apply(self, delivery: Delivery, message: EventEnvelope) -> str:
        handler = self._handler_for(message.event_type, message.event_version)
        if handler is None:
            return "ignored"
        async with self._db.transaction() as session:
            claimed = await self._inbox.claim(
                session,
                str(message.event_id),
                message.event_type,
                delivery.topic,
                delivery.partition,
                delivery.offset,
            )
            if not claimed:
                return "duplicate"
            await handler(session, message)
        return "applied"


class CommandConsumer(_Consumer[CommandEnvelope]):
    """Applies commands, deduplicated by ``command_id``; refusals become rejection events."""

    def __init__(self, *args: Any, on_rejected: RejectionHandler, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._handlers: dict[tuple[str, int], CommandHandler] = {}
        self._on_rejected = on_rejected

    def on(self, command_type: str, version: int = 1) -> Callable[[CommandHandler], CommandHandler]:
        def register(handler: CommandHandler) -> CommandHandler:
            self._handlers[(command_type, version)] = handler
            return handler

        return register

    def _decode(self, raw: bytes) -> CommandEnvelope:
        return CommandEnvelope.from_json_bytes(raw)

    def _identify(self, message: CommandEnvelope) -> tuple[str, str, int]:
        return message.command_id, message.command_type, message.command_version

    def _payload_model(self, type_: str, version: int) -> type[BaseModel] | None:
        # A command this service has no handler for is as unknown as one missing from contracts.
        if (type_, version) not in self._handlers:
            return None
        return command_payload_model(type_, version)

    def _handler_for(self, type_: str, version: int) -> CommandHandler | None:
        return self._handlers.get((type_, version))

    async def _claim(self, session: AsyncSession, delivery: Delivery, cmd: CommandEnvelope) -> bool:
        return await self._inbox.claim(
            session,
            f"command:{cmd.command_id}",
            cmd.command_type,
            delivery.topic,
            delivery.partition,
            delivery.offset,
        )

    async def _apply(self, delivery: Delivery, message: CommandEnvelope) -> str:
        handler = self._handler_for(message.command_type, message.command_version)
        assert handler is not None  # _read refused commands without a handler
        try:
            async with self._db.transaction() as session:
                if not await self._claim(session, delivery, message):
                    return "duplicate"
                try:
                    await handler(session, message)
                except DBAPIError as exc:
                    # The database refused the input (an overflow, a duplicate): that is a refusal
                    # like the REST API's 400/409, not a failure to retry and dead-letter.
                    refusal = database_refusal(exc)
                    if refusal is None:
                        raise
                    log.warning("database_refused_command", command_id=message.command_id)
                    raise refusal from exc
            return "applied"
        except ServiceError as refusal:
            async with self._db.transaction() as session:
                if not await self._claim(session, delivery, message):
                    return "duplicate"
                await self._on_rejected(session, message, refusal)
            return "rejected"
