"""The fault suite, short version (``make test``; ``make chaos`` runs it longer): a burst of REST
writes with Idempotency-Keys while PostgreSQL, reporting, the broker and the ledger (with its
relay) are killed with SIGKILL and restarted in turn. Afterwards every accepted write exists
exactly once in the ledger and once in reporting's figures (to the cent), and nothing is
dead-lettered. Prints a table: sent, accepted, lost, doubled, and the recovery time per fault.

``SOSENKI_CHAOS_OPERATIONS`` sets the size of the burst (default 200).
"""

from __future__ import annotations

import asyncio
import os
import random
import time
from collections import Counter
from collections.abc import Awaitable, Callable, Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import asyncpg
import httpx
import pytest
from sosenki_platform.dead_letter_desk import DeadLetterDesk, dead_letter_topics
from sosenki_platform.kafka_security import KafkaSecurity
from sosenki_platform.testing import ServiceProcess, eventually

from deploy.local.kafka import DisposableBroker
from deploy.local.postgres import DisposablePostgres

pytestmark = [pytest.mark.e2e, pytest.mark.timeout(900)]

OPERATIONS = int(os.environ.get("SOSENKI_CHAOS_OPERATIONS", "200"))
CONCURRENCY = 8


@pytest.fixture
def postgres() -> Iterator[DisposablePostgres]:
    server = DisposablePostgres()
    server.start()
    yield server
    server.stop()


@pytest.fixture
def broker(tmp_path: Path) -> Iterator[DisposableBroker]:
    broker = DisposableBroker(tmp_path / "kafka")
    broker.start()
    yield broker
    broker.stop()


async def _create_databases(postgres: DisposablePostgres, *names: str) -> None:
    conn = await asyncpg.connect(postgres.url())
    try:
        for name in names:
            await conn.execute(f'CREATE DATABASE "{name}"')
    finally:
        await conn.close()


async def _ready(service: ServiceProcess, probe: Callable[[dict[str, Any]], bool]) -> bool:
    try:
        async with httpx.AsyncClient(timeout=3) as client:
            response = await client.get(f"{service.url}/health/ready")
    except httpx.HTTPError:
        return False
    return response.status_code == 200 and probe(response.json())


def _always(_: dict[str, Any]) -> bool:
    return True


def _kafka_ok(body: dict[str, Any]) -> bool:
    return bool(body["checks"].get("kafka") == "ok")


async def test_a_burst_survives_kill_9_of_the_database_the_broker_and_the_services(
    postgres: DisposablePostgres, broker: DisposableBroker, start_service, make_token
) -> None:
    await _create_databases(postgres, "ledger", "reporting")
    # The throwaway broker is open (no SASL), whatever credentials the run uses.
    kafka = {
        "SOSENKI_KAFKA_BOOTSTRAP_SERVERS": broker.bootstrap,
        "SOSENKI_KAFKA_SECURITY_PROTOCOL": "PLAINTEXT",
        # One treasurer sends the whole burst: the per-user write limit is not under test here.
        "SOSENKI_WRITE_RATE_PER_SECOND": "0",
    }
    # Generous start-up time: this test shares two cores with whatever else runs.
    ledger = await start_service(
        "ledger", ready_timeout=180, SOSENKI_DATABASE_URL=postgres.url("ledger"), **kafka
    )
    reporting = await start_service(
        "reporting", ready_timeout=180, SOSENKI_DATABASE_URL=postgres.url("reporting"), **kafka
    )

    setup = httpx.AsyncClient(
        base_url=ledger.url, headers={"Authorization": f"Bearer {make_token(777)}"}, timeout=30
    )
    async with setup:
        cid = (await setup.post("/api/payments/communities", json={"name": "Chaos"})).json()["id"]
        setup.headers["Authorization"] = f"Bearer {make_token(777, communities=[cid])}"
        await setup.post(
            f"/api/payments/communities/{cid}/owners",
            json={"user_id": 777, "display_name": "Treasurer", "ownership_share": "1"},
        )
        period = await setup.post(
            "/api/payments/periods",
            json={"name": "Dec", "start_date": "2025-12-01", "end_date": "2025-12-31"},
        )
        period_id = period.json()["id"]
    token = make_token(777, communities=[cid])
    headers = {"Authorization": f"Bearer {token}"}
    contributions = f"/api/payments/periods/{period_id}/contributions"

    rng = random.Random(20261128)
    amounts = [Decimal(rng.randint(1, 500_000)) / 100 for _ in range(OPERATIONS)]
    accepted: dict[str, Decimal] = {}
    attempts = Counter[str]()
    done = 0

    async def operate(i: int, client: httpx.AsyncClient) -> None:
        nonlocal done
        key = f"chaos-{i}"
        body = {"user_id": 777, "amount": str(amounts[i]), "comment": key}
        deadline = time.monotonic() + 300
        while time.monotonic() < deadline:
            attempts[key] += 1
            try:
                response = await client.post(
                    f"{ledger.url}{contributions}",
                    json=body,
                    headers={**headers, "Idempotency-Key": key},
                )
            except httpx.HTTPError:  # the ledger is down: the same key again later
                await asyncio.sleep(0.5)
                continue
            if response.status_code == 201:
                accepted[key] = amounts[i]
                done += 1
                return
            assert response.status_code in (409, 503), response.text  # in progress / outage
            await asyncio.sleep(0.5)
        raise AssertionError(f"{key} never accepted")

    async def burst() -> None:
        queue: asyncio.Queue[int] = asyncio.Queue()
        for i in range(OPERATIONS):
            queue.put_nowait(i)

        async def worker() -> None:
            async with httpx.AsyncClient(timeout=15) as client:
                while not queue.empty():
                    await operate(queue.get_nowait(), client)

        await asyncio.gather(*(worker() for _ in range(CONCURRENCY)))

    recovery: dict[str, float] = {}

    async def fault(
        name: str,
        kill: Callable[[], None],
        restart: Callable[[], Awaitable[None]],
        recovered: Callable[[], Awaitable[bool]],
        down_for: float = 1.0,
    ) -> None:
        await asyncio.to_thread(kill)
        await asyncio.sleep(down_for)
        started = time.monotonic()
        await restart()
        await eventually(recovered, timeout=240, interval=0.2, what=f"recovery from {name}")
        recovery[name] = time.monotonic() - started

    def kill_process(service: ServiceProcess) -> Callable[[], None]:
        def kill() -> None:
            assert service.process is not None
            service.process.kill()
            service.process.wait(10)

        return kill

    def restart_process(service: ServiceProcess) -> Callable[[], Awaitable[None]]:
        async def restart() -> None:
            service.start()

        return restart

    async def threaded(action: Callable[[], None]) -> None:
        await asyncio.to_thread(action)

    async def faults() -> None:
        schedule: list[tuple[float, Callable[[], Awaitable[None]]]] = [
            (
                0.15,
                lambda: fault(
                    "postgresql",
                    postgres.kill,
                    lambda: threaded(postgres.start),
                    lambda: _ready(ledger, _always),
                ),
            ),
            (
                0.35,
                lambda: fault(
                    "reporting",
                    kill_process(reporting),
                    restart_process(reporting),
                    lambda: _ready(reporting, _always),
                ),
            ),
            (
                0.55,
                lambda: fault(
                    "kafka",
                    broker.kill,
                    lambda: threaded(broker.start),
                    lambda: _ready(ledger, _kafka_ok),
                ),
            ),
            (
                0.75,
                lambda: fault(
                    "ledger (and its relay)",
                    kill_process(ledger),
                    restart_process(ledger),
                    lambda: _ready(ledger, _always),
                ),
            ),
        ]
        for share, run in schedule:

            async def reached(share: float = share) -> bool:
                return done >= share * OPERATIONS

            await eventually(reached, timeout=600, interval=0.05, what=f"{share:.0%} done")
            await run()

    await asyncio.gather(burst(), faults())

    expected_total = sum(accepted.values(), Decimal("0"))
    async with httpx.AsyncClient(base_url=ledger.url, headers=headers, timeout=30) as api:
        recorded = (await api.get(contributions)).json()
    per_key = Counter(c["comment"] for c in recorded)
    lost = [k for k in accepted if per_key[k] == 0]
    doubled = [k for k, n in per_key.items() if n > 1]

    async with httpx.AsyncClient(base_url=reporting.url, headers=headers, timeout=30) as api:

        async def reporting_agrees() -> dict[str, str] | None:
            r = await api.get(f"/api/payments/periods/{period_id}/owner-balance/777")
            if r.status_code != 200:
                return None
            body: dict[str, str] = r.json()
            return body if Decimal(body["total_contributions"]) == expected_total else None

        balance = await eventually(reporting_agrees, timeout=180, what="reporting caught up")

    desk = DeadLetterDesk(
        broker.bootstrap,
        _prefix(ledger) + "reporting",  # consumer groups carry the topic prefix
        dead_letter_topics(_prefix(ledger)),
        KafkaSecurity(),  # the throwaway broker is open
    )
    dead = await desk.waiting()

    print("\nfault suite (short)")
    print(f"{'sent':>8} {'accepted':>9} {'lost':>5} {'doubled':>8} {'retries':>8}")
    retries = sum(attempts.values()) - len(attempts)
    print(f"{OPERATIONS:>8} {len(accepted):>9} {len(lost):>5} {len(doubled):>8} {retries:>8}")
    for name, seconds in recovery.items():
        print(f"  recovery after kill -9 of {name}: {seconds:.1f} s")
    assert len(accepted) == OPERATIONS
    assert (lost, doubled) == ([], [])
    assert sum(Decimal(c["amount"]) for c in recorded) == expected_total
    assert Decimal(balance["total_contributions"]) == expected_total
    assert dead == [], [(d.topic, d.offset, d.reason, d.error) for d in dead]
    assert set(recovery) == {"postgresql", "reporting", "kafka", "ledger (and its relay)"}


def _prefix(service: ServiceProcess) -> str:
    return service.env["SOSENKI_TOPIC_PREFIX"]
