"""Quick probe of P5 (recurring: many occurrences due at once); not the official harness.

Runs the recurring app in this process on a fresh database and its own topic prefix, makes
``--patterns`` daily patterns (one through the API, the rest copied in SQL), jumps the clock so
``--per-pattern`` occurrences of each are due, and times the two stages apart:

- the scheduler: ``Scheduler.tick()`` until every occurrence and outbox row is committed;
- the relay: from then until the outbox has nothing left to publish.

    set -a; source /work/main/.local/stack.env; set +a
    uv run python benchmarks/probes/recurring_probe.py [--patterns 1000 --per-pattern 100]

Profile it with py-spy: ``uv tool run py-spy record -f raw -o out.txt -- uv run python …``.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import time
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import asyncpg
from recurring.app import create_app
from recurring.settings import Settings
from sosenki_platform.auth.tokens import generate_keypair, mint_token
from sosenki_platform.testing import create_database, database_url, drop_database, running_app
from sosenki_platform.topic_admin import delete_topics_with_prefix
from sosenki_platform.use_case import ManualClock


def pattern(n: int) -> dict[str, Any]:
    return {
        "name": f"Fee {n}",
        "frequency": "DAILY",
        "start_date": "2027-01-01",
        "timezone": "UTC",
        "target": {
            "kind": "ledger_charge",
            "community_id": 1,
            "owner_ids": [n + 1],
            "amount": "10.00",
            "description": "Fee {month}",
        },
    }


async def main(args: argparse.Namespace) -> None:
    admin = os.environ["SOSENKI_PG_ADMIN_URL"]
    bootstrap = os.environ["SOSENKI_KAFKA_BOOTSTRAP_SERVERS"]
    name = await create_database(admin, "probe_recurring")
    url = database_url(admin, name)
    prefix = f"probe{uuid.uuid4().hex[:8]}."
    private, public = generate_keypair()
    settings = Settings(
        database_url=url,
        kafka_bootstrap_servers=bootstrap,
        topic_prefix=prefix,
        auth_public_key=public,
        scheduler_enabled=False,
    )
    start = datetime(2027, 1, 1, tzinfo=UTC)
    clock = ManualClock(start - timedelta(days=1))
    app = create_app(settings, clock)
    try:
        async with running_app(app) as client:
            client.headers["Authorization"] = f"Bearer {mint_token(private, '1')}"
            made = await client.post("/api/recurring/patterns", json=pattern(0))
            assert made.status_code == 201, made.text
            conn = await asyncpg.connect(url)
            try:
                await conn.execute(
                    """INSERT INTO patterns (id, name, frequency, interval, days_of_week,
                           start_date, time_of_day, timezone, end_date, max_occurrences, catch_up,
                           target, status, next_number, next_due_at, source, actor, created_by)
                       SELECT gen_random_uuid(), name || n, frequency, interval, days_of_week,
                           start_date, time_of_day, timezone, end_date, max_occurrences, catch_up,
                           target, status, next_number, next_due_at, NULL, actor, created_by
                       FROM patterns, generate_series(1, $1) AS n""",
                    args.patterns - 1,
                )
                await conn.execute("UPDATE outbox SET published_at = now()")
                scheduler = app.state.scheduler
                clock.set(start + timedelta(days=args.per_pattern - 1, hours=12))
                t0 = time.perf_counter()
                while await scheduler.tick():
                    pass
                app.state.runtime.relay.notify()
                t1 = time.perf_counter()
                occurrences = await conn.fetchval("SELECT count(*) FROM occurrences")
                odd = await conn.fetchval(
                    "SELECT count(*) FROM occurrences WHERE jsonb_typeof(payload) <> 'object'"
                )
                odd += await conn.fetchval(
                    "SELECT count(*) FROM outbox WHERE jsonb_typeof(envelope) <> 'object'"
                )
                assert odd == 0, f"{odd} rows whose JSON is not an object"
                rows = await conn.fetchval("SELECT count(*) FROM outbox WHERE published_at IS NULL")
                took = t1 - t0
                print(
                    f"scheduler: {occurrences:,} occurrences, {rows:,} outbox rows in {took:.2f} s"
                )
                pending = "SELECT count(*) FROM outbox WHERE published_at IS NULL"
                while await conn.fetchval(pending):  # noqa: ASYNC110 - another writer's table
                    await asyncio.sleep(0.05)
                t2 = time.perf_counter()
                print(
                    f"relay: {rows:,} rows in {t2 - t1:.2f} s ({rows / (t2 - t1):,.0f}/s); "
                    f"total {t2 - t0:.2f} s"
                )
            finally:
                await conn.close()
    finally:
        await delete_topics_with_prefix(bootstrap, prefix)
        await drop_database(admin, name)


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--patterns", type=int, default=1000)
    parser.add_argument("--per-pattern", type=int, default=100)
    asyncio.run(main(parser.parse_args()))
