"""Consumers of events and commands: decode, dedupe through the inbox, apply, or dead-letter.

A message is applied in one transaction together with its inbox row. What cannot be decoded, has
an unknown type or version, or has a payload that does not match its schema goes straight to the
dead-letter topic. A handler that fails *deterministically* is retried a bounded number of times
(``max_attempts``, with backoff) and then dead-lettered, and the consumer moves on.

A *transient* failure (see :mod:`sosenki_platform.failures`: the database restarting, a deadlock, a
called service unavailable, the broker away) says nothing about the message: it is retried without
limit, with exponential backoff capped at ``max_backoff``, and the partition's position is held
(nothing after it is read, nothing is committed past it) until it succeeds. Reaching the
dead-letter topic is retried the same way. While that happens the partition counts as *stalled*
(metric ``sosenki_consumer_stalled_partitions``, readiness detail ``consumers``).

Events are also applied in batches (:meth:`EventConsumer.handle_batch`, what the live subscriber
and reporting's rebuild hand over): every record of a batch read from Kafka is applied in ONE
transaction, with one inbox statement claiming all of them, and the offsets are committed once the
transaction has. A crash between the two re-delivers the batch and the inbox passes over what was
applied. Records that cannot be read are dead-lettered on their own; if a handler fails, the batch
is rolled back and its records are applied one at a time as above (a poison record is retried,
dead-lettered, and the rest applied). Records of one partition are applied in their order.

Commands are the same, except that a refusal (a :class:`ServiceError`) is not a failure: it is
recorded by ``on_rejected`` (a rejection event carrying the ``detail``) and the command is done.

Who sent it is checked before anything is applied (beside the broker's ACLs, see
``sosenki_contracts.access``): a command without an ``actor``, from an ``issuer`` that may not send
its type, or with an actor kind its issuer may not use, and an event on a SOSenki events topic
whose ``producer`` is not that topic's owner, go to the dead-letter topic with reason
``unauthorized``. They are never applied, and no rejection event repeats them.
"""

from __future__ import annotations

import asyncio
import random
import time
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import Any, Generic, NamedTuple, TypeVar

from opentelemetry.trace import SpanKind
from pydantic import BaseModel, ValidationError
from sosenki_contracts.access import BY_SERVICE, may_send, publisher_of, senders_of
from sosenki_contracts.envelope import CommandEnvelope, EventEnvelope
from sosenki_contracts.registry import command_payload_model, event_payload_model
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncSession

from sosenki_platform.db import Database
from sosenki_platform.db_errors import database_refusal
from sosenki_platform.dead_letters import DeadLetters
from sosenki_platform.errors import ServiceError
from sosenki_platform.failures import is_transient
from sosenki_platform.inbox import SOURCE, Claim, Inbox
from sosenki_platform.logging import get_logger
from sosenki_platform.metrics import (
    CONSUMER_EVENTS,
    CONSUMER_LAST_APPLIED,
    CONSUMER_STALLED,
    CONSUMER_TRANSIENT_RETRIES,
)
from sosenki_platform.telemetry import context_from_headers, tracer

log = get_logger(__name__)

M = TypeVar("M", EventEnvelope, CommandEnvelope)
P = TypeVar("P", bound=BaseModel)

#: The payload of the message being applied, as validated on reading it, in ``session.info``
#: (message, payload model): handlers read it with :func:`payload_of` rather than validate again.
PAYLOAD = "sosenki_consumer_payload"


def payload_of(
    session: AsyncSession, message: EventEnvelope | CommandEnvelope, model: type[P]
) -> P:
    """``message``'s payload as ``model``: the one the consumer validated when it read the message
    if it is that one, else validated now (a handler called directly, as tests do)."""
    found = session.info.get(PAYLOAD)
    if found is not None and found[0] is message and type(found[1]) is model:
        payload: P = found[1]
        return payload
    return model.model_validate(message.payload)


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


class ConsumerStopping(Exception):
    """The service is shutting down while a message waits for a transient failure to pass: the
    message is not committed and is read again after the restart."""


@dataclass
class Stall:
    """A partition held at one offset by a transient failure."""

    topic: str
    partition: int
    offset: int
    since: float
    attempts: int
    error: str


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
        max_backoff: float = 30.0,
        topic_prefix: str = "",
    ) -> None:
        self._db = db
        self._topic_prefix = topic_prefix
        self._inbox = inbox
        self._dead_letters = dead_letters
        self._service = service_name
        self._max_attempts = max_attempts
        self._retry_backoff = retry_backoff
        self._max_backoff = max_backoff
        self._stopping = asyncio.Event()
        #: Partitions currently held by a transient failure, by (topic, partition).
        self.stalls: dict[tuple[str, int], Stall] = {}

    def stop(self) -> None:
        """Give up waiting on transient failures (shutdown): the message is read again later."""
        self._stopping.set()

    # Subclasses say how to read a message and what applying it means.
    def _decode(self, raw: bytes) -> M:
        raise NotImplementedError

    def _identify(self, message: M) -> tuple[str, str, int]:
        raise NotImplementedError

    def _payload_model(self, type_: str, version: int) -> type[BaseModel] | None:
        raise NotImplementedError

    def _handler_for(self, type_: str, version: int) -> Callable[..., Awaitable[None]] | None:
        raise NotImplementedError

    async def _apply(self, delivery: Delivery, message: M, payload: BaseModel) -> str:
        raise NotImplementedError

    def _refusal(self, delivery: Delivery, message: M) -> str | None:
        """Why ``message`` may not be applied whoever it claims to come from, or None."""
        return None

    def _read(self, delivery: Delivery) -> tuple[M, BaseModel]:
        """The message and its validated payload (validated once: handlers get it through
        :func:`payload_of`)."""
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
            payload = model.model_validate(message.payload)
        except ValidationError as exc:
            raise _Poison("invalid_payload", f"payload of {type_} v{version}: {exc}") from exc
        refusal = self._refusal(delivery, message)
        if refusal is not None:
            raise _Poison("unauthorized", refusal)
        return message, payload

    async def handle(self, delivery: Delivery) -> str:
        """Apply one delivery; returns the outcome (applied, duplicate, ignored, rejected,
        dead_lettered). Returns only once the outcome is settled: transient failures are waited
        out here, so the caller never commits past a message that is still to be applied."""
        if self._meant_for_another_group(delivery):
            CONSUMER_EVENTS.labels(self._service, delivery.topic, "ignored").inc()
            return "ignored"
        try:
            try:
                message, payload = self._read(delivery)
            except _Poison as poison:
                return await self._dead_letter(delivery, poison.reason, str(poison), attempts=1)

            failures = 0  # deterministic failures only: transient ones do not count
            transient = 0
            while True:
                try:
                    outcome = await self._apply(delivery, message, payload)
                    break
                except Exception as exc:
                    if is_transient(exc):
                        transient += 1
                        await self._wait_transient(delivery, transient, exc)
                        continue
                    failures += 1
                    if failures >= self._max_attempts:
                        return await self._dead_letter(delivery, "failed", repr(exc), failures)
                    log.warning(
                        "message_apply_failed",
                        topic=delivery.topic,
                        partition=delivery.partition,
                        offset=delivery.offset,
                        attempt=failures,
                        error=repr(exc),
                    )
                    await self._sleep(self._backoff(failures))
        finally:
            self._clear_stall(delivery)
        CONSUMER_EVENTS.labels(self._service, delivery.topic, outcome).inc()
        if outcome == "applied":
            CONSUMER_LAST_APPLIED.labels(self._service, delivery.topic).set(time.time())
        return outcome

    def _meant_for_another_group(self, delivery: Delivery) -> bool:
        """A re-driven dead letter is for the group that dead-lettered it (dead_letter_desk.py)."""
        mine = getattr(self._dead_letters, "group", None)
        for name, value in delivery.headers:
            if name == "x-redriven-for-group" and value is not None and mine is not None:
                return bool(value.decode("utf-8", "replace") != mine)
        return False

    def _backoff(self, attempt: int) -> float:
        delay: float = min(self._retry_backoff * 2.0 ** min(attempt - 1, 30), self._max_backoff)
        return delay * random.uniform(0.8, 1.0)  # jitter: stalled consumers do not retry in step

    async def _sleep(self, seconds: float) -> None:
        if self._stopping.is_set():
            raise ConsumerStopping
        try:
            await asyncio.wait_for(self._stopping.wait(), timeout=seconds)
        except TimeoutError:
            return
        raise ConsumerStopping

    async def _wait_transient(self, delivery: Delivery, attempt: int, exc: BaseException) -> None:
        key = (delivery.topic, delivery.partition)
        stall = self.stalls.get(key)
        if stall is None:
            stall = Stall(delivery.topic, delivery.partition, delivery.offset, time.time(), 0, "")
            self.stalls[key] = stall
            CONSUMER_STALLED.labels(self._service, delivery.topic).inc()
        stall.attempts = attempt
        stall.error = repr(exc)[:300]
        CONSUMER_TRANSIENT_RETRIES.labels(self._service, delivery.topic).inc()
        delay = self._backoff(attempt)
        # Every attempt while it is fresh, then once in a while: an outage must not flood the log.
        if attempt <= 3 or attempt % 20 == 0:
            log.warning(
                "message_waiting_on_transient_failure",
                topic=delivery.topic,
                partition=delivery.partition,
                offset=delivery.offset,
                attempt=attempt,
                retry_in=round(delay, 2),
                error=repr(exc)[:500],
            )
        await self._sleep(delay)

    def _clear_stall(self, delivery: Delivery) -> None:
        stall = self.stalls.pop((delivery.topic, delivery.partition), None)
        if stall is not None:
            CONSUMER_STALLED.labels(self._service, delivery.topic).dec()
            log.info(
                "message_transient_failure_passed",
                topic=delivery.topic,
                partition=delivery.partition,
                offset=delivery.offset,
                attempts=stall.attempts,
                stalled_seconds=round(time.time() - stall.since, 1),
            )

    async def _dead_letter(self, delivery: Delivery, reason: str, error: str, attempts: int) -> str:
        unreachable = 0
        while True:
            try:
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
                break
            except Exception as exc:
                # The dead-letter topic is out of reach: hold the position until it is back.
                await self._dead_letters.close()
                unreachable += 1
                await self._wait_transient(delivery, unreachable, exc)
        CONSUMER_EVENTS.labels(self._service, delivery.topic, "dead_lettered").inc()
        return "dead_lettered"


class EventConsumer(_Consumer[EventEnvelope]):
    """Applies domain events with handlers registered per event type and version.

    Events known to the contracts but without a handler here are recorded as ``ignored``: a
    consumer need not care about every event on a topic.
    """

    def __init__(self, *args: Any, trace_each_event: bool = True, **kwargs: Any) -> None:
        """``trace_each_event=False`` applies a batch's events without a span each (a rebuild
        replaying history: nobody follows those traces, and the spans cost per event)."""
        super().__init__(*args, **kwargs)
        self._handlers: dict[tuple[str, int], EventHandler] = {}
        self._before_commit: list[Callable[[AsyncSession], Awaitable[None]]] = []
        self._trace_each_event = trace_each_event

    def on(self, event_type: str, version: int = 1) -> Callable[[EventHandler], EventHandler]:
        def register(handler: EventHandler) -> EventHandler:
            self._handlers[(event_type, version)] = handler
            return handler

        return register

    def before_commit(
        self, hook: Callable[[AsyncSession], Awaitable[None]]
    ) -> Callable[[AsyncSession], Awaitable[None]]:
        """Run ``hook`` in the transaction after its handlers (one event or a batch), before it
        commits: handlers may keep writes in ``session.info`` and write them all at once here."""
        self._before_commit.append(hook)
        return hook

    async def _finish(self, session: AsyncSession) -> None:
        for hook in self._before_commit:
            await hook(session)

    def _decode(self, raw: bytes) -> EventEnvelope:
        return EventEnvelope.from_json_bytes(raw)

    def _identify(self, message: EventEnvelope) -> tuple[str, str, int]:
        return str(message.event_id), message.event_type, message.event_version

    def _payload_model(self, type_: str, version: int) -> type[BaseModel] | None:
        return event_payload_model(type_, version)

    def _handler_for(self, type_: str, version: int) -> EventHandler | None:
        return self._handlers.get((type_, version))

    def _refusal(self, delivery: Delivery, message: EventEnvelope) -> str | None:
        owner = publisher_of(delivery.topic.removeprefix(self._topic_prefix))
        if owner is not None and message.producer != owner:
            return (
                f"event {message.event_type} on {delivery.topic} claims producer "
                f"{message.producer!r}; only {owner!r} publishes there"
            )
        return None

    async def _apply(self, delivery: Delivery, message: EventEnvelope, payload: BaseModel) -> str:
        handler = self._handler_for(message.event_type, message.event_version)
        if handler is None:
            return "ignored"
        message_id = str(message.event_id)
        async with self._db.transaction() as session:
            claimed = await self._inbox.claim(
                session,
                message_id,
                message.event_type,
                delivery.topic,
                delivery.partition,
                delivery.offset,
            )
            if not claimed:
                return "duplicate"
            session.info[SOURCE] = (message_id, delivery.topic, delivery.partition)
            session.info[PAYLOAD] = (message, payload)
            await handler(session, message)
            await self._finish(session)
        return "applied"

    async def handle_batch(self, deliveries: Sequence[Delivery]) -> list[str]:
        """Apply a batch of deliveries (as read from Kafka, each partition's in order); returns
        each one's outcome. Returns once every outcome is settled, like :meth:`handle`."""
        return await self.apply_batch(await self.read_batch(deliveries))

    async def read_batch(self, deliveries: Sequence[Delivery], *, pause_every: int = 0) -> Batch:
        """The first half of :meth:`handle_batch`: decode and check every record (what cannot be
        applied is dead-lettered now), apply nothing. A replay reads the next batch while the
        database writes the one before (:meth:`apply_batch`, in order); ``pause_every`` records
        it lets the event loop run what waits (0: never)."""
        outcomes: list[str] = [""] * len(deliveries)
        todo: list[_Todo] = []
        for i, delivery in enumerate(deliveries):
            if pause_every and i % pause_every == pause_every - 1:
                await asyncio.sleep(0)
            if self._meant_for_another_group(delivery):
                outcomes[i] = "ignored"
                continue
            try:
                message, payload = self._read(delivery)
            except _Poison as poison:
                try:
                    await self._dead_letter(delivery, poison.reason, str(poison), attempts=1)
                finally:
                    self._clear_stall(delivery)
                outcomes[i] = "dead_lettered"  # counted by _dead_letter
                continue
            handler = self._handler_for(message.event_type, message.event_version)
            if handler is None:
                outcomes[i] = "ignored"
                continue
            todo.append(_Todo(i, delivery, message, payload, handler, str(message.event_id)))
        return Batch(deliveries, outcomes, todo)

    async def apply_batch(self, batch: Batch) -> list[str]:
        """The second half of :meth:`handle_batch`: apply what :meth:`read_batch` read, in one
        transaction; returns each record's outcome once settled."""
        deliveries, outcomes, todo = batch.deliveries, batch.outcomes, batch.todo
        together = await self._apply_together(todo) if todo else []
        if together is None:
            # A handler failed: find the culprit one record at a time (retried, dead-lettered).
            for item in todo:
                outcomes[item.position] = await self.handle(item.delivery)  # counts its own outcome
            return outcomes
        for item, outcome in zip(todo, together, strict=True):
            outcomes[item.position] = outcome
        # Counted once per (topic, outcome), not once per record.
        counts: dict[tuple[str, str], int] = {}
        for delivery, outcome in zip(deliveries, outcomes, strict=True):
            if outcome != "dead_lettered":
                key = (delivery.topic, outcome)
                counts[key] = counts.get(key, 0) + 1
        now = time.time()
        for (topic, outcome), count in counts.items():
            CONSUMER_EVENTS.labels(self._service, topic, outcome).inc(count)
            if outcome == "applied":
                CONSUMER_LAST_APPLIED.labels(self._service, topic).set(now)
        return outcomes

    async def _apply_together(self, todo: list[_Todo]) -> list[str] | None:
        """Apply ``todo`` in one transaction; None when a handler failed deterministically (the
        transaction is rolled back). Transient failures are waited out and the batch retried."""
        first = todo[0].delivery
        claims = [
            Claim(t.message_id, t.message.event_type, d.topic, d.partition, d.offset)
            for t in todo
            for d in (t.delivery,)
        ]
        transient = 0
        try:
            while True:
                try:
                    async with self._db.transaction() as session:
                        claimed = await self._inbox.claim_many(session, claims)
                        outcomes: list[str] = []
                        info = session.info
                        for t in todo:
                            message_id, delivery = t.message_id, t.delivery
                            if message_id not in claimed:
                                outcomes.append("duplicate")
                                continue
                            claimed.discard(message_id)  # a second copy in the batch: duplicate
                            info[SOURCE] = (message_id, delivery.topic, delivery.partition)
                            info[PAYLOAD] = (t.message, t.payload)
                            if self._trace_each_event:
                                with _processing_span(delivery):
                                    await t.handler(session, t.message)
                            else:
                                await t.handler(session, t.message)
                            outcomes.append("applied")
                        await self._finish(session)
                    return outcomes
                except Exception as exc:
                    if is_transient(exc):
                        transient += 1
                        await self._wait_transient(first, transient, exc)
                        continue
                    log.warning(
                        "message_batch_failed",
                        topic=first.topic,
                        partition=first.partition,
                        offset=first.offset,
                        records=len(todo),
                        error=repr(exc)[:500],
                    )
                    return None
        finally:
            self._clear_stall(first)


@dataclass
class Batch:
    """Records read by :meth:`EventConsumer.read_batch`, to be applied."""

    deliveries: Sequence[Delivery]
    #: Settled already (ignored, dead-lettered) or "" for those in ``todo``.
    outcomes: list[str]
    todo: list[_Todo]


class _Todo(NamedTuple):
    """A record of a batch, read and to be applied."""

    position: int
    delivery: Delivery
    message: EventEnvelope
    payload: BaseModel
    handler: EventHandler
    message_id: str


def _processing_span(delivery: Delivery) -> Any:
    """A span per event of a batch, a child of the span that produced it (its ``traceparent``
    header): what the event causes (an outbox row, a reply) stays in the producer's trace, as
    with one record at a time."""
    carrier = {
        name: value.decode("latin-1")
        for name, value in delivery.headers
        if isinstance(value, bytes | bytearray)
    }
    return tracer().start_as_current_span(
        f"{delivery.topic} process",
        context=context_from_headers(carrier),
        kind=SpanKind.CONSUMER,
        attributes={
            "messaging.system": "kafka",
            "messaging.destination.name": delivery.topic,
            "messaging.kafka.partition": delivery.partition,
            "messaging.kafka.offset": delivery.offset,
        },
    )


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

    def _refusal(self, delivery: Delivery, message: CommandEnvelope) -> str | None:
        type_, issuer = message.command_type, message.issuer
        if "actor" not in message.model_fields_set:
            return f"command {type_} has no actor: a command must say who asks"
        if not may_send(issuer, type_):
            allowed = ", ".join(senders_of(type_)) or "nobody"
            return f"issuer {issuer!r} may not send {type_} (allowed: {allowed})"
        kinds = BY_SERVICE[issuer].actor_kinds
        if message.actor.kind not in kinds:
            return (
                f"issuer {issuer!r} may not send commands as a {message.actor.kind!r} actor "
                f"(allowed: {', '.join(sorted(kinds))})"
            )
        return None

    async def _claim(self, session: AsyncSession, delivery: Delivery, cmd: CommandEnvelope) -> bool:
        return await self._inbox.claim(
            session,
            f"command:{cmd.command_id}",
            cmd.command_type,
            delivery.topic,
            delivery.partition,
            delivery.offset,
        )

    async def _apply(self, delivery: Delivery, message: CommandEnvelope, payload: BaseModel) -> str:
        handler = self._handler_for(message.command_type, message.command_version)
        assert handler is not None  # _read refused commands without a handler
        try:
            async with self._db.transaction() as session:
                if not await self._claim(session, delivery, message):
                    return "duplicate"
                session.info[PAYLOAD] = (message, payload)
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
