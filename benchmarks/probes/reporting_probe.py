"""Quick probe of reporting's consumption and rebuild (issue 15, P2 and P4).

Puts ledger events on a fresh topic prefix with aiokafka, then measures, in the same run:
- ``raw``: aiokafka alone reading them (getmany, no group): the machine's consume limit;
- ``catchup``: a reporting process (``python -m reporting``, a fresh database and group) started
  after the events are on the topics, until every one has its audit entry: events/s;
- ``latency``: reporting running while events are produced at ``--rate`` per second: for each
  event, from the broker's acknowledgement to its audit entry being visible (p50/p99);
- ``rebuild``: ``reporting.rebuild.rebuild`` over the same topics: events/s.

Run against the already-running infrastructure (never starts or stops it):
    set -a; source /work/main/.local/stack.env; set +a
    uv run python benchmarks/probes/reporting_probe.py --events 20000 --rate 1000 --seconds 10
``--profile DIR`` records py-spy flame graphs of the reporting process and of the rebuild.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

import asyncpg
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition
from sosenki_contracts import topics
from sosenki_contracts.envelope import Actor, EventEnvelope
from sosenki_platform.kafka_security import client_options
from sosenki_platform.testing import (
    ServiceProcess,
    create_database,
    database_url,
    drop_database,
)
from sosenki_platform.topic_admin import delete_topics_with_prefix, ensure_topics

ACTOR = Actor(kind="user", id="1", display_name="Tanya")
OWNERS = 10


def _event(event_type: str, aggregate: int, **payload: Any) -> EventEnvelope:
    return EventEnvelope(
        event_type=event_type,
        producer="ledger",
        aggregate_id=str(aggregate),
        actor=ACTOR,
        payload=payload,
    )


class Workload:
    """Communities with owners and a period each, then contributions spread over them."""

    def __init__(self, communities: int) -> None:
        self.setup: list[tuple[int, EventEnvelope]] = []
        self.periods: dict[int, int] = {}
        for _ in range(communities):
            cid = random.randint(10**8, 10**9)
            self.setup.append(
                (
                    cid,
                    _event(
                        "ledger.community_created",
                        cid,
                        community_id=cid,
                        name="Birches",
                        base_currency="RUB",
                        timezone="UTC",
                    ),
                )
            )
            for owner in range(1, OWNERS + 1):
                self.setup.append(
                    (
                        cid,
                        _event(
                            "ledger.owner_added",
                            cid,
                            community_id=cid,
                            owner_id=owner,
                            user_id=owner,
                            display_name=f"Owner {owner}",
                            username=f"owner{owner}",
                            ownership_share="1",
                        ),
                    )
                )
            pid = random.randint(10**8, 10**9)
            self.periods[cid] = pid
            self.setup.append(
                (
                    cid,
                    _event(
                        "ledger.period_created",
                        pid,
                        community_id=cid,
                        period_id=pid,
                        name="Nov",
                        start_date="2025-11-01",
                        end_date="2025-11-30",
                        status="OPEN",
                    ),
                )
            )

    def contribution(self) -> tuple[int, EventEnvelope]:
        cid = random.choice(list(self.periods))
        contribution_id = random.randint(10**8, 10**12)
        return cid, _event(
            "ledger.contribution_recorded",
            contribution_id,
            community_id=cid,
            period_id=self.periods[cid],
            contribution_id=contribution_id,
            owner_id=random.randint(1, OWNERS),
            amount=f"{random.randint(1, 100000)}.50",
            currency="RUB",
            date="2025-11-15T10:00:00+00:00",
        )


async def _produce(producer: AIOKafkaProducer, topic: str, items: list[tuple[int, EventEnvelope]]):
    futures = [
        await producer.send(topic, e.to_json_bytes(), key=str(cid).encode()) for cid, e in items
    ]
    await asyncio.gather(*futures)


async def _raw_consume(bootstrap: str, topic: str, partition_count: int, count: int) -> float:
    consumer = AIOKafkaConsumer(
        bootstrap_servers=bootstrap,
        group_id=None,
        enable_auto_commit=False,
        auto_offset_reset="earliest",
        **client_options(),
    )
    await consumer.start()
    try:
        partitions = [TopicPartition(topic, p) for p in range(partition_count)]
        consumer.assign(partitions)
        await consumer.seek_to_beginning(*partitions)
        seen = 0
        start = time.perf_counter()
        while seen < count:
            batches = await consumer.getmany(timeout_ms=1000, max_records=5000)
            seen += sum(len(r) for r in batches.values())
        return seen / (time.perf_counter() - start)
    finally:
        await consumer.stop()


async def _count(conn: asyncpg.Connection) -> int:
    return int(await conn.fetchval("SELECT count(*) FROM audit_entries"))


async def _wait_for(conn: asyncpg.Connection, total: int, timeout: float) -> float:
    start = time.perf_counter()
    while await _count(conn) < total:
        if time.perf_counter() - start > timeout:
            raise RuntimeError(f"only {await _count(conn)} of {total} applied after {timeout}s")
        await asyncio.sleep(0.05)
    return time.perf_counter() - start


def _py_spy(pid: int, out: Path, seconds: int) -> subprocess.Popen[bytes]:
    command = ["py-spy", "record", "--pid", str(pid), "--duration", str(seconds)]
    command += ["--rate", "50", "--format", "speedscope", "--output", str(out)]
    return subprocess.Popen(
        command,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


def _pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


async def main(args: argparse.Namespace) -> dict[str, Any]:
    bootstrap = os.environ["SOSENKI_KAFKA_BOOTSTRAP_SERVERS"]
    admin_url = os.environ["SOSENKI_PG_ADMIN_URL"]
    prefix = f"probe{uuid.uuid4().hex[:6]}."
    topic = prefix + topics.LEDGER_EVENTS
    await ensure_topics(bootstrap, topics.ALL_TOPICS, prefix=prefix, partitions=args.partitions)
    db_name = await create_database(admin_url, "probe_reporting")
    url = database_url(admin_url, db_name)
    results: dict[str, Any] = {"events": args.events, "partitions": args.partitions}
    producer = AIOKafkaProducer(
        bootstrap_servers=bootstrap, acks="all", enable_idempotence=True, linger_ms=5,
        **client_options(),
    )  # fmt: skip
    await producer.start()
    env = {
        "SOSENKI_DATABASE_URL": url,
        "SOSENKI_KAFKA_BOOTSTRAP_SERVERS": bootstrap,
        "SOSENKI_TOPIC_PREFIX": prefix,
        "SOSENKI_TOPIC_PARTITIONS": str(args.partitions),
        "SOSENKI_LOG_JSON": "true",
        "SOSENKI_LOG_LEVEL": "WARNING",
        "SOSENKI_CONSUMER_LAG_INTERVAL_SECONDS": "0",
    }
    profile = Path(args.profile) if args.profile else None
    if profile:
        profile.mkdir(parents=True, exist_ok=True)
    service = ServiceProcess("reporting", env, Path(tempfile.gettempdir()) / "reporting-probe")
    conn = await asyncpg.connect(url)
    try:
        work = Workload(args.communities)
        contributions = [work.contribution() for _ in range(args.events)]
        await _produce(producer, topic, work.setup + contributions)
        total = len(work.setup) + len(contributions)
        results["catchup_events"] = total
        raw = await _raw_consume(bootstrap, topic, args.partitions, total)
        results["raw_consume_per_s"] = round(raw)

        started = time.perf_counter()
        service.start()
        await service.wait_ready(120)
        results["startup_s"] = round(time.perf_counter() - started, 1)
        spy = None
        if profile and service.process:
            spy = _py_spy(service.process.pid, profile / "catchup.json", 20)
        took = await _wait_for(conn, total, args.timeout)
        results["catchup_per_s"] = round(total / took)
        if spy:
            spy.wait()

        if args.seconds > 0:
            sent_at: dict[str, float] = {}
            seen_at: dict[str, float] = {}
            last = int(await conn.fetchval("SELECT coalesce(max(entry_id), 0) FROM audit_entries"))

            async def watch(stop: asyncio.Event) -> None:
                nonlocal last
                while not stop.is_set() or len(seen_at) < len(sent_at):
                    rows = await conn.fetch(
                        "SELECT entry_id, event_id FROM audit_entries WHERE entry_id > $1", last
                    )
                    now = time.perf_counter()
                    for r in rows:
                        seen_at[r["event_id"]] = now
                        last = max(last, r["entry_id"])
                    await asyncio.sleep(0.01)

            async def acked(fut: asyncio.Future[Any], event_id: str) -> None:
                await fut
                sent_at[event_id] = time.perf_counter()

            stop = asyncio.Event()
            watcher = asyncio.create_task(watch(stop))
            spy = None
            if profile and service.process:
                spy = _py_spy(service.process.pid, profile / "latency.json", int(args.seconds))
            pending = []
            start = time.perf_counter()
            n = int(args.rate * args.seconds)
            for i in range(n):
                due = start + i / args.rate
                delay = due - time.perf_counter()
                if delay > 0:
                    await asyncio.sleep(delay)
                cid, event = work.contribution()
                fut = await producer.send(topic, event.to_json_bytes(), key=str(cid).encode())
                pending.append(asyncio.create_task(acked(fut, str(event.event_id))))
            await asyncio.gather(*pending)
            results["latency_rate_achieved"] = round(n / (time.perf_counter() - start))
            stop.set()
            await asyncio.wait_for(watcher, args.timeout)
            lat = [(seen_at[k] - sent_at[k]) * 1000 for k in sent_at]
            # By send time: steady figures mean a fixed delay, growing ones falling behind.
            in_order = [(seen_at[k] - sent_at[k]) * 1000 for k in sorted(sent_at, key=sent_at.get)]
            third = max(1, len(in_order) // 3)
            results["latency_p50_first_last_third_ms"] = [
                round(_pct(in_order[:third], 0.5)),
                round(_pct(in_order[-third:], 0.5)),
            ]
            results["latency_ms"] = {
                "p50": round(_pct(lat, 0.5)),
                "p99": round(_pct(lat, 0.99)),
                "max": round(max(lat)),
            }
            total += n
            if spy:
                spy.wait()

        service.stop()
        if not args.skip_rebuild:
            cmd = [sys.executable, "-m", "reporting", "rebuild"]
            started = time.perf_counter()
            if profile:
                cmd = ["py-spy", "record", "--rate", "50", "--format", "speedscope",
                       "--output", str(profile / "rebuild.json"), "--", *cmd]  # fmt: skip
            out = await asyncio.to_thread(
                subprocess.run,
                cmd,
                env={**os.environ, **env},
                capture_output=True,
                text=True,
                check=False,
            )
            took = time.perf_counter() - started
            if out.returncode != 0:
                raise RuntimeError(out.stdout[-2000:] + out.stderr[-2000:])
            results["rebuild_events"] = total
            results["rebuild_s"] = round(took, 1)
            results["rebuild_per_s"] = round(total / took)
            results["rebuild_output"] = out.stdout.strip()[-300:]
            # The replay alone (the process's start-up and migrations aside), as rebuild prints it.
            marker = "replayed in "
            if marker in out.stdout:
                seconds = float(out.stdout.split(marker, 1)[1].split(" s", 1)[0])
                results["rebuild_replay_s"] = seconds
                results["rebuild_replay_per_s"] = round(total / seconds) if seconds else None
            chains = await conn.fetch("SELECT chain FROM audit_heads")
            results["chains"] = len(chains)
    finally:
        service.stop()
        await conn.close()
        await producer.stop()
        await delete_topics_with_prefix(bootstrap, prefix)
        await drop_database(admin_url, db_name)
    return results


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=5000)
    parser.add_argument("--communities", type=int, default=20)
    parser.add_argument("--partitions", type=int, default=6)
    parser.add_argument("--rate", type=float, default=1000)
    parser.add_argument("--seconds", type=float, default=0)
    parser.add_argument("--timeout", type=float, default=600)
    parser.add_argument("--skip-rebuild", action="store_true")
    parser.add_argument("--profile", default="")
    print(json.dumps(asyncio.run(main(parser.parse_args())), indent=1))
