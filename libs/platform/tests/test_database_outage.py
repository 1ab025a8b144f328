"""A consumer through a real database crash: a throwaway PostgreSQL is killed (-9) and restarted
while events stream in. Nothing may be dead-lettered, and every event is applied exactly once."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator, Iterator
from typing import Any

import pytest
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer
from sosenki_contracts.envelope import EventEnvelope
from sosenki_platform.consumer import EventConsumer
from sosenki_platform.db import Database
from sosenki_platform.dead_letters import DeadLetters
from sosenki_platform.failures import is_transient
from sosenki_platform.inbox import Inbox
from sosenki_platform.kafka import create_broker, subscribe
from sosenki_platform.kafka_security import client_options
from sosenki_platform.metrics import CONSUMER_STALLED, CONSUMER_TRANSIENT_RETRIES
from sosenki_platform.tables import add_platform_tables
from sosenki_platform.testing import eventually
from sosenki_platform.topic_admin import ensure_topics
from sqlalchemy import Column, MetaData, Table, Text, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from deploy.local.postgres import DisposablePostgres

pytestmark = pytest.mark.integration

metadata = MetaData()
tables = add_platform_tables(metadata)
# Deliberately no unique constraint: a second application of an event would show as a second row.
applied = Table("applied", metadata, Column("event_id", Text, nullable=False))


@pytest.fixture
def postgres() -> Iterator[DisposablePostgres]:
    server = DisposablePostgres()
    server.start()
    yield server
    server.stop()


@pytest.fixture
async def db(postgres: DisposablePostgres) -> AsyncIterator[Database]:
    database = Database(postgres.url())
    async with database.engine.begin() as conn:
        await conn.run_sync(metadata.create_all)
    yield database
    await database.dispose()


def _event(key: str, n: int) -> EventEnvelope:
    return EventEnvelope(
        event_type="ledger.period_closed",
        producer="test",
        aggregate_id=key,
        payload={"community_id": 1, "period_id": n, "closed_at": "2025-12-01T10:30:00Z"},
    )


async def _dead_letter_count(bootstrap: str, topic: str) -> int:
    consumer = AIOKafkaConsumer(
        topic, bootstrap_servers=bootstrap, enable_auto_commit=False, **client_options()
    )
    await consumer.start()
    try:
        partitions = consumer.assignment() or set()
        while not partitions:
            await asyncio.sleep(0.1)
            partitions = consumer.assignment()
        ends = await consumer.end_offsets(list(partitions))
        starts = await consumer.beginning_offsets(list(partitions))
        return sum(ends[p] - starts[p] for p in partitions)
    finally:
        await consumer.stop()


async def test_a_database_crash_mid_stream_dead_letters_nothing_and_applies_each_event_once(
    postgres: DisposablePostgres, db: Database, infrastructure: Any
) -> None:
    bootstrap = infrastructure.kafka_bootstrap_servers
    topic = f"test.{uuid.uuid4().hex[:8]}.events.v1"
    await ensure_topics(bootstrap, [topic, topic + ".dlq"], partitions=2)
    dead_letters = DeadLetters(bootstrap, "outage-group")
    consumer = EventConsumer(
        db,
        Inbox(tables),
        dead_letters,
        "outage-test",
        max_attempts=2,  # a transient failure taken for poison would be dead-lettered at once
        retry_backoff=0.05,
        max_backoff=0.5,
    )

    @consumer.on("ledger.period_closed")
    async def apply(session: AsyncSession, event: EventEnvelope) -> None:
        await session.execute(applied.insert().values(event_id=str(event.event_id)))

    broker = create_broker(bootstrap, "outage-test", None)
    subscribe(broker, consumer, [topic], f"g-{uuid.uuid4().hex}", "outage-test")
    retries_before = CONSUMER_TRANSIENT_RETRIES.labels("outage-test", topic)._value.get()
    events = [_event(f"k{n % 4}", n) for n in range(240)]
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap, **client_options())
    await producer.start()
    await broker.start()
    try:

        async def stream() -> None:
            for event in events:
                await producer.send_and_wait(
                    topic, event.to_json_bytes(), key=event.aggregate_id.encode()
                )
                await asyncio.sleep(0.01)

        streaming = asyncio.create_task(stream())
        await eventually(lambda: _count(db, at_least=20), what="the first events applied")
        await asyncio.to_thread(postgres.kill)
        await eventually(
            lambda: _stalled(consumer), timeout=20, what="the consumer holding its partition"
        )
        assert CONSUMER_STALLED.labels("outage-test", topic)._value.get() >= 1
        await asyncio.sleep(2.0)  # down for a while: many attempts, none may dead-letter
        await asyncio.to_thread(postgres.start)
        await streaming
        await eventually(
            lambda: _count(db, at_least=len(events)), timeout=60, what="every event applied"
        )
        await asyncio.sleep(1.0)  # a late double application would show up now
    finally:
        await broker.stop()
        await producer.stop()
        await dead_letters.close()

    async with db.session() as session:
        total = await session.scalar(select(func.count()).select_from(applied))
        distinct = await session.scalar(select(func.count(func.distinct(applied.c.event_id))))
    assert (total, distinct) == (len(events), len(events))
    assert await _dead_letter_count(bootstrap, topic + ".dlq") == 0
    assert CONSUMER_TRANSIENT_RETRIES.labels("outage-test", topic)._value.get() > retries_before
    assert not consumer.stalls
    assert CONSUMER_STALLED.labels("outage-test", topic)._value.get() == 0


async def _count(db: Database, *, at_least: int) -> bool:
    async with db.session() as session:
        n = await session.scalar(select(func.count()).select_from(applied))
    return (n or 0) >= at_least


async def _stalled(consumer: EventConsumer) -> bool:
    return bool(consumer.stalls)


async def test_what_the_database_says_while_it_is_down_or_restarting_is_transient(
    postgres: DisposablePostgres, db: Database
) -> None:
    await asyncio.to_thread(postgres.kill)
    with pytest.raises(Exception) as refused:
        async with db.transaction() as session:
            await session.execute(select(1))
    assert is_transient(refused.value), repr(refused.value)
    await asyncio.to_thread(postgres.start)
    async with db.transaction() as session:
        assert await session.scalar(select(1)) == 1
    # A deterministic failure is not transient: the same statement would fail the same way.
    with pytest.raises(Exception) as bad:
        async with db.transaction() as session:
            await session.execute(select(func.no_such_function()))
    assert not is_transient(bad.value), repr(bad.value)


async def test_a_pooled_connection_idle_through_a_restart_is_replaced_not_failed(
    postgres: DisposablePostgres, db: Database
) -> None:
    # Connections are pinged only after an idle second (not before every transaction): one
    # that sat in the pool while the database restarted must still not fail its next user.
    async with db.transaction() as session:
        assert await session.scalar(select(1)) == 1
    await asyncio.to_thread(postgres.kill)
    await asyncio.to_thread(postgres.start)
    await asyncio.sleep(1.2)
    async with db.transaction() as session:
        assert await session.scalar(select(1)) == 1
