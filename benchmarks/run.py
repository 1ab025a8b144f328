"""SOSenki benchmarks: prints the figures and writes them to benchmarks/results/latest.json.

    make bench            (or: uv run python benchmarks/run.py)

- allocation: largest-remainder splits per second for 12 and 1,000 owners (pure CPU);
- outbox: events appended per second, and published per second by the relay to real Kafka
  (needs the local stack, which it starts through deploy/local/stack.py if it is not running).
"""

from __future__ import annotations

import asyncio
import json
import platform
import subprocess
import sys
import time
import uuid
from decimal import Decimal
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "benchmarks" / "results" / "latest.json"


def bench_allocation() -> dict[str, float]:
    from sosenki_contracts.allocation import allocate

    out: dict[str, float] = {}
    for owners in (12, 1000):
        weights = [(i, Decimal(i % 7 + 1) / Decimal(3)) for i in range(1, owners + 1)]
        total = Decimal("123456.78")
        runs = 20000 // owners * 10 or 10
        start = time.perf_counter()
        for _ in range(runs):
            parts = allocate(total, weights)
        elapsed = time.perf_counter() - start
        assert sum(parts.values()) == total
        out[f"allocations_per_second_{owners}_owners"] = round(runs / elapsed, 1)
    return out


async def bench_outbox(events: int = 5000) -> dict[str, float]:
    from sosenki_contracts.envelope import EventEnvelope
    from sosenki_platform.db import Database
    from sosenki_platform.outbox import Outbox, OutboxRelay
    from sosenki_platform.tables import add_platform_tables
    from sosenki_platform.testing import create_database, database_url, drop_database
    from sosenki_platform.topic_admin import ensure_topics
    from sqlalchemy import MetaData

    env = dict(
        line.removeprefix("export ").split("=", 1)
        for line in (ROOT / ".local/stack.env").read_text().splitlines()
    )
    admin, bootstrap = env["SOSENKI_PG_ADMIN_URL"], env["SOSENKI_KAFKA_BOOTSTRAP_SERVERS"]
    topic = f"bench.{uuid.uuid4().hex[:8]}.events.v1"
    await ensure_topics(bootstrap, [topic])
    metadata = MetaData()
    tables = add_platform_tables(metadata)
    name = await create_database(admin, "bench")
    db = Database(database_url(admin, name))
    try:
        async with db.engine.begin() as conn:
            await conn.run_sync(metadata.create_all)
        outbox = Outbox(tables, lambda t: t)
        start = time.perf_counter()
        for batch in range(events // 100):
            async with db.transaction() as session:
                for n in range(100):
                    await outbox.append(
                        session,
                        topic,
                        EventEnvelope(
                            event_type="bench.happened",
                            producer="bench",
                            aggregate_id=str((batch * 100 + n) % 50),
                            payload={"n": n, "amount": "100.00"},
                        ),
                    )
        appended = time.perf_counter() - start
        relay = OutboxRelay(db, tables, bootstrap, "bench", batch_size=500)
        start = time.perf_counter()
        published = 0
        while (count := await relay.publish_batch()) > 0:
            published += count
        relayed = time.perf_counter() - start
        await relay.stop()
        assert published == events
        return {
            "outbox_appends_per_second": round(events / appended, 1),
            "relay_publishes_per_second": round(events / relayed, 1),
        }
    finally:
        await db.dispose()
        await drop_database(admin, name)


def main() -> None:
    figures: dict[str, Any] = {
        "machine": {"python": platform.python_version(), "cpus": __import__("os").cpu_count()},
        "when": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
    }
    figures.update(bench_allocation())
    subprocess.run(
        [sys.executable, str(ROOT / "deploy/local/stack.py"), "infra-up"],
        check=True,
        capture_output=True,
    )
    figures.update(asyncio.run(bench_outbox()))
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(figures, indent=2) + "\n")
    for key, value in figures.items():
        print(f"{key:45} {value}")
    print(f"\nwritten to {RESULTS.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
