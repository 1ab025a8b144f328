"""SOSenki benchmarks: prints the figures and writes them to benchmarks/results/latest.json.

    make bench            (or: uv run python benchmarks/run.py)

- allocation: largest-remainder splits per second for 12 and 1,000 owners (pure CPU);
- outbox: events appended per second, and published per second by the relay to real Kafka
  (needs the local stack, which it starts through deploy/local/stack.py if it is not running);
- ledger balance sheet: milliseconds per read with 1,000 and 100,000 contributions in a period.
"""

from __future__ import annotations

import asyncio
import json
import os
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


def _stack_env() -> dict[str, str]:
    """The running local stack's environment; Kafka clients sign in as its admin."""
    env = dict(
        line.removeprefix("export ").split("=", 1)
        for line in (ROOT / ".local/stack.env").read_text().splitlines()
    )
    env = {key: value.strip("'\"") for key, value in env.items()}
    os.environ.update({k: v for k, v in env.items() if k.startswith("SOSENKI_KAFKA_")})
    return env


async def bench_outbox(events: int = 5000) -> dict[str, float]:
    from sosenki_contracts.envelope import EventEnvelope
    from sosenki_platform.db import Database
    from sosenki_platform.outbox import Outbox, OutboxRelay
    from sosenki_platform.tables import add_platform_tables
    from sosenki_platform.testing import create_database, database_url, drop_database
    from sosenki_platform.topic_admin import ensure_topics
    from sqlalchemy import MetaData

    env = _stack_env()
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


async def bench_balance_sheet(sizes: tuple[int, ...] = (1_000, 100_000)) -> dict[str, float]:
    """The ledger's balance sheet (SQL aggregates over a period's entries) as history grows:
    milliseconds per GET with ``size`` contributions in the period, through the real app."""
    import asyncpg
    from ledger.app import create_app
    from ledger.settings import Settings
    from sosenki_platform.auth.tokens import generate_keypair, mint_token
    from sosenki_platform.testing import create_database, database_url, drop_database, running_app

    env = _stack_env()
    admin, bootstrap = env["SOSENKI_PG_ADMIN_URL"], env["SOSENKI_KAFKA_BOOTSTRAP_SERVERS"]
    private, public = generate_keypair()
    out: dict[str, float] = {}
    for size in sizes:
        name = await create_database(admin, "bench_ledger")
        url = database_url(admin, name)
        settings = Settings(
            database_url=url,
            kafka_bootstrap_servers=bootstrap,
            topic_prefix=f"bench.{uuid.uuid4().hex[:8]}.",
            topic_partitions=1,
            auth_public_key=public,
        )
        try:
            async with running_app(create_app(settings)) as api:
                api.headers["Authorization"] = f"Bearer {mint_token(private, '1')}"
                cid = (await api.post("/api/payments/communities", json={"name": "B"})).json()["id"]
                api.headers["Authorization"] = (
                    f"Bearer {mint_token(private, '1', communities=[cid])}"
                )
                for user in range(1, 13):
                    await api.post(
                        f"/api/payments/communities/{cid}/owners",
                        json={"user_id": user, "display_name": f"O{user}", "ownership_share": "1"},
                    )
                period = (
                    await api.post(
                        "/api/payments/periods",
                        json={"name": "P", "start_date": "2025-11-01", "end_date": "2025-11-30"},
                    )
                ).json()["id"]
                conn = await asyncpg.connect(url)
                try:  # history straight into the table: the benchmark is the read, not the writes
                    await conn.execute(
                        "INSERT INTO contributions (period_id, community_id, owner_id, amount,"
                        " currency, date, created_by) SELECT $1, $2, 1 + (n % 12), 10.00, 'RUB',"
                        " now(), 'bench' FROM generate_series(1, $3) AS n",
                        period,
                        cid,
                        size,
                    )
                    await conn.execute("ANALYZE")
                finally:
                    await conn.close()
                path = f"/api/payments/periods/{period}/balance-sheet"
                assert (await api.get(path)).status_code == 200
                runs = 20
                start = time.perf_counter()
                for _ in range(runs):
                    sheet = (await api.get(path)).json()
                elapsed = time.perf_counter() - start
                assert sheet["total_period_balance"] == f"{size * 10}.00"
                out[f"ledger_balance_sheet_ms_{size}_entries"] = round(elapsed / runs * 1000, 2)
        finally:
            await drop_database(admin, name)
    return out


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
    figures.update(asyncio.run(bench_balance_sheet()))
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(figures, indent=2) + "\n")
    for key, value in figures.items():
        print(f"{key:45} {value}")
    print(f"\nwritten to {RESULTS.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
