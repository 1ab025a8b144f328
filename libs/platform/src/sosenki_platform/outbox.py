"""The transactional outbox and its relay.

``append`` writes an event in the caller's transaction, so the change and its event commit or roll
back together. The relay publishes committed rows in id order with an idempotent producer
(``acks=all``), keyed by aggregate id so one aggregate's events stay in order on one partition.
While Kafka is down the rows stay where they are and the relay retries with backoff; a row is marked
published only after the broker acknowledged it (at least once; consumers dedupe by ``event_id``).

Only one relay per database publishes at a time (a PostgreSQL advisory lock), because two relays
splitting a batch could reorder one aggregate's events.
"""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import Awaitable, Callable, Sequence
from typing import Any

from aiokafka import AIOKafkaProducer, errors as kafka_errors
from opentelemetry import trace
from sosenki_contracts.envelope import CommandEnvelope, EventEnvelope
from sqlalchemy import Select, Text, bindparam, cast, func, select, text
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from sosenki_platform.db import Database
from sosenki_platform.kafka_security import KafkaSecurity
from sosenki_platform.logging import get_logger
from sosenki_platform.metrics import (
    OUTBOX_FAILURES,
    OUTBOX_OLDEST_PENDING,
    OUTBOX_PARKED,
    OUTBOX_PARKED_ROWS,
    OUTBOX_PENDING,
    OUTBOX_PUBLISHED,
)
from sosenki_platform.tables import PlatformTables
from sosenki_platform.telemetry import context_from_headers, current_traceparent, tracer

log = get_logger(__name__)

_RELAY_LOCK_ID = 0x0_7B0_C5
# Namespace of the outbox row ids derived from command ids.
_COMMAND_ROWS = uuid.UUID("5d1f3c2e-9a0b-4c55-8f3e-6b7a1c2d3e4f")


class _Current:
    """The current trace's traceparent (the default of a row's ``traceparent``)."""


_CURRENT = _Current()


class Outbox:
    def __init__(self, tables: PlatformTables, topic_for: Callable[[str], str]) -> None:
        self._table = tables.outbox
        self._topic_for = topic_for
        # SQLAlchemy cannot cache an INSERT … ON CONFLICT (it compiles it on every execution):
        # the single-row form, made on every write, is written out once here.
        self._insert_one = text(
            f"INSERT INTO {tables.outbox.name}"
            " (event_id, topic, key, event_type, envelope, traceparent)"
            " VALUES (:event_id, :topic, :key, :event_type, :envelope, :traceparent)"
            " ON CONFLICT (event_id) DO NOTHING"
        ).bindparams(
            bindparam("event_id", type_=tables.outbox.c.event_id.type),
            bindparam("envelope", type_=tables.outbox.c.envelope.type),
        )

    async def append(self, session: AsyncSession, topic: str, event: EventEnvelope) -> None:
        """Record ``event`` for publication on ``topic`` in the session's transaction."""
        await self.insert_rows(session, [self.event_row(topic, event)])

    async def append_command(
        self, session: AsyncSession, topic: str, command: CommandEnvelope, key: str
    ) -> None:
        """Record a command for another service, sent exactly like an event (at least once; the
        receiver dedupes by ``command_id``). ``key`` orders commands about one thing. The row id
        is derived from the command id, so appending the same command again queues nothing."""
        await self.insert_rows(session, [self.command_row(topic, command, key)])

    def event_row(
        self,
        topic: str,
        event: EventEnvelope,
        traceparent: str | _Current | None = _CURRENT,
        *,
        envelope_text: bool = False,
    ) -> dict[str, Any]:
        """The outbox row of an event, for :meth:`insert_rows` (the trace is the current one,
        or ``traceparent`` when the caller already knows it). ``envelope_text``: the envelope as
        JSON text, for a caller writing rows through the driver itself (no dict to encode)."""
        return self._row(
            topic,
            event.event_id,
            event.aggregate_id,
            event.event_type,
            event,
            traceparent,
            envelope_text,
        )

    def command_row(
        self,
        topic: str,
        command: CommandEnvelope,
        key: str,
        traceparent: str | _Current | None = _CURRENT,
        *,
        envelope_text: bool = False,
    ) -> dict[str, Any]:
        row_id = uuid.uuid5(_COMMAND_ROWS, command.command_id)
        return self._row(
            topic, row_id, key, command.command_type, command, traceparent, envelope_text
        )

    async def insert_rows(self, session: AsyncSession, rows: Sequence[dict[str, Any]]) -> None:
        """Many rows in one statement (a scheduler's batch); a row already queued is skipped."""
        if len(rows) == 1:  # a request's event: the one statement every write makes
            await session.execute(self._insert_one, rows[0])
        elif rows:
            statement = insert(self._table).on_conflict_do_nothing(index_elements=["event_id"])
            await session.execute(statement, list(rows))

    def _row(
        self,
        topic: str,
        row_id: uuid.UUID,
        key: str,
        message_type: str,
        message: EventEnvelope | CommandEnvelope,
        traceparent: str | _Current | None,
        envelope_text: bool = False,
    ) -> dict[str, Any]:
        return {
            "event_id": row_id,
            "topic": self._topic_for(topic),
            "key": key,
            "event_type": message_type,
            "envelope": message.model_dump_json()
            if envelope_text
            else message.model_dump(mode="json"),
            "traceparent": current_traceparent()
            if isinstance(traceparent, _Current)
            else traceparent,
        }


ProducerFactory = Callable[[], Awaitable[Any]]


class OutboxRelay:
    def __init__(
        self,
        db: Database,
        tables: PlatformTables,
        bootstrap_servers: str,
        service_name: str,
        *,
        batch_size: int = 1000,
        poll_interval: float = 0.2,
        max_batch_bytes: int = 256 * 1024,
        max_backoff: float = 5.0,
        security: KafkaSecurity | None = None,
    ) -> None:
        self._db = db
        self._table = tables.outbox
        self._bootstrap = bootstrap_servers
        self._security = security or KafkaSecurity.from_env()
        self._service = service_name
        self._batch_size = batch_size
        self._max_batch_bytes = max_batch_bytes
        self._poll_interval = poll_interval
        self._max_backoff = max_backoff
        self._count_interval = 1.0
        self._counted_at = -self._count_interval
        self._producer: AIOKafkaProducer | None = None
        self._task: asyncio.Task[None] | None = None
        self._stopping = asyncio.Event()
        self._wakeup = asyncio.Event()

    def start(self) -> None:
        self._task = asyncio.create_task(self._run(), name=f"{self._service}-outbox-relay")

    def notify(self) -> None:
        """Publish soon: something was just committed."""
        self._wakeup.set()

    async def stop(self, flush_timeout: float = 5.0) -> None:
        """Publish what is pending (within ``flush_timeout``), then stop."""
        if self._task is None:
            return
        try:
            await asyncio.wait_for(self._drain(), timeout=flush_timeout)
        except Exception as exc:  # Kafka down at shutdown: the rows wait for the next start.
            log.warning("outbox_flush_incomplete", error=str(exc))
        self._stopping.set()
        self._wakeup.set()
        await self._task
        await self._close_producer()

    async def _drain(self) -> None:
        while await self.publish_batch() > 0:
            pass

    async def _run(self) -> None:
        backoff = self._poll_interval
        while not self._stopping.is_set():
            try:
                published = await self.publish_batch()
                backoff = self._poll_interval
                if published:
                    continue
            except Exception as exc:
                OUTBOX_FAILURES.labels(self._service).inc()
                log.warning("outbox_publish_failed", error=repr(exc), retry_in=backoff)
                await self._close_producer()
                backoff = min(backoff * 2, self._max_backoff)
            try:
                await asyncio.wait_for(self._wakeup.wait(), timeout=backoff)
            except TimeoutError:
                pass
            self._wakeup.clear()

    async def _get_producer(self) -> AIOKafkaProducer:
        if self._producer is None:
            producer = AIOKafkaProducer(
                bootstrap_servers=self._bootstrap,
                enable_idempotence=True,
                acks="all",
                request_timeout_ms=10000,
                # Records of a partition go out together up to this size (the producer allows
                # one request in flight with idempotence, so 16 kB batches wait on each other's
                # acks). A topic must take a batch this large (max.message.bytes, 1 MB by
                # default): there, a refused batch is refused for its own too-large record.
                max_batch_size=self._max_batch_bytes,
                client_id=f"{self._service}-outbox-relay",
                **self._security.client_options(),
            )
            try:
                await producer.start()
            except Exception:
                await producer.stop()
                raise
            self._producer = producer
        return self._producer

    async def _close_producer(self) -> None:
        if self._producer is not None:
            producer, self._producer = self._producer, None
            try:
                await producer.stop()
            except Exception as exc:
                log.debug("producer_stop_failed", error=repr(exc))

    def _pending(self) -> Select[Any]:
        """Rows to publish, in id order: not published, not parked, and not behind a parked row
        of their own topic and key (one aggregate's events must not overtake each other)."""
        t = self._table
        blocking = t.alias("blocking")
        behind_a_parked_row = (
            select(blocking.c.id)
            .where(
                blocking.c.topic == t.c.topic,
                blocking.c.key == t.c.key,
                blocking.c.id < t.c.id,
                blocking.c.parked_at.is_not(None),
                blocking.c.published_at.is_(None),
            )
            .exists()
        )
        return select(t.c.id).where(
            t.c.published_at.is_(None), t.c.parked_at.is_(None), ~behind_a_parked_row
        )

    async def publish_batch(self) -> int:
        """Publish up to one batch of pending rows; returns how many were settled (published or
        parked).

        A row the broker refuses for good (:func:`refused_for_good`: too large, invalid) is
        parked with its reason instead of failing the batch; the rest go out. Rows of the same
        topic and key after a parked row wait behind it (they are not sent), so an aggregate's
        events never overtake each other; an operator re-queues or discards the parked row
        (``python -m <service> outbox``). Any other failure (the broker away) rolls the whole
        batch back to be tried again.
        """
        t = self._table
        async with self._db.transaction() as session:
            locked = await session.scalar(
                text("SELECT pg_try_advisory_xact_lock(:id)"), {"id": _RELAY_LOCK_ID}
            )
            if not locked:
                return 0
            ids = self._pending().order_by(t.c.id).limit(self._batch_size).subquery()
            rows = (
                await session.execute(
                    # The envelope as JSON text: sent as it is, not decoded and encoded again.
                    select(
                        t.c.id,
                        t.c.topic,
                        t.c.key,
                        cast(t.c.envelope, Text).label("envelope"),
                        t.c.traceparent,
                    )
                    .where(t.c.id.in_(select(ids.c.id)))
                    .order_by(t.c.id)
                )
            ).all()
            if not rows:
                OUTBOX_PENDING.labels(self._service).set(0)
                OUTBOX_OLDEST_PENDING.labels(self._service).set(0)
                return 0
            producer = await self._get_producer()
            sent: list[tuple[Any, asyncio.Future[Any]]] = []
            parked: dict[int, str] = {}
            held: set[tuple[str, str]] = set()  # topic and key of a row parked in this batch
            spans = _PublishSpans()
            try:
                for row in rows:
                    if (row.topic, row.key) in held:
                        continue  # waits behind its parked predecessor
                    try:
                        spans.cover(row)
                        sent.append((row, await self._send(producer, row)))
                    except Exception as exc:
                        if not refused_for_good(exc):
                            raise
                        parked[row.id] = _reason(exc)
                        held.add((row.topic, row.key))
            finally:
                spans.end()
            results = await asyncio.gather(*(f for _, f in sent), return_exceptions=True)
            published: list[int] = []
            for (row, _), result in zip(sent, results, strict=True):
                if not isinstance(result, BaseException):
                    published.append(row.id)
                elif refused_for_good(result):
                    # Refused after later rows of its key were already sent: those are out, so
                    # this key's order is broken here (the log line says so).
                    parked[row.id] = _reason(result)
                else:
                    raise result
            if published:
                await session.execute(
                    t.update().where(t.c.id.in_(published)).values(published_at=func.now())
                )
            for row_id, reason in parked.items():
                await session.execute(
                    t.update()
                    .where(t.c.id == row_id)
                    .values(parked_at=func.now(), park_reason=reason)
                )
            # Counting what waits reads every waiting row: at most once a second, or the count
            # costs more than the batch when a backlog is drained (issue 15, P5).
            now = time.monotonic()
            if now - self._counted_at >= self._count_interval:
                self._counted_at = now
                pending = await session.scalar(
                    select(func.count()).select_from(t).where(t.c.published_at.is_(None))
                )
                OUTBOX_PENDING.labels(self._service).set(pending or 0)
            # The first waiting row by id (the partial index): rows are created in id order.
            oldest = await session.scalar(
                select(t.c.created_at)
                .where(t.c.published_at.is_(None), t.c.parked_at.is_(None))
                .order_by(t.c.id)
                .limit(1)
            )
            OUTBOX_OLDEST_PENDING.labels(self._service).set(oldest.timestamp() if oldest else 0)
            if parked:
                waiting = await session.scalar(
                    select(func.count())
                    .select_from(t)
                    .where(t.c.parked_at.is_not(None), t.c.published_at.is_(None))
                )
                OUTBOX_PARKED_ROWS.labels(self._service).set(waiting or 0)
        OUTBOX_PUBLISHED.labels(self._service).inc(len(published))
        for row in rows:
            if row.id in parked:
                OUTBOX_PARKED.labels(self._service).inc()
                log.error(
                    "outbox_row_parked",
                    outbox_id=row.id,
                    topic=row.topic,
                    key=row.key,
                    reason=parked[row.id],
                )
        return len(published) + len(parked)

    async def _send(self, producer: AIOKafkaProducer, row: Any) -> asyncio.Future[Any]:
        headers = [("content-type", b"application/json")]
        if row.traceparent:
            headers.append(("traceparent", row.traceparent.encode()))
        future: asyncio.Future[Any] = await producer.send(
            row.topic, value=row.envelope.encode(), key=row.key.encode(), headers=headers
        )
        return future


class _PublishSpans:
    """One producer span per topic and trace in a batch, not one per row: a scheduler's burst
    puts hundreds of rows of one trace in a batch, and a span each cost more than sending them.
    A lone request's event still gets its own span."""

    def __init__(self) -> None:
        self._tracer = tracer()
        self._open: dict[tuple[str, str | None], tuple[trace.Span, list[int]]] = {}

    def cover(self, row: Any) -> None:
        key = (row.topic, row.traceparent)
        if key not in self._open:
            parent = context_from_headers({"traceparent": row.traceparent or ""})
            span = self._tracer.start_span(
                f"{row.topic} publish", context=parent, kind=trace.SpanKind.PRODUCER
            )
            self._open[key] = (span, [0])
        self._open[key][1][0] += 1

    def end(self) -> None:
        for span, count in self._open.values():
            span.set_attribute("messaging.batch.message_count", count[0])
            span.end()
        self._open.clear()


#: What the broker (or the producer on its behalf) refuses whatever the moment: sending the row
#: again can never work.
_REFUSED_FOR_GOOD: tuple[type[BaseException], ...] = (
    kafka_errors.MessageSizeTooLargeError,
    kafka_errors.RecordTooLargeError,
    kafka_errors.RecordListTooLargeError,
    kafka_errors.CorruptRecordException,
    kafka_errors.InvalidTopicError,
    UnicodeError,
    TypeError,
    ValueError,
)


def refused_for_good(exc: BaseException) -> bool:
    return isinstance(exc, _REFUSED_FOR_GOOD)


def _reason(exc: BaseException) -> str:
    return f"{type(exc).__name__}: {exc}"[:1000]
