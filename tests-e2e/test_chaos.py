"""The fault suite (issue 12): a burst of mixed operations while everything is killed with SIGKILL
and restarted in turn, then a check that nothing was lost or doubled anywhere.

The operations, each retried the way a real client retries until it is accepted:
- REST writes with an ``Idempotency-Key``: ledger contributions and splits expenses;
- Kafka commands with a ``command_id`` (``ledger.record_contribution``,
  ``splits.create_expense``), sent again with the same id when the broker is away;
- Telegram updates (``/start`` from a new person each) on the bot gateway's webhook, answered
  through the fake Bot API; Telegram's own retry rule (again until a 2xx) is what the client does.

The faults, in turn, mid-burst: the broker; the ledger's outbox relay with its first batch after
the broker outage on the topic and not yet marked published (the test holds a row lock that makes
the relay's "mark published" wait, and kills the ledger the moment the batch lands); PostgreSQL
(every service's database); then, in the full run, the ledger, splits, recurring, the bot
gateway, reporting, the gateway again and reporting again, one after another; in the short run
all five services at once.

Afterwards: every accepted write exists exactly once in its service and once in reporting
(its audit log and read model); the ledger's balance sheet and splits' balances equal
reporting's to the cent; every Telegram update was answered exactly once (or its answer is
``in_doubt`` in the gateway's queue, which its README allows after a kill mid-send); every audit
chain verifies; no service has a dead letter. A table shows, per kind of operation: sent,
accepted, lost, doubled, retries; and per fault: how long it took until the service was ready
again and until each kind of operation was accepted again.

``SOSENKI_CHAOS_OPERATIONS`` sets the size of the burst (200 in ``make test``); from 1,000 on (or
with ``SOSENKI_CHAOS_FULL=1``) every fault comes in turn. ``make chaos`` runs 10,000 and writes
``benchmarks/results/chaos-<date>.json`` (``SOSENKI_CHAOS_RESULTS``).
"""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import logging
import os
import random
import subprocess
import time
from collections import Counter
from collections.abc import Awaitable, Callable, Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

import asyncpg
import httpx
import pytest
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition
from aiokafka.errors import KafkaError
from bot_gateway.fake_telegram import FakeTelegram
from bot_gateway.testing import SECRET, Person, message_update, private_chat
from sosenki_contracts import topics
from sosenki_contracts.envelope import Actor, CommandEnvelope
from sosenki_platform.dead_letter_desk import DeadLetterDesk, dead_letter_topics
from sosenki_platform.kafka_security import KafkaSecurity
from sosenki_platform.testing import ServiceProcess, eventually

from deploy.local.kafka import DisposableBroker
from deploy.local.postgres import DisposablePostgres

OPERATIONS = int(os.environ.get("SOSENKI_CHAOS_OPERATIONS", "200"))
RESULTS_DIR = os.environ.get("SOSENKI_CHAOS_RESULTS", "")
#: The full run kills reporting and the gateway twice; the short one (in ``make test``) once.
FULL = OPERATIONS >= 1000 or os.environ.get("SOSENKI_CHAOS_FULL") == "1"

pytestmark = [pytest.mark.e2e, pytest.mark.timeout(3600 if FULL else 900)]

TREASURER, MEMBERS = 777, (778, 779)
BOT_TOKEN = "987654:chaos-token"

LEDGER_REST, SPLITS_REST = "ledger REST", "splits REST"
LEDGER_COMMAND, SPLITS_COMMAND = "ledger command", "splits command"
TELEGRAM = "telegram update"
#: The mix of the burst: kind of operation and its share.
MIX = {LEDGER_REST: 30, SPLITS_REST: 20, LEDGER_COMMAND: 20, SPLITS_COMMAND: 15, TELEGRAM: 15}
SERVICES = ("ledger", "splits", "recurring", "bot_gateway", "reporting")
#: Concurrent clients per kind of operation, and how far (a share of its operations) a kind may
#: run ahead of the whole burst.
WORKERS = {LEDGER_REST: 4, SPLITS_REST: 3, LEDGER_COMMAND: 2, SPLITS_COMMAND: 2, TELEGRAM: 2}
PACE_LEAD = 0.1
#: How long the services may take to catch up after the burst (reporting took four minutes after
#: a 10,000-operation burst on a busy 2-core machine).
CATCH_UP = 900 if FULL else 300


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


@pytest.fixture(autouse=True)
def quiet_kafka_clients() -> Iterator[None]:
    """The test's own Kafka clients complain on every retry while the broker is down."""
    logger = logging.getLogger("aiokafka")
    level = logger.level
    logger.setLevel(logging.CRITICAL)
    yield
    logger.setLevel(level)


@pytest.fixture
async def fake_telegram() -> Any:
    fake = await FakeTelegram().start()
    yield fake
    await fake.stop()


@dataclass
class Operation:
    index: int
    kind: str
    key: str
    amount: Decimal


@dataclass
class Tally:
    """What happened to one kind of operation."""

    sent: int = 0
    accepted: list[str] = field(default_factory=list)
    attempts: int = 0
    unexpected: list[str] = field(default_factory=list)  # answers a client must never get
    # (attempt started, accepted) per accepted operation, for the recovery times
    timings: list[tuple[float, float]] = field(default_factory=list)
    failed_at: list[float] = field(default_factory=list)  # attempts that were not accepted
    attempted_at: list[float] = field(default_factory=list)
    in_flight: int = 0


@dataclass
class Fault:
    name: str
    killed_at: float = 0.0
    down_seconds: float = 0.0
    restarted_at: float = 0.0
    ready_seconds: float = 0.0
    note: str = ""


async def _create_databases(postgres: DisposablePostgres, *names: str) -> None:
    conn = await asyncpg.connect(postgres.url())
    try:
        for name in names:
            await conn.execute(f'CREATE DATABASE "{name}"')
    finally:
        await conn.close()


async def _query(postgres: DisposablePostgres, db: str, sql: str, *args: Any) -> list[Any]:
    conn = await asyncpg.connect(postgres.url(db))
    try:
        return list(await conn.fetch(sql, *args))
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


async def _end_offset(bootstrap: str, topic: str, above: int = -1, timeout: float = 60) -> int:
    """The topic's total end offset once it is above ``above`` (polled every 10 ms through one
    client, so a relay's batch is caught as it starts to land), waiting out a broker that does
    not answer yet."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        consumer = AIOKafkaConsumer(bootstrap_servers=bootstrap, request_timeout_ms=2000)
        try:
            await asyncio.wait_for(consumer.start(), 5)
            consumer._client.add_topic(topic)  # partitions_for_topic needs its metadata
            await asyncio.wait_for(consumer._client.force_metadata_update(), 5)
            partitions = [TopicPartition(topic, p) for p in consumer.partitions_for_topic(topic)]
            while time.monotonic() < deadline:
                ends = await asyncio.wait_for(consumer.end_offsets(partitions), 5)
                end = sum(int(offset) for offset in ends.values())
                if end > above:
                    return end
                await asyncio.sleep(0.01)
        except (KafkaError, TimeoutError, OSError, TypeError):  # not back yet
            await asyncio.sleep(0.1)
        finally:
            await consumer.stop()
    raise AssertionError(f"{topic} did not grow above {above} in {timeout}s")


async def _republished(bootstrap: str, topic: str) -> int:
    """How many records on the topic repeat an event already there (a relay killed mid-batch
    publishes its batch again: consumers must not care)."""
    consumer = AIOKafkaConsumer(
        topic, bootstrap_servers=bootstrap, auto_offset_reset="earliest", enable_auto_commit=False
    )
    await consumer.start()
    seen: Counter[str] = Counter()
    try:
        idle = 0
        while idle < 3:
            batch = await consumer.getmany(timeout_ms=500, max_records=5000)
            if not batch:
                idle += 1
                continue
            idle = 0
            for records in batch.values():
                for record in records:
                    seen[json.loads(record.value)["event_id"]] += 1
    finally:
        await consumer.stop()
    return sum(n - 1 for n in seen.values())


async def test_a_burst_survives_kill_9_of_everything_in_turn(
    postgres: DisposablePostgres,
    broker: DisposableBroker,
    fake_telegram: FakeTelegram,
    start_service: Any,
    make_token: Any,
    signing_keys: tuple[str, str],
) -> None:
    began = time.monotonic()

    def say(what: str) -> None:
        print(f"[{time.monotonic() - began:6.1f} s] {what}", flush=True)

    databases = {name: name.replace("_", "") for name in SERVICES}
    await _create_databases(postgres, *databases.values())
    common = {
        # The throwaway broker is open (no SASL), whatever credentials the run uses.
        "SOSENKI_KAFKA_BOOTSTRAP_SERVERS": broker.bootstrap,
        "SOSENKI_KAFKA_SECURITY_PROTOCOL": "PLAINTEXT",
        # A few clients send the whole burst: the per-user write limit is not under test here.
        "SOSENKI_WRITE_RATE_PER_SECOND": "0",
    }

    def env(name: str) -> dict[str, str]:
        return {**common, "SOSENKI_DATABASE_URL": postgres.url(databases[name])}

    # Generous start-up times: this test shares two cores with whatever else runs.
    ledger, splits, recurring, reporting = await asyncio.gather(
        *(start_service(n, ready_timeout=240, **env(n)) for n in SERVICES if n != "bot_gateway")
    )
    gateway = await start_service(
        "bot_gateway",
        ready_timeout=240,
        SOSENKI_TELEGRAM_BOT_TOKEN=BOT_TOKEN,
        SOSENKI_TELEGRAM_API_BASE=fake_telegram.base_url,
        SOSENKI_TELEGRAM_WEBHOOK_SECRET=SECRET,
        SOSENKI_TELEGRAM_WEBHOOK_URL="https://gateway.example/telegram/webhook",
        SOSENKI_AUTH_PRIVATE_KEY=signing_keys[0],
        SOSENKI_LEDGER_URL=ledger.url,
        SOSENKI_SPLITS_URL=splits.url,
        SOSENKI_REPORTING_URL=reporting.url,
        **env("bot_gateway"),
    )
    say("five services ready")
    prefix = ledger.env["SOSENKI_TOPIC_PREFIX"]
    processes = {
        "ledger": ledger,
        "splits": splits,
        "recurring": recurring,
        "bot-gateway": gateway,
        "reporting": reporting,
    }

    # The treasurer's community and period, and a flat of three sharing costs.
    setup = httpx.AsyncClient(
        headers={"Authorization": f"Bearer {make_token(TREASURER)}"}, timeout=30
    )
    async with setup:
        r = await setup.post(f"{ledger.url}/api/payments/communities", json={"name": "Chaos"})
        cid = r.json()["id"]
        r = await setup.post(
            f"{splits.url}/groups", json={"name": "Chaos flat", "base_currency": "RUB"}
        )
        gid = r.json()["id"]
        setup.headers["Authorization"] = (
            f"Bearer {make_token(TREASURER, communities=[cid], groups=[gid])}"
        )
        r = await setup.post(
            f"{ledger.url}/api/payments/communities/{cid}/owners",
            json={"user_id": TREASURER, "display_name": "Treasurer", "ownership_share": "1"},
        )
        assert r.status_code == 201, r.text
        r = await setup.post(
            f"{ledger.url}/api/payments/periods",
            json={"name": "Dec", "start_date": "2025-12-01", "end_date": "2025-12-31"},
        )
        assert r.status_code == 201, r.text
        period_id = r.json()["id"]
        for member in MEMBERS:
            r = await setup.post(f"{splits.url}/groups/{gid}/members", json={"user_id": member})
            assert r.status_code == 201, r.text
    headers = {"Authorization": f"Bearer {make_token(TREASURER, communities=[cid], groups=[gid])}"}
    admin = {"Authorization": f"Bearer {make_token('chaos-operator', roles=['admin'])}"}

    rng = random.Random(20261128)
    kinds = rng.choices(list(MIX), weights=list(MIX.values()), k=OPERATIONS)
    operations = [
        Operation(
            i,
            kind,
            f"chaos-{kind.split()[0]}-{kind.split()[1]}-{i}",
            Decimal(rng.randint(1, 500_000)) / 100,
        )
        for i, kind in enumerate(kinds)
    ]
    tallies = {kind: Tally() for kind in MIX}
    done = begun = 0  # operations finished, and started
    # Operations may start only up to the next fault's turn until that fault has begun, so that
    # every fault meets a burst still going (a short burst would otherwise end before them).
    gate = 0
    producer = AIOKafkaProducer(
        bootstrap_servers=broker.bootstrap, enable_idempotence=True, request_timeout_ms=10_000
    )
    await producer.start()

    def command(op: Operation) -> tuple[str, bytes, bytes]:
        if op.kind == LEDGER_COMMAND:
            topic, command_type, key = (
                topics.LEDGER_COMMANDS,
                "ledger.record_contribution",
                period_id,
            )
            payload: dict[str, Any] = {
                "period_id": period_id,
                "owner_id": TREASURER,
                "amount": str(op.amount),
                "comment": op.key,
            }
        else:
            topic, command_type, key = topics.SPLITS_COMMANDS, "splits.create_expense", gid
            payload = {"description": op.key, "total_amount": str(op.amount), "group_id": gid}
        envelope = CommandEnvelope(
            command_id=op.key,
            command_type=command_type,
            issuer="bot-gateway",  # the chat front end sends both on a user's behalf
            correlation_id=op.key,
            actor=Actor(kind="user", id=str(TREASURER)),
            payload=payload,
        )
        return prefix + topic, str(key).encode(), envelope.to_json_bytes()

    def person(op: Operation) -> Person:
        return Person(900_000_000 + op.index, f"Guest{op.index}", f"guest_{op.index}")

    async def attempt(op: Operation, client: httpx.AsyncClient) -> bool | None:
        """True when accepted, False to try again, None to give up (a refusal)."""
        tally = tallies[op.kind]
        if op.kind in (LEDGER_COMMAND, SPLITS_COMMAND):
            topic, key, value = command(op)
            try:
                await asyncio.wait_for(producer.send_and_wait(topic, value, key=key), 15)
            except (KafkaError, TimeoutError):  # the broker is away: the same command again
                return False
            return True
        if op.kind == TELEGRAM:
            url, body = (
                f"{gateway.url}/telegram/webhook",
                message_update(person(op), private_chat(person(op)), "/start"),
            )
            body["update_id"] = 10_000_000 + op.index  # Telegram resends the same update
            extra = {"X-Telegram-Bot-Api-Secret-Token": SECRET}
            ok = 200
        elif op.kind == LEDGER_REST:
            url = f"{ledger.url}/api/payments/periods/{period_id}/contributions"
            body = {"user_id": TREASURER, "amount": str(op.amount), "comment": op.key}
            extra = {**headers, "Idempotency-Key": op.key}
            ok = 201
        else:
            url = f"{splits.url}/financials/expenses"
            body = {"description": op.key, "total_amount": str(op.amount), "group_id": gid}
            extra = {**headers, "Idempotency-Key": op.key}
            ok = 201
        try:
            response = await client.post(url, json=body, headers=extra)
        except httpx.HTTPError:  # the service is down: the same request again later
            return False
        if response.status_code == ok:
            return True
        if response.status_code in (409, 503):  # still in progress / an outage said so
            return False
        tally.unexpected.append(f"{op.key}: {response.status_code} {response.text[:200]}")
        return False if response.status_code >= 500 else None

    async def operate(op: Operation, client: httpx.AsyncClient) -> None:
        nonlocal done, begun
        begun += 1
        tally = tallies[op.kind]
        tally.sent += 1
        tally.in_flight += 1
        deadline = time.monotonic() + 600
        while time.monotonic() < deadline:
            tally.attempts += 1
            started = time.monotonic()
            tally.attempted_at.append(started)
            outcome = await attempt(op, client)
            if not outcome:
                tally.failed_at.append(time.monotonic())
            if outcome is None:
                break
            if outcome:
                tally.accepted.append(op.key)
                tally.timings.append((started, time.monotonic()))
                break
            await asyncio.sleep(0.5)
        tally.in_flight -= 1
        done += 1

    queues = {kind: [op for op in reversed(operations) if op.kind == kind] for kind in MIX}

    async def burst() -> None:
        """Each kind has workers of its own, so an outage of one service stalls only what needs
        it. Kinds keep pace with the whole (at most ``PACE_LEAD`` ahead of it), so every kind is
        still being sent when the later faults come."""
        totals = {kind: max(1, len(queue)) for kind, queue in queues.items()}
        finished: Counter[str] = Counter()

        async def worker(kind: str) -> None:
            async with httpx.AsyncClient(timeout=15) as client:
                while queues[kind]:
                    ahead = finished[kind] / totals[kind] > done / OPERATIONS + PACE_LEAD
                    if ahead or begun >= gate:  # let the others (or the next fault) catch up
                        await asyncio.sleep(0.05)
                        continue
                    await operate(queues[kind].pop(), client)
                    finished[kind] += 1

        await asyncio.gather(*(worker(k) for k, n in WORKERS.items() for _ in range(n)))

    faults: list[Fault] = []

    async def fault(
        name: str,
        kill: Callable[[], Awaitable[None]],
        restart: Callable[[], Awaitable[None]],
        recovered: Callable[[], Awaitable[bool]],
        down_for: float = 1.0,
    ) -> Fault:
        record = Fault(name)
        say(f"kill -9 {name} ({done}/{OPERATIONS} operations done)")
        record.killed_at = killed = time.monotonic()
        await kill()
        await asyncio.sleep(down_for)
        record.restarted_at = time.monotonic()
        await restart()
        await eventually(recovered, timeout=300, interval=0.2, what=f"recovery from {name}")
        record.ready_seconds = time.monotonic() - record.restarted_at
        record.down_seconds = record.restarted_at - killed
        say(f"{name} back, ready {record.ready_seconds:.1f} s after its restart")
        faults.append(record)
        return record

    def kill_process(service: ServiceProcess) -> Callable[[], Awaitable[None]]:
        async def kill() -> None:
            assert service.process is not None
            service.process.kill()
            await asyncio.to_thread(service.process.wait, 10)

        return kill

    def restart_process(service: ServiceProcess) -> Callable[[], Awaitable[None]]:
        async def restart() -> None:
            service.start()

        return restart

    def threaded(action: Callable[[], None]) -> Callable[[], Awaitable[None]]:
        async def run() -> None:
            await asyncio.to_thread(action)

        return run

    def service_fault(label: str, service: ServiceProcess) -> Callable[[], Awaitable[Fault]]:
        return lambda: fault(
            label,
            kill_process(service),
            restart_process(service),
            lambda: _ready(service, _always),
        )

    ledger_events = prefix + topics.LEDGER_EVENTS

    async def relay_kill() -> None:
        assert ledger.process is not None
        ledger.process.kill()
        await asyncio.to_thread(ledger.process.wait, 10)

    async def broker_then_relay_fault() -> None:
        """Kill the broker; while it is away the ledger's outbox fills up. Before it comes back,
        the test locks the waiting outbox rows (``FOR UPDATE``): the relay's first batch then
        goes out to Kafka and its "mark published" waits on the lock. The moment the batch
        lands on the topic, the ledger is killed: published, never marked, so the restarted
        relay publishes it again and the consumers must pass the copies over."""
        before = await _end_offset(broker.bootstrap, ledger_events)
        relay_killed: asyncio.Future[float] = asyncio.get_running_loop().create_future()

        async def kill_mid_batch(lock: asyncpg.Connection) -> None:
            try:
                await _end_offset(broker.bootstrap, ledger_events, above=before)
                await relay_kill()
                relay_killed.set_result(time.monotonic())
                open_gate()
            except BaseException as exc:
                relay_killed.set_exception(exc)
                raise
            finally:
                await lock.close()  # rolls the lock back

        async def restart_broker() -> None:
            lock = await asyncpg.connect(postgres.url(databases["ledger"]))
            await lock.execute("BEGIN")
            held = await lock.fetch(
                "SELECT id FROM outbox WHERE published_at IS NULL AND parked_at IS NULL FOR UPDATE"
            )
            relay_batch.append(len(held))
            await asyncio.to_thread(broker.start)
            watchers.append(asyncio.create_task(kill_mid_batch(lock)))

        await fault(
            "kafka",
            threaded(broker.kill),
            restart_broker,
            lambda: _ready(gateway, _kafka_ok),
            down_for=3.0,
        )

        async def killed() -> None:
            await asyncio.wait_for(asyncio.shield(relay_killed), 120)

        record = await fault(
            "ledger relay mid-batch",
            killed,
            restart_process(ledger),
            lambda: _ready(ledger, _always),
            down_for=0.5,
        )
        record.killed_at = relay_killed.result()
        record.down_seconds = record.restarted_at - record.killed_at
        record.note = (
            f"killed once its first batch after the broker outage was on the topic, not yet "
            f"marked published ({relay_batch[0]} rows were waiting)"
        )

    relay_batch: list[int] = []
    watchers: list[asyncio.Task[None]] = []

    async def everything_at_once() -> None:
        async def kill() -> None:
            for service in processes.values():
                await kill_process(service)()

        async def restart() -> None:
            for service in processes.values():
                service.start()

        async def recovered() -> bool:
            answers = await asyncio.gather(*(_ready(s, _always) for s in processes.values()))
            return all(answers)

        await fault("all five services at once", kill, restart, recovered)

    schedule: list[Callable[[], Awaitable[Any]]] = [
        broker_then_relay_fault,
        lambda: fault(
            "postgresql",
            threaded(postgres.kill),
            threaded(postgres.start),
            lambda: _ready(ledger, _always),
        ),
    ]
    if FULL:  # each in turn, reporting and the gateway twice
        schedule += [
            service_fault("ledger", ledger),
            service_fault("splits", splits),
            service_fault("recurring", recurring),
            service_fault("bot-gateway", gateway),
            service_fault("reporting", reporting),
            service_fault("bot-gateway (again)", gateway),
            service_fault("reporting (again)", reporting),
        ]
    else:  # the short version: one restart of everything, to stay within a few minutes
        schedule.append(everything_at_once)

    def recovered_since(moment: float) -> Callable[[], Awaitable[bool]]:
        """Every kind still being sent has had an operation accepted that started after
        ``moment``: the next fault may come (so that each fault's recovery is its own)."""

        async def probe() -> bool:
            return all(
                any(start >= moment for start, _ in tallies[kind].timings)
                or not (queues[kind] or tallies[kind].in_flight)
                for kind in MIX
            )

        return probe

    step = max(1, int(0.85 * OPERATIONS / len(schedule)))

    def open_gate() -> None:
        """Let another step of operations start (a fault has begun)."""
        nonlocal gate
        gate = max(gate, begun + step)

    def turn(n: int) -> float:
        """The share of the burst done when fault ``n`` comes."""
        return 0.05 + 0.85 * n / len(schedule) if n < len(schedule) else 1.0

    async def chaos() -> None:
        nonlocal gate
        for n, run in enumerate(schedule):
            share = turn(n)
            # Up to the next fault's turn, and at least a step of operations during this one.
            gate = max(int(turn(n + 1) * OPERATIONS), begun + step)

            async def reached(share: float = share) -> bool:
                return done >= share * OPERATIONS

            await eventually(reached, timeout=1800, interval=0.05, what=f"{share:.0%} done")
            await run()
            open_gate()  # every kind can show it is accepted again
            await eventually(
                recovered_since(faults[-1].restarted_at),
                timeout=300,
                interval=0.1,
                what=f"every kind of operation accepted again after {faults[-1].name}",
            )
        gate = OPERATIONS

    burst_began = time.monotonic()
    try:
        await asyncio.gather(burst(), chaos())
    finally:
        await producer.stop()
    burst_seconds = time.monotonic() - burst_began
    say("burst over")

    # --- Afterwards: wait until everything has caught up, then count. -------------------------
    accepted = {kind: set(t.accepted) for kind, t in tallies.items()}
    ledger_keys = accepted[LEDGER_REST] | accepted[LEDGER_COMMAND]
    splits_keys = accepted[SPLITS_REST] | accepted[SPLITS_COMMAND]
    amounts = {op.key: op.amount for op in operations}
    expected_contributions = sum((amounts[k] for k in ledger_keys), Decimal("0"))
    expected_expenses = sum((amounts[k] for k in splits_keys), Decimal("0"))
    telegram_people = {op.key: person(op).telegram_id for op in operations if op.kind == TELEGRAM}

    async def ledger_rows() -> list[Any]:
        return await _query(
            postgres,
            databases["ledger"],
            "SELECT comment AS key, count(*) AS n FROM contributions WHERE period_id = $1 "
            "GROUP BY comment",
            period_id,
        )

    async def splits_rows() -> list[Any]:
        return await _query(
            postgres,
            databases["splits"],
            "SELECT description AS key, count(*) AS n FROM expenses WHERE group_id = $1 "
            "AND deleted_at IS NULL GROUP BY description",
            gid,
        )

    async def all_there(rows: Callable[[], Awaitable[list[Any]]], keys: set[str]) -> bool:
        return {r["key"] for r in await rows()} >= keys

    caught_up_began = time.monotonic()
    # Commands are applied asynchronously: wait for every accepted one (a lost one times out).
    await eventually(
        lambda: all_there(ledger_rows, ledger_keys),
        timeout=CATCH_UP,
        what="every ledger write applied",
    )
    await eventually(
        lambda: all_there(splits_rows, splits_keys),
        timeout=CATCH_UP,
        what="every splits write applied",
    )

    async def reporting_rows() -> tuple[list[Any], list[Any], list[Any]]:
        db = databases["reporting"]
        contributions = await _query(
            postgres,
            db,
            "SELECT payload->>'comment' AS key, count(*) AS n FROM audit_entries "
            "WHERE event_type = 'ledger.contribution_recorded' GROUP BY 1",
        )
        expenses = await _query(
            postgres,
            db,
            "SELECT description AS key, count(*) AS n FROM group_expenses WHERE group_id = $1 "
            "AND NOT deleted GROUP BY description",
            gid,
        )
        linked = await _query(
            postgres,
            db,
            "SELECT (payload->>'telegram_user_id')::bigint AS key, count(*) AS n "
            "FROM audit_entries WHERE event_type = 'gateway.telegram_linked' GROUP BY 1",
        )
        return contributions, expenses, linked

    async def reporting_complete() -> tuple[list[Any], list[Any], list[Any]] | None:
        rows = await reporting_rows()
        complete = (
            {r["key"] for r in rows[0]} >= ledger_keys
            and {r["key"] for r in rows[1]} >= splits_keys
            and {r["key"] for r in rows[2]} >= {telegram_people[k] for k in accepted[TELEGRAM]}
        )
        return rows if complete else None

    say("the ledger and splits have every write")
    await eventually(reporting_complete, timeout=CATCH_UP, what="reporting has every write")
    say("reporting has every write")

    async def answers() -> tuple[Counter[int], set[int]]:
        replied = Counter(
            int(c.params["chat_id"])
            for c in fake_telegram.calls
            if c.method == "sendMessage" and c.status == 200
        )
        in_doubt = await _query(
            postgres,
            databases["bot_gateway"],
            "SELECT chat_id FROM outgoing_messages WHERE failure = 'in_doubt'",
        )
        return replied, {r["chat_id"] for r in in_doubt}

    async def all_answered() -> tuple[Counter[int], set[int]] | None:
        replied, in_doubt = await answers()
        waiting = {telegram_people[k] for k in accepted[TELEGRAM]} - set(replied) - in_doubt
        return (replied, in_doubt) if not waiting else None

    await eventually(all_answered, timeout=CATCH_UP, what="every Telegram update answered")
    caught_up_seconds = time.monotonic() - caught_up_began
    say("every Telegram update answered")
    # A doubled write or a second answer would arrive right behind: give it the chance.
    await asyncio.sleep(5)

    # --- Count. ------------------------------------------------------------------------------
    service_counts = {
        **{r["key"]: r["n"] for r in await ledger_rows()},
        **{r["key"]: r["n"] for r in await splits_rows()},
    }
    r_contributions, r_expenses, r_linked = await reporting_rows()
    reporting_counts = {
        **{r["key"]: r["n"] for r in r_contributions},
        **{r["key"]: r["n"] for r in r_expenses},
    }
    replied, in_doubt = await answers()
    linked = {r["key"]: r["n"] for r in r_linked}
    gateway_users = {
        r["key"]: r["n"]
        for r in await _query(
            postgres,
            databases["bot_gateway"],
            "SELECT telegram_user_id AS key, count(*) AS n FROM telegram_users GROUP BY 1",
        )
    }

    lost: dict[str, list[str]] = {}
    doubled: dict[str, list[str]] = {}
    for kind in MIX:
        keys = accepted[kind]
        if kind == TELEGRAM:
            ids = {k: telegram_people[k] for k in keys}
            lost[kind] = sorted(
                k
                for k, t in ids.items()
                if (replied[t] == 0 and t not in in_doubt)
                or linked.get(t, 0) == 0
                or gateway_users.get(t, 0) == 0
            )
            doubled[kind] = sorted(
                k
                for k, t in ids.items()
                if replied[t] > 1 or linked.get(t, 0) > 1 or gateway_users.get(t, 0) > 1
            )
        else:
            lost[kind] = sorted(
                k for k in keys if service_counts.get(k, 0) == 0 or reporting_counts.get(k, 0) == 0
            )
            # Doubled: anything written more than once, accepted or not.
            mine = {op.key for op in operations if op.kind == kind}
            doubled[kind] = sorted(
                k for k in mine if service_counts.get(k, 0) > 1 or reporting_counts.get(k, 0) > 1
            )

    # --- Figures: the services' own against reporting's, to the cent. -----------------------
    async with httpx.AsyncClient(headers=headers, timeout=60) as api:
        ledger_sheet = (
            await api.get(f"{ledger.url}/api/payments/periods/{period_id}/balance-sheet")
        ).json()
        reporting_sheet = (
            await api.get(f"{reporting.url}/api/payments/periods/{period_id}/balance-sheet")
        ).json()
        splits_summary = (await api.get(f"{splits.url}/costs/groups/{gid}/balance-summary")).json()
        reporting_summary = (
            await api.get(f"{reporting.url}/costs/groups/{gid}/balance-summary")
        ).json()
    async with httpx.AsyncClient(base_url=reporting.url, headers=admin, timeout=60) as api:
        chains = [
            {"community_id": cid},
            {"group_id": gid},
            *(
                {"topic": topics.GATEWAY_EVENTS, "partition": p}
                for p in range(int(ledger.env["SOSENKI_TOPIC_PARTITIONS"]))
            ),
        ]
        verified = [(await api.get("/api/audit/verify", params=chain)).json() for chain in chains]

    ledger_total = sum(
        (Decimal(e["total_contributions"]) for e in ledger_sheet["entries"]), Decimal("0")
    )
    reporting_total = sum(
        (Decimal(e["total_contributions"]) for e in reporting_sheet["entries"]), Decimal("0")
    )

    # --- Dead letters, of every service. --------------------------------------------------
    dead: list[Any] = []
    for service in processes:
        desk = DeadLetterDesk(
            broker.bootstrap, prefix + service, dead_letter_topics(prefix), KafkaSecurity()
        )
        dead += await desk.waiting()
    republished = await _republished(broker.bootstrap, ledger_events)

    # --- The table and the figures. ---------------------------------------------------------
    # Per fault and kind: the seconds from the restart until an attempt started after it was
    # accepted, when an attempt of that kind failed from the kill until the service was ready
    # again; "unaffected" when attempts were made meanwhile and none failed; None when none was
    # made.
    recovery: dict[str, dict[str, float | str | None]] = {}
    for f in faults:
        recovery[f.name] = {}
        back = f.restarted_at + f.ready_seconds
        for kind, tally in tallies.items():
            after = [
                end - f.restarted_at for start, end in tally.timings if start >= f.restarted_at
            ]
            if any(f.killed_at <= at <= back for at in tally.failed_at):
                recovery[f.name][kind] = round(min(after), 1) if after else None
            elif any(f.killed_at <= at <= back for at in tally.attempted_at):
                recovery[f.name][kind] = "unaffected"
            else:  # nothing of that kind was sent while it lasted
                recovery[f.name][kind] = None

    figures: dict[str, Any] = {
        "date": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "operations": OPERATIONS,
        "full": FULL,
        "cpus": os.cpu_count(),
        # The machine is shared: how busy it was says how to read the times.
        "load_average_1min_at_end": round(os.getloadavg()[0], 1),
        "commit": _commit(),
        "burst_seconds": round(burst_seconds, 1),
        "caught_up_after_burst_seconds": round(caught_up_seconds, 1),
        "total_seconds": round(time.monotonic() - began, 1),
        "kinds": {
            kind: {
                "sent": t.sent,
                "accepted": len(t.accepted),
                "lost": len(lost[kind]),
                "doubled": len(doubled[kind]),
                "retries": t.attempts - t.sent,
                "unexpected_answers": len(t.unexpected),
            }
            for kind, t in tallies.items()
        },
        "faults": [
            {
                "fault": f.name,
                "down_seconds": round(f.down_seconds, 1),
                "ready_after_restart_seconds": round(f.ready_seconds, 1),
                "accepted_again_after_restart_seconds": recovery[f.name],
                **({"note": f.note} if f.note else {}),
            }
            for f in faults
        ],
        "telegram_answers_in_doubt": len(in_doubt & set(telegram_people.values())),
        "ledger_events_republished": republished,
        "ledger_total_contributions": str(ledger_total),
        "reporting_total_contributions": str(reporting_total),
        "splits_total_expenses": str(expected_expenses),
        "audit_chains_verified": sum(1 for v in verified if v.get("ok")),
        "audit_chains_checked": len(verified),
        "dead_letters": len(dead),
    }
    _print_table(figures)
    if RESULTS_DIR:
        out = Path(RESULTS_DIR) / f"chaos-{dt.date.today().isoformat()}.json"
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(json.dumps(figures, indent=2) + "\n")
        print(f"figures written to {out}")
    print("figures " + json.dumps(figures, indent=2))

    # --- What must hold. ---------------------------------------------------------------------
    for kind, t in tallies.items():
        assert t.unexpected == [], (kind, t.unexpected[:5])
        assert len(t.accepted) == t.sent, f"{kind}: {t.sent - len(t.accepted)} never accepted"
    assert {k: v for k, v in lost.items() if v} == {}
    assert {k: v for k, v in doubled.items() if v} == {}
    assert ledger_total == reporting_total == expected_contributions
    assert _money(ledger_sheet["entries"], "owner_id") == _money(
        reporting_sheet["entries"], "owner_id"
    )
    assert _money(splits_summary["user_balances"], "user_id") == _money(
        reporting_summary["user_balances"], "user_id"
    )
    paid = sum(
        (Decimal(b["total_paid_for_expenses"]) for b in splits_summary["user_balances"]),
        Decimal("0"),
    )
    assert paid == expected_expenses
    assert [v for v in verified if not v.get("ok")] == [], verified
    assert all(v["entries_checked"] > 0 for v in verified[:2]), verified
    assert dead == [], [(d.topic, d.offset, d.reason, d.error) for d in dead]
    if relay_batch and relay_batch[0] > 0:  # the relay was killed with a batch out, unmarked
        assert republished > 0
    names = {f.name for f in faults}
    assert {"kafka", "ledger relay mid-batch", "postgresql"} <= names
    if FULL:
        assert {f"{p} (again)" for p in ("reporting", "bot-gateway")} | set(processes) <= names


def _money(entries: list[dict[str, Any]], key: str) -> dict[Any, dict[str, Decimal]]:
    """Every money figure per person, as Decimals (so "10.5" and "10.50" agree)."""
    return {
        e[key]: {f: Decimal(v) for f, v in e.items() if f.startswith(("total", "balance", "net"))}
        for e in entries
    }


def _print_table(figures: dict[str, Any]) -> None:
    kinds = figures["kinds"]
    print(
        f"\nfault suite: {figures['operations']} operations, burst {figures['burst_seconds']} s, "
        f"caught up {figures['caught_up_after_burst_seconds']} s later"
    )
    print(
        f"{'operation':<16} {'sent':>6} {'accepted':>9} {'lost':>5} {'doubled':>8} {'retries':>8}"
    )
    for kind, k in kinds.items():
        print(
            f"{kind:<16} {k['sent']:>6} {k['accepted']:>9} {k['lost']:>5} {k['doubled']:>8} "
            f"{k['retries']:>8}"
        )
    total = {
        f: sum(k[f] for k in kinds.values())
        for f in ("sent", "accepted", "lost", "doubled", "retries")
    }
    print(
        f"{'all':<16} {total['sent']:>6} {total['accepted']:>9} {total['lost']:>5} "
        f"{total['doubled']:>8} {total['retries']:>8}"
    )
    short = {
        LEDGER_REST: "L-rest",
        SPLITS_REST: "S-rest",
        LEDGER_COMMAND: "L-cmd",
        SPLITS_COMMAND: "S-cmd",
        TELEGRAM: "tg",
    }
    print(
        "\nrecovery, seconds after the restart: until ready, then until each kind of operation"
        " was accepted again (ok: never refused during that fault)"
    )
    print(
        f"{'kill -9 of':<24} {'down':>5} {'ready':>6} "
        + " ".join(f"{s:>7}" for s in short.values())
    )
    for f in figures["faults"]:
        again = f["accepted_again_after_restart_seconds"]
        cells = " ".join(f"{_cell(again[k]):>7}" for k in short)
        print(
            f"{f['fault']:<24} {f['down_seconds']:>5} {f['ready_after_restart_seconds']:>6} {cells}"
        )
    print(
        f"telegram answers in doubt: {figures['telegram_answers_in_doubt']}; ledger events "
        f"republished by the relay: {figures['ledger_events_republished']}; audit chains verified: "
        f"{figures['audit_chains_verified']}/{figures['audit_chains_checked']}; dead letters: "
        f"{figures['dead_letters']}"
    )


def _cell(value: float | str | None) -> str:
    return "-" if value is None else "ok" if value == "unaffected" else str(value)


def _commit() -> str:
    try:
        out = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True, timeout=10
        )
    except OSError:
        return ""
    return out.stdout.strip()
