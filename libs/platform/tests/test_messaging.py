"""The outbox, the inbox and dead letters against a real PostgreSQL and a real Kafka broker."""

from __future__ import annotations

import asyncio
import json
import time
import uuid
from collections.abc import AsyncIterator
from typing import Any

import pytest
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer
from sosenki_contracts.envelope import EventEnvelope
from sosenki_platform.consumer import Delivery, EventConsumer
from sosenki_platform.db import Database
from sosenki_platform.dead_letters import DeadLetters
from sosenki_platform.inbox import Inbox
from sosenki_platform.kafka import create_broker, subscribe
from sosenki_platform.kafka_security import client_options
from sosenki_platform.outbox import Outbox, OutboxRelay
from sosenki_platform.tables import add_platform_tables
from sosenki_platform.testing import eventually, free_port
from sosenki_platform.topic_admin import delete_topics_with_prefix, ensure_topics
from sqlalchemy import Column, Integer, MetaData, Table, Text, func, select
from sqlalchemy.ext.asyncio import AsyncSession

pytestmark = pytest.mark.integration

metadata = MetaData()
tables = add_platform_tables(metadata)
# What the test consumer "applies": one row per applied event.
applied = Table("applied", metadata, Column("id", Integer, primary_key=True), Column("note", Text))


@pytest.fixture
async def db(new_database: Any) -> AsyncIterator[Database]:
    database = Database(await new_database("platform"))
    async with database.engine.begin() as conn:
        await conn.run_sync(metadata.create_all)
    yield database
    await database.dispose()


@pytest.fixture
async def topic(infrastructure: Any) -> str:
    name = f"test.{uuid.uuid4().hex[:8]}.events.v1"
    await ensure_topics(infrastructure.kafka_bootstrap_servers, [name, name + ".dlq"], partitions=3)
    return name


def _event(key: str, n: int, event_type: str = "ledger.period_closed") -> EventEnvelope:
    return EventEnvelope(
        event_type=event_type,
        producer="test",
        aggregate_id=key,
        payload={"community_id": 1, "period_id": n, "closed_at": "2025-12-01T10:30:00Z"},
    )


async def _read_all(bootstrap: str, topic: str, expected: int, timeout: float = 20.0) -> list[Any]:
    consumer = AIOKafkaConsumer(
        topic,
        bootstrap_servers=bootstrap,
        auto_offset_reset="earliest",
        enable_auto_commit=False,
        **client_options(),
    )
    await consumer.start()
    records: list[Any] = []
    try:
        async with asyncio.timeout(timeout):
            while len(records) < expected:
                batch = await consumer.getmany(timeout_ms=500)
                for part in batch.values():
                    records.extend(part)
        # Anything beyond what we expect would be a duplicate: give it a moment to show up.
        extra = await consumer.getmany(timeout_ms=1000)
        for part in extra.values():
            records.extend(part)
    finally:
        await consumer.stop()
    return records


async def _append(db: Database, topic: str, events: list[EventEnvelope]) -> None:
    outbox = Outbox(tables, lambda t: t)
    async with db.transaction() as session:
        for event in events:
            await outbox.append(session, topic, event)


async def test_relay_publishes_each_event_once_in_order_per_aggregate(
    db: Database, topic: str, infrastructure: Any
) -> None:
    events = [_event(f"period-{n % 3}", n) for n in range(30)]
    await _append(db, topic, events)
    relay = OutboxRelay(db, tables, infrastructure.kafka_bootstrap_servers, "test")
    while await relay.publish_batch():
        pass
    await relay.stop()

    records = await _read_all(infrastructure.kafka_bootstrap_servers, topic, len(events))
    ids = [json.loads(r.value)["event_id"] for r in records]
    assert sorted(ids) == sorted(str(e.event_id) for e in events)  # each once
    for key in ("period-0", "period-1", "period-2"):
        sent = [str(e.event_id) for e in events if e.aggregate_id == key]
        got = [json.loads(r.value)["event_id"] for r in records if r.key == key.encode()]
        assert got == sent, f"events of {key} out of order"
    async with db.session() as session:
        pending = await session.scalar(
            select(func.count())
            .select_from(tables.outbox)
            .where(tables.outbox.c.published_at.is_(None))
        )
    assert pending == 0


async def test_the_oldest_waiting_events_time_is_exported_until_it_is_sent(
    db: Database, topic: str, infrastructure: Any
) -> None:
    from sosenki_platform.metrics import OUTBOX_OLDEST_PENDING

    before = time.time()
    await _append(db, topic, [_event("p", n) for n in range(3)])
    relay = OutboxRelay(db, tables, infrastructure.kafka_bootstrap_servers, "oldest", batch_size=2)
    await relay.publish_batch()  # two of three out: the third still waits
    oldest = OUTBOX_OLDEST_PENDING.labels("oldest")._value.get()
    assert before - 5 < oldest <= time.time(), oldest
    while await relay.publish_batch():
        pass
    await relay.stop()
    assert OUTBOX_OLDEST_PENDING.labels("oldest")._value.get() == 0


async def test_relay_keeps_events_while_kafka_is_unreachable(
    db: Database, topic: str, infrastructure: Any
) -> None:
    await _append(db, topic, [_event("p", n) for n in range(5)])
    unreachable = OutboxRelay(db, tables, f"127.0.0.1:{free_port()}", "test", max_backoff=0.2)
    unreachable.start()
    await asyncio.sleep(1.5)
    await unreachable.stop(flush_timeout=1.0)
    async with db.session() as session:
        pending = await session.scalar(
            select(func.count())
            .select_from(tables.outbox)
            .where(tables.outbox.c.published_at.is_(None))
        )
    assert pending == 5, "rows must stay in the outbox while Kafka is down"

    relay = OutboxRelay(db, tables, infrastructure.kafka_bootstrap_servers, "test")
    relay.start()
    records = await _read_all(infrastructure.kafka_bootstrap_servers, topic, 5)
    await relay.stop()
    assert len(records) == 5


def _consumer(
    db: Database, infrastructure: Any, dead_letters: DeadLetters | None = None
) -> EventConsumer:
    consumer = EventConsumer(
        db,
        Inbox(tables),
        dead_letters or DeadLetters(infrastructure.kafka_bootstrap_servers, "test-group"),
        "test",
        max_attempts=3,
        retry_backoff=0.01,
    )

    @consumer.on("ledger.period_closed")
    async def apply(session: AsyncSession, event: EventEnvelope) -> None:
        if event.payload.get("period_id") == 666:
            raise RuntimeError("projection bug")
        await session.execute(applied.insert().values(note=str(event.event_id)))

    return consumer


async def _applied_count(db: Database) -> int:
    async with db.session() as session:
        return int(await session.scalar(select(func.count()).select_from(applied)) or 0)


async def test_the_same_event_delivered_twice_is_applied_once(
    db: Database, infrastructure: Any
) -> None:
    consumer = _consumer(db, infrastructure)
    raw = _event("p", 1).to_json_bytes()
    first = await consumer.handle(Delivery("t", 0, 10, b"p", raw))
    second = await consumer.handle(Delivery("t", 0, 11, b"p", raw))
    assert (first, second) == ("applied", "duplicate")
    assert await _applied_count(db) == 1


async def test_poison_messages_go_to_the_dead_letter_topic_and_the_consumer_goes_on(
    db: Database, topic: str, infrastructure: Any
) -> None:
    bootstrap = infrastructure.kafka_bootstrap_servers
    broker = create_broker(bootstrap, "test", None)
    dead_letters = DeadLetters(bootstrap, "test-group")
    consumer = _consumer(db, infrastructure, dead_letters)
    subscribe(broker, consumer, [topic], f"g-{uuid.uuid4().hex}", "test")
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap, **client_options())
    await producer.start()
    good = _event("p", 1)
    unknown = EventEnvelope(event_type="ledger.no_such_event", producer="x", aggregate_id="p")
    failing = _event("p", 666)
    try:
        for value in (
            b"\x00\xffnot json at all",
            unknown.to_json_bytes(),
            failing.to_json_bytes(),
            good.to_json_bytes(),
        ):
            await producer.send_and_wait(topic, value, key=b"p")  # one key: one partition, in order
    finally:
        await producer.stop()

    await broker.start()
    try:
        await eventually(lambda: _is_one(_applied_count(db)), what="the good event applied")
        dead = await _read_all(bootstrap, topic + ".dlq", 3)
    finally:
        await broker.stop()
        await dead_letters.close()

    reasons = [dict(r.headers)["x-dlq-reason"].decode() for r in dead]
    assert reasons == ["undecodable", "unknown_type", "failed"]
    headers = dict(dead[2].headers)
    assert headers["x-dlq-source-topic"].decode() == topic
    assert headers["x-dlq-attempts"].decode() == "3"
    assert "projection bug" in headers["x-dlq-error"].decode()
    assert int(headers["x-dlq-source-offset"].decode()) == 2
    assert dead[0].value == b"\x00\xffnot json at all"


async def _is_one(count: Any) -> bool:
    return bool(await count == 1)


async def test_the_trace_of_the_request_travels_with_the_event(
    db: Database, topic: str, infrastructure: Any
) -> None:
    from sosenki_platform.telemetry import setup_tracing, tracer

    setup_tracing("test")
    with tracer().start_as_current_span("POST /api/payments/periods") as span:
        await _append(db, topic, [_event("p", 1)])
        trace_id = format(span.get_span_context().trace_id, "032x")
    relay = OutboxRelay(db, tables, infrastructure.kafka_bootstrap_servers, "test")
    await relay.publish_batch()
    await relay.stop()
    (record,) = await _read_all(infrastructure.kafka_bootstrap_servers, topic, 1)
    traceparent = dict(record.headers)["traceparent"].decode()
    assert traceparent.split("-")[1] == trace_id


async def test_a_finished_runs_topics_are_deleted_by_prefix(infrastructure: Any) -> None:
    from aiokafka.admin import AIOKafkaAdminClient
    from sosenki_platform.topic_admin import delete_topics_with_prefix

    bootstrap = infrastructure.kafka_bootstrap_servers
    prefix = f"cleanup{uuid.uuid4().hex[:6]}."
    keep = f"keep{uuid.uuid4().hex[:6]}.events.v1"
    await ensure_topics(bootstrap, prefix=prefix, partitions=1)
    await ensure_topics(bootstrap, [keep], partitions=1)
    deleted = await delete_topics_with_prefix(bootstrap, prefix)
    assert len(deleted) == 16 and all(t.startswith(prefix) for t in deleted)
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap, **client_options())
    await admin.start()

    async def settled() -> list[str] | None:
        # Metadata lags a deletion for a moment (and may briefly list an older view).
        topics = list(await admin.list_topics())
        done = keep in topics and not any(t.startswith(prefix) for t in topics)
        return topics if done else None

    try:
        remaining = await eventually(settled, timeout=20, what="the deletion to settle")
    finally:
        await admin.close()
    assert keep in remaining
    await delete_topics_with_prefix(bootstrap, keep)
    with pytest.raises(ValueError, match="without a prefix"):
        await delete_topics_with_prefix(bootstrap, "")


async def test_commands_go_out_through_the_outbox_too(
    db: Database, topic: str, infrastructure: Any
) -> None:
    from sosenki_contracts.envelope import CommandEnvelope

    command = CommandEnvelope(
        command_id="recurring:7:3", command_type="ledger.record_charge", issuer="recurring"
    )
    async with db.transaction() as session:
        await Outbox(tables, lambda t: t).append_command(session, topic, command, key="pattern-7")
    async with db.transaction() as session:  # the same command again (a retry): queued once
        await Outbox(tables, lambda t: t).append_command(session, topic, command, key="pattern-7")
    relay = OutboxRelay(db, tables, infrastructure.kafka_bootstrap_servers, "test")
    await relay.publish_batch()
    await relay.stop()
    (record,) = await _read_all(infrastructure.kafka_bootstrap_servers, topic, 1)
    assert record.key == b"pattern-7"
    assert CommandEnvelope.from_json_bytes(record.value) == command


async def test_a_row_the_broker_refuses_is_parked_and_the_others_go_out(
    db: Database, infrastructure: Any
) -> None:
    from aiokafka.admin import AIOKafkaAdminClient, NewTopic

    bootstrap = infrastructure.kafka_bootstrap_servers
    topic = f"test.{uuid.uuid4().hex[:8]}.events.v1"
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap, **client_options())
    await admin.start()
    try:  # the broker takes at most 20 kB per record on this topic; the producer up to 1 MiB
        await admin.create_topics(
            [NewTopic(topic, 3, 1, topic_configs={"max.message.bytes": "20000"})]
        )
    finally:
        await admin.close()

    def sized(key: str, n: int, size: int) -> EventEnvelope:
        event = _event(key, n)
        return event.model_copy(update={"payload": {**event.payload, "note": "x" * size}})

    events = [
        _event("a", 1),
        sized("broker-refuses", 2, 50_000),  # refused by the broker, after sending
        sized("producer-refuses", 3, 2_000_000),  # refused by the producer, before sending
        _event("producer-refuses", 4),  # behind a parked row of its key: waits
        _event("b", 5),
        _event("a", 6),
    ]
    await _append(db, topic, events)
    # Producer batches below the topic's limit, as with every topic (settings.py says so).
    relay = OutboxRelay(db, tables, bootstrap, "test", max_batch_bytes=16 * 1024)
    relay.start()
    try:
        records = await _read_all(bootstrap, topic, 3)
    finally:
        await relay.stop()
    got = sorted(json.loads(r.value)["payload"]["period_id"] for r in records)
    assert got == [1, 5, 6], "every row that can go out goes out, only once"

    t = tables.outbox
    async with db.session() as session:
        rows = {
            r.envelope["payload"]["period_id"]: r
            for r in (await session.execute(select(t).order_by(t.c.id))).all()
        }
    assert {n for n, r in rows.items() if r.published_at is not None} == {1, 5, 6}
    assert {n for n, r in rows.items() if r.parked_at is not None} == {2, 3}
    assert rows[2].park_reason.startswith("MessageSizeTooLargeError")
    assert rows[3].park_reason.startswith("MessageSizeTooLargeError")
    waiting = rows[4]
    assert (waiting.published_at, waiting.parked_at) == (None, None)


async def test_a_redriven_copy_is_taken_up_only_by_the_group_that_dead_lettered_it(
    db: Database, infrastructure: Any
) -> None:
    consumer = _consumer(db, infrastructure)  # its dead letters belong to "test-group"
    raw = _event("p", 1).to_json_bytes()
    for_others = [("x-redriven-for-group", b"reporting")]
    for_us = [("x-redriven-for-group", b"test-group")]
    assert await consumer.handle(Delivery("t", 0, 1, b"p", raw, for_others)) == "ignored"
    assert await _applied_count(db) == 0
    assert await consumer.handle(Delivery("t", 0, 2, b"p", raw, for_us)) == "applied"
    assert await _applied_count(db) == 1


async def test_an_event_on_a_services_topic_from_another_producer_is_refused(
    db: Database, infrastructure: Any
) -> None:
    """Only the ledger writes ledger.events.v1 (ACL); a consumer still checks the envelope."""
    bootstrap = infrastructure.kafka_bootstrap_servers
    prefix = f"own{uuid.uuid4().hex[:6]}."
    ledger_events = prefix + "ledger.events.v1"
    await ensure_topics(bootstrap, [ledger_events + ".dlq"], partitions=1)
    dead_letters = DeadLetters(bootstrap, "test-group")
    consumer = EventConsumer(
        db, Inbox(tables), dead_letters, "test", max_attempts=1, topic_prefix=prefix
    )

    @consumer.on("ledger.period_closed")
    async def apply(session: AsyncSession, event: EventEnvelope) -> None:
        await session.execute(applied.insert().values(note=str(event.event_id)))

    forged = _event("p", 1).model_copy(update={"producer": "splits"})
    genuine = _event("p", 2).model_copy(update={"producer": "ledger"})
    try:
        outcomes = [
            await consumer.handle(Delivery(ledger_events, 0, n, b"p", event.to_json_bytes()))
            for n, event in enumerate((forged, genuine))
        ]
        (dead,) = await _read_all(bootstrap, ledger_events + ".dlq", 1)
    finally:
        await dead_letters.close()
        await delete_topics_with_prefix(bootstrap, prefix)
    assert outcomes == ["dead_lettered", "applied"]
    assert await _applied_count(db) == 1
    headers = dict(dead.headers)
    assert headers["x-dlq-reason"] == b"unauthorized"
    assert headers["x-dlq-error"].decode() == (
        f"event ledger.period_closed on {ledger_events} claims producer 'splits'; "
        "only 'ledger' publishes there"
    )
    # Topics outside the table (this file's own test topics) are not checked.
    assert await consumer.handle(Delivery("t", 0, 9, b"p", _event("p", 3).to_json_bytes())) == (
        "applied"
    )


async def test_records_with_null_or_non_utf8_headers_are_not_skipped(
    db: Database, topic: str, infrastructure: Any
) -> None:
    bootstrap = infrastructure.kafka_bootstrap_servers
    broker = create_broker(bootstrap, "test", None)
    dead_letters = DeadLetters(bootstrap, "test-group")
    consumer = _consumer(db, infrastructure, dead_letters)
    subscribe(broker, consumer, [topic], f"g-{uuid.uuid4().hex}", "test")
    odd_headers = [("latin-1", b"caf\xe9"), ("empty", None)]
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap, **client_options())
    await producer.start()
    try:
        await producer.send_and_wait(
            topic, _event("p", 1).to_json_bytes(), key=b"p", headers=odd_headers
        )
        await producer.send_and_wait(
            topic, _event("p", 666).to_json_bytes(), key=b"p", headers=odd_headers
        )
    finally:
        await producer.stop()
    await broker.start()
    try:
        await eventually(lambda: _is_one(_applied_count(db)), what="the event applied")
        (dead,) = await _read_all(bootstrap, topic + ".dlq", 1)
    finally:
        await broker.stop()
        await dead_letters.close()
    headers = dict(dead.headers)
    assert headers["x-dlq-reason"] == b"failed"
    assert headers["latin-1"] == b"caf\xe9"  # the original bytes travel on


async def test_a_called_service_being_away_is_waited_out_however_long_it_takes(
    db: Database, infrastructure: Any
) -> None:
    from sosenki_platform.failures import Unavailable

    consumer = EventConsumer(
        db,
        Inbox(tables),
        DeadLetters(f"127.0.0.1:{free_port()}", "g"),  # a dead letter would fail loudly here
        "test",
        max_attempts=2,
        retry_backoff=0.001,
        max_backoff=0.01,
    )
    calls = {"n": 0}

    @consumer.on("ledger.period_closed")
    async def apply(session: AsyncSession, event: EventEnvelope) -> None:
        calls["n"] += 1
        if calls["n"] <= 25:  # far more than max_attempts
            raise Unavailable("ledger answered 503")
        await session.execute(applied.insert().values(note=str(event.event_id)))

    outcome = await consumer.handle(Delivery("t", 0, 1, b"p", _event("p", 1).to_json_bytes()))
    assert (outcome, calls["n"], await _applied_count(db)) == ("applied", 26, 1)
    assert consumer.stalls == {}
