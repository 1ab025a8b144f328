"""Probe of reporting's rebuild alone (issue 15, P4), with the machine's consume limit beside it.

Puts P4's shape of ledger events on a fresh topic prefix (a community, its owners and a period,
then contributions all keyed by the community, as the ledger keys them), reads them back with
aiokafka alone (the consume limit, ``raw_consume_per_s``), then runs ``python -m reporting
rebuild`` on a fresh database and reports the replay's own rate as the rebuild prints it.

Run against the already-running infrastructure (never starts or stops it):
    set -a; source /work/main/.local/stack.env; set +a
    uv run python benchmarks/probes/rebuild_probe.py --events 100000
``--profile FILE`` records the rebuild with py-spy (``--format raw`` when FILE ends in .txt,
speedscope otherwise).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import subprocess
import sys
import time
import uuid
from typing import Any

import asyncpg
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition
from aiokafka.admin import AIOKafkaAdminClient
from sosenki_contracts import topics
from sosenki_contracts.envelope import Actor, EventEnvelope
from sosenki_platform.kafka_security import client_options
from sosenki_platform.testing import create_database, database_url, drop_database
from sosenki_platform.topic_admin import delete_topics_with_prefix, ensure_topics

ACTOR = Actor(kind="user", id="1", display_name="Tanya")
OWNERS = 32


def _event(event_type: str, aggregate: int, **payload: Any) -> bytes:
    return EventEnvelope(
        event_type=event_type,
        producer="ledger",
        aggregate_id=str(aggregate),
        actor=ACTOR,
        payload=payload,
    ).to_json_bytes()


def _setup(cid: int, pid: int) -> list[bytes]:
    events = [
        _event(
            "ledger.community_created",
            cid,
            community_id=cid,
            name="Birches",
            base_currency="RUB",
            timezone="UTC",
        )
    ]
    for owner in range(1, OWNERS + 1):
        events.append(
            _event(
                "ledger.owner_added",
                cid,
                community_id=cid,
                owner_id=owner,
                user_id=owner,
                display_name=f"Owner {owner}",
                username=f"owner{owner}",
                ownership_share="1",
            )
        )
    events.append(
        _event(
            "ledger.period_created",
            pid,
            community_id=cid,
            period_id=pid,
            name="Nov",
            start_date="2025-11-01",
            end_date="2025-11-30",
            status="OPEN",
        )
    )
    return events


async def _produce(bootstrap: str, topic: str, key: bytes, cid: int, pid: int, n: int) -> None:
    producer = AIOKafkaProducer(
        bootstrap_servers=bootstrap, acks="all", linger_ms=20, **client_options()
    )
    await producer.start()
    try:
        for body in _setup(cid, pid):
            await producer.send(topic, body, key=key)
        template = json.loads(
            _event(
                "ledger.contribution_recorded",
                1,
                community_id=cid,
                period_id=pid,
                contribution_id=1,
                owner_id=1,
                amount="1500.50",
                currency="RUB",
                date="2025-11-15T10:00:00+00:00",
            )
        )
        pending = []
        for i in range(n):
            envelope = dict(template)
            envelope["event_id"] = str(uuid.uuid4())
            envelope["payload"] = {
                **template["payload"],
                "contribution_id": 10_000_000 + i,
                "owner_id": 1 + i % OWNERS,
                "amount": f"{1 + i % 997}.{i % 100:02d}",
            }
            pending.append(await producer.send(topic, json.dumps(envelope).encode(), key=key))
            if len(pending) >= 5000:
                await asyncio.gather(*pending)
                pending = []
        await asyncio.gather(*pending)
    finally:
        await producer.stop()


async def _raw_consume(bootstrap: str, prefix: str, count: int) -> float:
    consumer = AIOKafkaConsumer(
        bootstrap_servers=bootstrap,
        group_id=None,
        enable_auto_commit=False,
        auto_offset_reset="earliest",
        **client_options(),
    )
    await consumer.start()
    try:
        admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap, **client_options())
        await admin.start()
        try:
            described = await admin.describe_topics([prefix + n for n in topics.EVENT_TOPICS])
        finally:
            await admin.close()
        parts = [
            TopicPartition(t["topic"], p["partition"]) for t in described for p in t["partitions"]
        ]
        consumer.assign(parts)
        await consumer.seek_to_beginning(*parts)
        seen = 0
        start = time.perf_counter()
        while seen < count:
            batches = await consumer.getmany(timeout_ms=1000, max_records=5000)
            seen += sum(len(r) for r in batches.values())
        return seen / (time.perf_counter() - start)
    finally:
        await consumer.stop()


async def main(args: argparse.Namespace) -> dict[str, Any]:
    bootstrap = os.environ["SOSENKI_KAFKA_BOOTSTRAP_SERVERS"]
    admin_url = os.environ["SOSENKI_PG_ADMIN_URL"]
    prefix = f"rbprobe{uuid.uuid4().hex[:6]}."
    await ensure_topics(bootstrap, topics.EVENT_TOPICS, prefix=prefix)
    db_name = await create_database(admin_url, "probe_rebuild")
    url = database_url(admin_url, db_name)
    results: dict[str, Any] = {"events": args.events}
    try:
        cid, pid = 424242, 777
        await _produce(
            bootstrap, prefix + topics.LEDGER_EVENTS, str(cid).encode(), cid, pid, args.events
        )
        total = args.events + len(_setup(cid, pid))
        results["raw_consume_per_s"] = round(await _raw_consume(bootstrap, prefix, total))
        env = {
            **os.environ,
            "SOSENKI_DATABASE_URL": url,
            "SOSENKI_TOPIC_PREFIX": prefix,
            "SOSENKI_LOG_JSON": "true",
        }
        cmd = [sys.executable, "-m", "reporting", "rebuild"]
        if args.command:  # another way to run the rebuild (a diagnostic wrapper)
            cmd = [sys.executable, *args.command.split()]
        if args.profile:
            fmt = "raw" if args.profile.endswith(".txt") else "speedscope"
            idle = ["--idle"] if args.idle else []
            cmd = [
                "py-spy",
                "record",
                "--rate",
                "100",
                "--format",
                fmt,
                "--output",
                args.profile,
                *idle,
                "--",
                *cmd,
            ]
        started = time.perf_counter()
        out = await asyncio.to_thread(
            subprocess.run, cmd, env=env, capture_output=True, text=True, check=False
        )
        results["process_s"] = round(time.perf_counter() - started, 1)
        if out.returncode != 0:
            raise RuntimeError(out.stdout[-2000:] + out.stderr[-3000:])
        if args.command:
            print(out.stdout, out.stderr[-3000:])
            return results
        marker = "replayed in "
        seconds = float(out.stdout.split(marker, 1)[1].split(" s", 1)[0])
        results["replay_s"] = seconds
        results["replay_per_s"] = round(total / seconds)
        results["replay_cpu_s"] = float(out.stdout.split("events/s, ", 1)[1].split(" s", 1)[0])
        conn = await asyncpg.connect(url)
        try:
            results["inbox"] = await conn.fetchval("SELECT count(*) FROM inbox")
            results["audit_entries"] = await conn.fetchval("SELECT count(*) FROM audit_entries")
            results["audit_indexes"] = sorted(
                r["indexname"]
                for r in await conn.fetch(
                    "SELECT indexname FROM pg_indexes WHERE schemaname = 'public' "
                    "AND tablename IN ('audit_entries', 'inbox')"
                )
            )
            results["balances_sum"] = str(
                await conn.fetchval("SELECT sum(total_contributions) FROM owner_balances")
            )
        finally:
            await conn.close()
    finally:
        await delete_topics_with_prefix(bootstrap, prefix)
        await drop_database(admin_url, db_name)
    return results


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=100_000)
    parser.add_argument("--profile", default="")
    parser.add_argument(
        "--command", default="", help="python arguments in place of -m reporting rebuild"
    )
    parser.add_argument("--idle", action="store_true", help="profile waits too (py-spy --idle)")
    print(json.dumps(asyncio.run(main(parser.parse_args())), indent=1))
