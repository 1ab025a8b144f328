"""Dead letters an operator can work with: a message that keeps failing is dead-lettered after N
attempts, listed and shown by ``python -m <service> dead-letters``, re-driven once the cause is
fixed, and then applied exactly once."""

from __future__ import annotations

import asyncio
import os
import sys
import uuid
from collections.abc import AsyncIterator
from typing import Any

import pytest
from aiokafka import AIOKafkaProducer
from sosenki_contracts.envelope import EventEnvelope
from sosenki_platform.consumer import EventConsumer
from sosenki_platform.db import Database
from sosenki_platform.dead_letter_desk import DeadLetterDesk, dead_letter_topics
from sosenki_platform.dead_letters import DeadLetters
from sosenki_platform.inbox import Inbox
from sosenki_platform.kafka import create_broker, subscribe
from sosenki_platform.kafka_security import client_options
from sosenki_platform.operator_cli import show
from sosenki_platform.tables import add_platform_tables
from sosenki_platform.testing import eventually
from sosenki_platform.topic_admin import delete_topics_with_prefix, ensure_topics
from sqlalchemy import Column, MetaData, Table, Text, func, select
from sqlalchemy.ext.asyncio import AsyncSession

pytestmark = pytest.mark.integration

metadata = MetaData()
tables = add_platform_tables(metadata)
applied = Table("applied", metadata, Column("event_id", Text, nullable=False))


@pytest.fixture
async def db(new_database: Any) -> AsyncIterator[Database]:
    database = Database(await new_database("desk"))
    async with database.engine.begin() as conn:
        await conn.run_sync(metadata.create_all)
    yield database
    await database.dispose()


@pytest.fixture
async def prefix(infrastructure: Any) -> AsyncIterator[str]:
    name = f"dl{uuid.uuid4().hex[:8]}."
    await ensure_topics(infrastructure.kafka_bootstrap_servers, prefix=name, partitions=2)
    yield name
    await delete_topics_with_prefix(infrastructure.kafka_bootstrap_servers, name)


async def _cli(env: dict[str, str], *args: str) -> tuple[int, str, str]:
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "ledger",
        "dead-letters",
        *args,
        env={**os.environ, **env},
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    out, err = await asyncio.wait_for(process.communicate(), timeout=60)
    return process.returncode or 0, out.decode(), err.decode()


def _closed(key: str, n: int) -> EventEnvelope:
    return EventEnvelope(
        event_type="ledger.period_closed",
        producer="test",
        aggregate_id=key,
        payload={"community_id": 1, "period_id": n, "closed_at": "2025-12-01T10:30:00Z"},
    )


async def test_a_poison_message_is_dead_lettered_listed_redriven_and_applied_once(
    db: Database, prefix: str, infrastructure: Any
) -> None:
    bootstrap = infrastructure.kafka_bootstrap_servers
    topic = prefix + "ledger.events.v1"
    group = f"desk-{uuid.uuid4().hex[:6]}"
    env = {
        "SOSENKI_KAFKA_BOOTSTRAP_SERVERS": bootstrap,
        "SOSENKI_TOPIC_PREFIX": prefix,
        "SOSENKI_CONSUMER_GROUP": group,
    }
    bug = {"present": True}
    dead_letters = DeadLetters(bootstrap, group)
    consumer = EventConsumer(
        db, Inbox(tables), dead_letters, "desk-test", max_attempts=3, retry_backoff=0.01
    )

    @consumer.on("ledger.period_closed")
    async def apply(session: AsyncSession, event: EventEnvelope) -> None:
        if bug["present"] and event.payload["period_id"] == 13:
            raise KeyError("projection bug: period 13")
        await session.execute(applied.insert().values(event_id=str(event.event_id)))

    # Another service's letter in the same dead-letter topic: not this desk's business.
    other = DeadLetters(bootstrap, "someone-else")
    await other.send(
        topic=topic,
        partition=0,
        offset=99,
        key=b"x",
        value=b"{}",
        headers=[],
        reason="failed",
        error="not ours",
        attempts=5,
    )
    await other.close()

    broker = create_broker(bootstrap, "desk-test", None)
    subscribe(broker, consumer, [topic], group, "desk-test")
    poison = _closed("p", 13)
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap, **client_options())
    await producer.start()
    await broker.start()
    try:
        for event in (_closed("p", 12), poison, _closed("p", 14)):
            await producer.send_and_wait(topic, event.to_json_bytes(), key=b"p")
        await eventually(lambda: _applied(db, 2), what="the good events applied")
        desk = DeadLetterDesk(bootstrap, group, dead_letter_topics(prefix))
        (letter,) = await eventually(
            lambda: _some(desk.waiting()), what="the poison message dead-lettered"
        )
        assert letter.reason == "failed" and letter.header("x-dlq-attempts") == "3"
        assert letter.message_id == str(poison.event_id)
        assert await desk.counts() == {t: int(t == topic + ".dlq") for t in desk._topics}

        code, listed, err = await _cli(env, "list")
        assert code == 0, err
        assert len(listed.splitlines()) == 2, (listed, err)
        (line,) = listed.splitlines()[1:]
        assert line.split("\t")[:3] == [topic + ".dlq", str(letter.partition), str(letter.offset)]
        assert "projection bug" in line and "ledger.period_closed" in line

        shown = show(letter)  # what `dead-letters show --offset N` prints
        assert str(poison.event_id) in shown and "x-dlq-reason: failed" in shown

        bug["present"] = False  # the fix is deployed
        code, redriven, _ = await _cli(env, "redrive", "--offset", str(letter.offset))
        assert code == 0 and f"-> {topic}" in redriven
        await eventually(lambda: _applied(db, 3), what="the redriven event applied")

        assert await desk.waiting() == []
        assert await desk.redrive(await desk.waiting()) == []
        # Republishing the same event once more changes nothing: the inbox knows it.
        await producer.send_and_wait(topic, poison.to_json_bytes(), key=b"p")
        await asyncio.sleep(1.5)
    finally:
        await broker.stop()
        await producer.stop()
        await dead_letters.close()
    async with db.session() as session:
        ids = list((await session.execute(select(applied.c.event_id))).scalars())
    assert ids.count(str(poison.event_id)) == 1 and len(ids) == 3


async def _applied(db: Database, n: int) -> bool:
    async with db.session() as session:
        return (await session.scalar(select(func.count()).select_from(applied))) == n


async def _some(letters: Any) -> Any:
    return (await letters) or None


async def test_redriving_out_of_order_leaves_the_earlier_letter_waiting(
    prefix: str, infrastructure: Any
) -> None:
    bootstrap = infrastructure.kafka_bootstrap_servers
    topic = prefix + "splits.events.v1"
    dead_letters = DeadLetters(bootstrap, "g")
    events = [_closed("same-key", n) for n in (1, 2, 3)]
    for n, event in enumerate(events):
        await dead_letters.send(
            topic=topic,
            partition=0,
            offset=n,
            key=b"same-key",
            value=event.to_json_bytes(),
            headers=[("traceparent", b"00-abc-def-01")],
            reason="failed",
            error="boom",
            attempts=5,
        )
    await dead_letters.close()
    desk = DeadLetterDesk(bootstrap, "g", dead_letter_topics(prefix))
    first, second, third = await desk.waiting()
    await desk.redrive([second])
    assert [d.offset for d in await desk.waiting()] == [first.offset, third.offset]
    await desk.redrive(await desk.waiting())
    assert await desk.waiting() == []
    assert await desk.counts() == dict.fromkeys(dead_letter_topics(prefix), 0)

    from aiokafka import AIOKafkaConsumer

    source = AIOKafkaConsumer(
        topic, bootstrap_servers=bootstrap, auto_offset_reset="earliest", **client_options()
    )
    await source.start()
    try:
        records: list[Any] = []
        while len(records) < 3:
            for part in (await source.getmany(timeout_ms=2000)).values():
                records.extend(part)
    finally:
        await source.stop()
    ids = [EventEnvelope.from_json_bytes(r.value).event_id for r in records]
    assert ids == [events[1].event_id, events[0].event_id, events[2].event_id]
    headers = dict(records[0].headers)
    assert headers["traceparent"] == b"00-abc-def-01"
    assert not any(k.startswith("x-dlq-") for k in headers)
    assert headers["x-redriven-from"].decode().startswith(topic + ".dlq/")
