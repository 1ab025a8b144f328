"""What this machine's PostgreSQL and Kafka can do without any service in between: the limits
every figure is divided by, measured in the same run."""

from __future__ import annotations

import asyncio
import time
import uuid
from typing import Any

import asyncpg
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer
from harness import latency_ms, percentile
from sosenki_platform.kafka_security import client_options
from sosenki_platform.testing import Infrastructure
from sosenki_platform.topic_admin import delete_topics_with_prefix, ensure_topics

#: A value about the size of a ledger event envelope on the wire.
PAYLOAD = (b'{"event_type":"ledger.contribution_recorded","payload":{"amount":"10.00"}}' * 9)[:700]


async def postgres_inserts(url: str, connections: int, seconds: float) -> dict[str, float]:
    """Single-row INSERT, each its own transaction (asyncpg autocommits), from ``connections``
    connections in a closed loop."""
    conns = [await asyncpg.connect(url) for _ in range(connections)]
    table = f"limit_{uuid.uuid4().hex[:8]}"
    await conns[0].execute(
        f"CREATE TABLE {table} (id bigserial PRIMARY KEY, owner_id bigint NOT NULL,"
        " amount numeric(14,2) NOT NULL, created_at timestamptz NOT NULL DEFAULT now())"
    )
    latencies: list[float] = []
    deadline = time.perf_counter() + seconds

    async def client(conn: Any, n: int) -> None:
        while time.perf_counter() < deadline:
            t0 = time.perf_counter()
            await conn.execute(f"INSERT INTO {table} (owner_id, amount) VALUES ($1, 10.00)", n)
            latencies.append(time.perf_counter() - t0)

    start = time.perf_counter()
    await asyncio.gather(*(client(c, n) for n, c in enumerate(conns)))
    elapsed = time.perf_counter() - start
    await conns[0].execute(f"DROP TABLE {table}")
    for conn in conns:
        await conn.close()
    return {"rate_per_s": round(len(latencies) / elapsed, 1), **latency_ms(latencies)}


async def postgres_round_trip(url: str, count: int) -> dict[str, float]:
    """``SELECT 1`` from one connection: the floor under any read."""
    conn = await asyncpg.connect(url)
    latencies = []
    for _ in range(count):
        t0 = time.perf_counter()
        await conn.fetchval("SELECT 1")
        latencies.append(time.perf_counter() - t0)
    await conn.close()
    return latency_ms(latencies)


async def kafka(bootstrap: str, messages: int, round_trips: int) -> dict[str, dict[str, float]]:
    """Produce ``messages`` (acks=all, idempotent, as the outbox relay does), consume them back,
    and time ``round_trips`` single messages from send to receipt."""
    prefix = f"benchlimit{uuid.uuid4().hex[:8]}."
    topic = prefix + "limit"
    await ensure_topics(bootstrap, [topic])
    options = client_options()
    producer = AIOKafkaProducer(
        bootstrap_servers=bootstrap, enable_idempotence=True, acks="all", **options
    )
    await producer.start()
    try:
        start = time.perf_counter()
        batch = []
        for n in range(messages):
            batch.append(await producer.send(topic, PAYLOAD, key=str(n % 64).encode()))
            if len(batch) >= 5000:
                await asyncio.gather(*batch)
                batch = []
        await asyncio.gather(*batch)
        produced = time.perf_counter() - start

        consumer = AIOKafkaConsumer(
            topic,
            bootstrap_servers=bootstrap,
            auto_offset_reset="earliest",
            enable_auto_commit=False,
            group_id=None,
            **options,
        )
        await consumer.start()
        try:
            got = 0
            start = time.perf_counter()
            while got < messages:
                for records in (await consumer.getmany(timeout_ms=500, max_records=5000)).values():
                    got += len(records)
            consumed = time.perf_counter() - start

            latencies = []
            for n in range(round_trips):
                t0 = time.perf_counter()
                await producer.send_and_wait(topic, b"ping", key=b"rt", partition=0)
                while True:
                    records = await consumer.getmany(timeout_ms=1000)
                    if any(r.value == b"ping" for rs in records.values() for r in rs):
                        break
                latencies.append(time.perf_counter() - t0)
                del n
        finally:
            await consumer.stop()
    finally:
        await producer.stop()
        await delete_topics_with_prefix(bootstrap, prefix)
    return {
        "kafka_produce": {"rate_per_s": round(messages / produced, 1)},
        "kafka_consume": {"rate_per_s": round(messages / consumed, 1)},
        "kafka_round_trip": {
            "p50_ms": round(percentile(latencies, 50) * 1000, 2),
            "p99_ms": round(percentile(latencies, 99) * 1000, 2),
        },
    }


async def measure(
    infra: Infrastructure,
    url: str,
    connections: int,
    seconds: float,
    messages: int,
    *,
    round_trips: int,
) -> dict[str, dict[str, float]]:
    out: dict[str, dict[str, float]] = {
        f"postgres_insert_commit_{connections}_connections": await postgres_inserts(
            url, connections, seconds
        ),
        "postgres_insert_commit_1_connection": await postgres_inserts(url, 1, seconds),
        "postgres_round_trip": await postgres_round_trip(url, 50 if seconds < 1 else 500),
    }
    out.update(await kafka(infra.kafka_bootstrap_servers, messages, round_trips))
    return out
