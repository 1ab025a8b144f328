"""Events applied in batches (one transaction and one offset commit per batch), against a real
PostgreSQL and a real Kafka broker: duplicates inside a batch, a poison record in the middle of
one, and a process killed between the database commit and the offset commit."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import textwrap
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
from sosenki_platform.tables import add_platform_tables
from sosenki_platform.testing import eventually
from sosenki_platform.topic_admin import ensure_topics
from sqlalchemy import Column, Integer, MetaData, Table, Text, select
from sqlalchemy.ext.asyncio import AsyncSession

pytestmark = pytest.mark.integration

metadata = MetaData()
tables = add_platform_tables(metadata)
# One row per applied event, in the order applied (id), with its key and number.
applied = Table(
    "applied",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("key", Text),
    Column("n", Integer),
)


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


def _event(key: str, n: int) -> EventEnvelope:
    return EventEnvelope(
        event_type="ledger.period_closed",
        producer="test",
        aggregate_id=key,
        payload={"community_id": 1, "period_id": n, "closed_at": "2025-12-01T10:30:00Z"},
    )


def _consumer(db: Database, dead_letters: DeadLetters) -> EventConsumer:
    consumer = EventConsumer(
        db, Inbox(tables), dead_letters, "test", max_attempts=3, retry_backoff=0.01
    )

    @consumer.on("ledger.period_closed")
    async def apply(session: AsyncSession, event: EventEnvelope) -> None:
        n = int(event.payload["period_id"])
        if n == 666:
            raise RuntimeError("projection bug")
        await session.execute(applied.insert().values(key=event.aggregate_id, n=n))

    return consumer


async def _read_all(bootstrap: str, topic: str, expected: int) -> list[Any]:
    consumer = AIOKafkaConsumer(
        topic, bootstrap_servers=bootstrap, auto_offset_reset="earliest", **client_options()
    )
    await consumer.start()
    records: list[Any] = []
    try:
        async with asyncio.timeout(20):
            while len(records) < expected:
                for part in (await consumer.getmany(timeout_ms=500)).values():
                    records.extend(part)
        for part in (await consumer.getmany(timeout_ms=1000)).values():
            records.extend(part)  # a duplicate would show up here
    finally:
        await consumer.stop()
    return records


async def _applied(db: Database) -> list[tuple[str, int]]:
    async with db.session() as session:
        rows = await session.execute(select(applied.c.key, applied.c.n).order_by(applied.c.id))
        return [(r.key, r.n) for r in rows]


async def test_a_batch_with_copies_of_one_event_applies_it_once(
    db: Database, infrastructure: Any
) -> None:
    consumer = _consumer(db, DeadLetters(infrastructure.kafka_bootstrap_servers, "g"))
    one, two = _event("p", 1).to_json_bytes(), _event("p", 2).to_json_bytes()
    assert await consumer.handle(Delivery("t", 0, 1, b"p", one)) == "applied"
    outcomes = await consumer.handle_batch(
        [
            Delivery("t", 0, 1, b"p", one),  # applied by an earlier batch
            Delivery("t", 0, 2, b"p", two),
            Delivery("t", 0, 3, b"p", two),  # the relay published it again
            Delivery("t", 1, 7, b"q", one),  # and once more, on another partition
        ]
    )
    assert outcomes == ["duplicate", "applied", "duplicate", "duplicate"]
    assert await _applied(db) == [("p", 1), ("p", 2)]


async def test_a_poison_record_mid_batch_is_dead_lettered_and_the_rest_applied_in_order(
    db: Database, topic: str, infrastructure: Any
) -> None:
    bootstrap = infrastructure.kafka_bootstrap_servers
    dead_letters = DeadLetters(bootstrap, "test-group")
    consumer = _consumer(db, dead_letters)
    batch = [Delivery(topic, 0, i, b"p", _event("p", i).to_json_bytes()) for i in range(1, 5)]
    batch.insert(2, Delivery(topic, 0, 100, b"p", _event("p", 666).to_json_bytes()))
    batch.insert(4, Delivery(topic, 0, 101, b"p", b"\x00not json"))
    try:
        outcomes = await consumer.handle_batch(batch)
        dead = await _read_all(bootstrap, topic + ".dlq", 2)
    finally:
        await dead_letters.close()
    assert outcomes == [
        "applied",
        "applied",
        "dead_lettered",
        "applied",
        "dead_lettered",
        "applied",
    ]
    assert await _applied(db) == [("p", 1), ("p", 2), ("p", 3), ("p", 4)]
    reasons = sorted(dict(r.headers)["x-dlq-reason"].decode() for r in dead)
    assert reasons == ["failed", "undecodable"]


async def test_batches_from_the_broker_keep_each_partitions_order_and_dead_letter_poison(
    db: Database, topic: str, infrastructure: Any
) -> None:
    bootstrap = infrastructure.kafka_bootstrap_servers
    broker = create_broker(bootstrap, "test", None)
    dead_letters = DeadLetters(bootstrap, "test-group")
    subscribe(
        broker,
        _consumer(db, dead_letters),
        [topic],
        f"g-{uuid.uuid4().hex}",
        "test",
        batch_max_records=500,
    )
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap, linger_ms=50, **client_options())
    await producer.start()
    try:
        sent = []
        for n in range(1, 61):
            key = f"k{n % 3}"
            value = _event(key, 666 if n == 30 else n).to_json_bytes()
            sent.append(await producer.send(topic, value, key=key.encode()))
        await asyncio.gather(*sent)
    finally:
        await producer.stop()
    await broker.start()
    try:
        await eventually(
            lambda: _has(db, 59), timeout=60, what="59 events applied (one dead-lettered)"
        )
        (dead,) = await _read_all(bootstrap, topic + ".dlq", 1)
    finally:
        await broker.stop()
        await dead_letters.close()
    rows = await _applied(db)
    assert len(rows) == len(set(rows)) == 59
    for key in ("k0", "k1", "k2"):
        numbers = [n for k, n in rows if k == key]
        assert numbers == sorted(numbers), f"{key} applied out of order: {numbers}"
    assert dict(dead.headers)["x-dlq-reason"] == b"failed"


async def _has(db: Database, count: int) -> bool:
    return len(await _applied(db)) >= count


# A consumer process that applies its first batch, commits it to the database and is killed
# (SIGKILL) before FastStream commits the batch's offsets.
_KILLED_AFTER_DB_COMMIT = textwrap.dedent(
    """
    import asyncio, os, signal
    from sqlalchemy import Column, Integer, MetaData, Table, Text
    from sosenki_platform.consumer import EventConsumer
    from sosenki_platform.db import Database
    from sosenki_platform.dead_letters import DeadLetters
    from sosenki_platform.inbox import Inbox
    from sosenki_platform.kafka import create_broker, subscribe
    from sosenki_platform.tables import add_platform_tables

    metadata = MetaData()
    tables = add_platform_tables(metadata)
    applied = Table("applied", metadata, Column("id", Integer, primary_key=True),
                    Column("key", Text), Column("n", Integer))

    class DiesAfterCommit(EventConsumer):
        async def handle_batch(self, deliveries):
            outcomes = await super().handle_batch(deliveries)
            print("committed", outcomes.count("applied"), flush=True)
            os.kill(os.getpid(), signal.SIGKILL)  # before FastStream commits the offsets

    async def main():
        db = Database(os.environ["DB_URL"])
        bootstrap = os.environ["SOSENKI_KAFKA_BOOTSTRAP_SERVERS"]
        consumer = DiesAfterCommit(db, Inbox(tables), DeadLetters(bootstrap, "g"), "test")

        @consumer.on("ledger.period_closed")
        async def apply(session, event):
            await session.execute(
                applied.insert().values(key=event.aggregate_id, n=event.payload["period_id"])
            )

        broker = create_broker(bootstrap, "test", None)
        subscribe(broker, consumer, [os.environ["TOPIC"]], os.environ["GROUP"], "test",
                  batch_max_records=500)
        await broker.start()
        await asyncio.sleep(120)

    asyncio.run(main())
    """
)


async def test_a_process_killed_between_db_commit_and_offset_commit_applies_each_event_once(
    db: Database, topic: str, infrastructure: Any, service_env: dict[str, str]
) -> None:
    bootstrap = infrastructure.kafka_bootstrap_servers
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap, linger_ms=50, **client_options())
    await producer.start()
    try:
        sent = [
            await producer.send(topic, _event("p", n).to_json_bytes(), key=b"p")
            for n in range(1, 41)
        ]
        await asyncio.gather(*sent)
    finally:
        await producer.stop()
    group = f"g-{uuid.uuid4().hex}"
    env = {
        **os.environ,
        **service_env,  # the broker and its credentials, as a service process gets them
        "DB_URL": db.url,
        "SOSENKI_KAFKA_BOOTSTRAP_SERVERS": bootstrap,
        "TOPIC": topic,
        "GROUP": group,
    }
    child = await asyncio.create_subprocess_exec(
        sys.executable,
        "-c",
        _KILLED_AFTER_DB_COMMIT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    output, _ = await asyncio.wait_for(child.communicate(), timeout=90)
    assert child.returncode == -signal.SIGKILL, output.decode()[-2000:]
    first_batch = int(output.decode().split("committed", 1)[1].split()[0])
    assert first_batch >= 1
    before = await _applied(db)
    assert len(before) == first_batch  # committed to the database, not to Kafka

    # The next owner of the partition reads the batch again: the inbox passes over it.
    broker = create_broker(bootstrap, "test", None)
    dead_letters = DeadLetters(bootstrap, "test-group")
    consumer = _consumer(db, dead_letters)
    seen: list[str] = []
    handle_batch = consumer.handle_batch

    async def recording(deliveries: list[Delivery]) -> list[str]:
        outcomes = await handle_batch(deliveries)
        seen.extend(outcomes)
        return outcomes

    consumer.handle_batch = recording  # type: ignore[method-assign]
    subscribe(broker, consumer, [topic], group, "test", batch_max_records=500)
    await broker.start()
    try:
        await eventually(lambda: _has(db, 40), timeout=60, what="all 40 events applied")
        await asyncio.sleep(1.0)  # anything applied twice would show up by now
    finally:
        await broker.stop()
        await dead_letters.close()
    assert await _applied(db) == [("p", n) for n in range(1, 41)]
    assert seen.count("duplicate") == first_batch
