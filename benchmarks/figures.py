"""The issue-15 figures P1–P7, each measured against the benchmark's own service processes."""

from __future__ import annotations

import asyncio
import io
import json
import os
import sys
import time
import uuid
from collections import Counter
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import aiohttp
import asyncpg
import httpx
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer
from harness import (
    ROOT,
    LoadResult,
    RssSampler,
    Stack,
    cpu_seconds,
    latency_ms,
    load,
    start_profile,
)
from sosenki_contracts import topics
from sosenki_contracts.envelope import Actor, CommandEnvelope
from sosenki_platform.kafka_security import client_options
from sosenki_platform.testing import ServiceProcess, eventually, free_port
from sosenki_platform.topic_admin import ensure_topics

P = "/api/payments"
TREASURER = 1
#: How often a P2 probe reads reporting: 4 probes at 50 ms stay under 80 reads/s, a small load
#: beside the consumer it measures (at 20 ms the reads took more of reporting's CPU than it).
POLL_SECONDS = 0.05


@dataclass
class Sizes:
    seconds: float  # P1 (and P2, P6 under it)
    connections: int
    owners: int  # P1 writes to these; P3 spreads its entries over them
    probes: int  # P2: owners only the sampler writes to, one probe in flight each
    p3_entries: int
    p3_reads: int
    p4_events: int
    p4_timeout: float
    p5_patterns: int
    p5_per_pattern: int
    p5_timeout: float
    p7_updates: int
    limit_seconds: float
    kafka_messages: int


FULL = Sizes(30, 32, 1000, 4, 1_000_000, 200, 1_000_000, 300, 1000, 100, 150, 6000, 5, 50_000)
QUICK = Sizes(2, 8, 10, 2, 5_000, 5, 200, 120, 10, 3, 60, 10, 0.5, 1_000)


@dataclass
class Community:
    id: int
    period: int
    token: str

    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}


async def community(stack: Stack, ledger: ServiceProcess, sizes: Sizes) -> Community:
    """A community with ``owners + probes`` owners and an open period, through the ledger's API."""
    async with httpx.AsyncClient(base_url=ledger.url, timeout=30) as api:
        api.headers["Authorization"] = f"Bearer {stack.token(TREASURER)}"
        created = await api.post(f"{P}/communities", json={"name": "Bench"})
        created.raise_for_status()
        cid = created.json()["id"]
        token = stack.token(TREASURER, communities=[cid])
        api.headers["Authorization"] = f"Bearer {token}"
        period = await api.post(
            f"{P}/periods",
            json={"name": "Bench", "start_date": "2026-01-01", "end_date": "2026-12-31"},
        )
        period.raise_for_status()
    c = Community(cid, period.json()["id"], token)

    async def add_owner(session: aiohttp.ClientSession, n: int) -> int:
        body = {"user_id": n + 1, "display_name": f"Owner {n + 1}", "ownership_share": "1"}
        async with session.post(
            f"{ledger.url}{P}/communities/{cid}/owners", json=body, headers=c.headers()
        ) as response:
            return response.status

    added = await load(add_owner, connections=8, total=sizes.owners + sizes.probes)
    if added.ok != sizes.owners + sizes.probes:
        raise RuntimeError(f"could not add the owners: {added.statuses}")
    return c


def _contribution(ledger_urls: list[str], c: Community, owners: int) -> Any:
    """A contribution request; successive requests go to the ledger's replicas in turn."""
    urls = [f"{base}{P}/periods/{c.period}/contributions" for base in ledger_urls]
    headers = c.headers()

    async def post(session: aiohttp.ClientSession, n: int) -> int:
        body = {"user_id": n % owners + 1, "amount": "10.00"}
        async with session.post(urls[n % len(urls)], json=body, headers=headers) as response:
            await response.read()
            return response.status

    return post


@dataclass
class Window:
    """When P1's load runs: the probes take their baseline first, then wait for ``started``."""

    started: asyncio.Event
    until: float = 0.0
    ready: int = 0


async def _probe(
    ledger: ServiceProcess,
    reporting: ServiceProcess,
    c: Community,
    owner: int,
    window: Window,
    out: list[float],
    lost: list[int],
) -> None:
    """P2 for one probe owner: write 1.00, then poll reporting until its total shows it."""
    headers = c.headers()
    write = f"{ledger.url}{P}/periods/{c.period}/contributions"
    read = f"{reporting.url}{P}/periods/{c.period}/owner-balance/{owner}"
    async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=30)) as session:

        async def total() -> Decimal | None:
            async with session.get(read, headers=headers) as response:
                if response.status != 200:
                    return None
                return Decimal((await response.json())["total_contributions"])

        try:
            expected = await eventually(total, timeout=120, what=f"owner {owner} in reporting")
        except AssertionError:
            lost.append(-1)  # never visible: counted as failed, the other probes go on
            return
        finally:
            window.ready += 1
        await window.started.wait()
        first = True
        while first or time.perf_counter() < window.until:  # at least one sample each
            first = False
            t0 = time.perf_counter()
            async with session.post(
                write, json={"user_id": owner, "amount": "1.00"}, headers=headers
            ) as response:
                if response.status != 201:
                    lost.append(response.status)
                    continue
            expected += 1
            while await total() != expected:
                if time.perf_counter() - t0 > 60:
                    lost.append(0)
                    return
                await asyncio.sleep(POLL_SECONDS)
            out.append(time.perf_counter() - t0)


async def p1_p2_p6(
    stack: Stack, c: Community, sizes: Sizes, profile_dir: Path | None
) -> dict[str, Any]:
    """P1 writes with ``connections`` clients; P2 sampled beside them; P6 RSS throughout."""
    ledger, reporting = stack.services["ledger"], stack.services["reporting"]
    visible: list[float] = []
    lost: list[int] = []
    window = Window(asyncio.Event())
    with RssSampler(stack.services) as rss:
        idle = dict(rss.peak)
        probes = [
            asyncio.create_task(
                _probe(ledger, reporting, c, sizes.owners + k + 1, window, visible, lost)
            )
            for k in range(sizes.probes)
        ]
        while window.ready < len(probes) and not any(t.done() for t in probes):  # noqa: ASYNC110
            await asyncio.sleep(0.05)
        window.until = time.perf_counter() + sizes.seconds
        window.started.set()
        profiles = []
        for name in ("ledger", "reporting") if profile_dir is not None else ():
            pid = stack.services[name].process.pid  # type: ignore[union-attr]
            svg = profile_dir / f"{name}-P1.svg"  # type: ignore[operator]
            if (p := start_profile(pid, sizes.seconds, svg)) is not None:
                profiles.append(p)
        cpu_before = cpu_seconds(stack, "ledger")
        written, *_ = await asyncio.gather(
            load(
                _contribution(stack.urls("ledger"), c, sizes.owners),
                connections=sizes.connections,
                seconds=sizes.seconds,
            ),
            *probes,
        )
        cpu = cpu_seconds(stack, "ledger") - cpu_before
    for p in profiles:
        p.wait(60)
    assert isinstance(written, LoadResult)
    return {
        "P1": {
            **written.figures(),
            "connections": sizes.connections,
            "statuses": written.statuses,
            # the ledger's CPU per write, over every replica (probes and relay included)
            "ledger_cpu_ms_per_write": round(1000 * cpu / max(written.ok, 1), 2),
        },
        "P2": {
            **latency_ms(visible),
            "samples": len(visible),
            "failed": len(lost),
            "poll_ms": POLL_SECONDS * 1000,
        },
        "P6": {
            "max_rss_mb": round(max(rss.peak.values()), 1),
            "rss_mb": {k: round(v, 1) for k, v in rss.peak.items()},
            "rss_mb_process_tree": {k: round(v, 1) for k, v in rss.peak_tree.items()},
            "idle_rss_mb": {k: round(v, 1) for k, v in idle.items()},
        },
    }


async def p3(stack: Stack, c: Community, sizes: Sizes, ledger_db: str) -> dict[str, Any]:
    """The balance sheet of a period holding ``p3_entries`` contributions of ``owners`` owners,
    loaded with COPY into the ledger's table (the read is measured, not the writes), beside the
    naive SQL aggregate of the same rows."""
    ledger = stack.services["ledger"]
    async with httpx.AsyncClient(base_url=ledger.url, headers=c.headers(), timeout=60) as api:
        made = await api.post(
            f"{P}/periods",
            json={"name": "History", "start_date": "2025-01-01", "end_date": "2025-12-31"},
        )
        made.raise_for_status()
        period = made.json()["id"]
        conn = await asyncpg.connect(ledger_db)
        try:
            t0 = time.perf_counter()
            rows = io.BytesIO()
            for n in range(sizes.p3_entries):
                rows.write(
                    f"{period}\t{c.id}\t{n % sizes.owners + 1}\t10.00\tRUB\t"
                    f"2025-06-01 00:00:00+00\tbench\n".encode()
                )
            rows.seek(0)
            await conn.copy_to_table(
                "contributions",
                source=rows,
                columns=[
                    "period_id",
                    "community_id",
                    "owner_id",
                    "amount",
                    "currency",
                    "date",
                    "created_by",
                ],
            )
            await conn.execute("ANALYZE contributions")
            loaded = time.perf_counter() - t0
            path = f"{P}/periods/{period}/balance-sheet"
            first = await api.get(path)
            if first.status_code != 200:
                raise RuntimeError(f"balance sheet: {first.status_code} {first.text[:300]}")
            reads = []
            budget = time.perf_counter() + 60  # at most a minute of reads
            for _ in range(sizes.p3_reads):
                if time.perf_counter() > budget and len(reads) >= 10:
                    break
                t = time.perf_counter()
                response = await api.get(path)
                reads.append(time.perf_counter() - t)
                assert response.status_code == 200
            naive = []
            for _ in range(max(3, sizes.p3_reads // 20)):
                t = time.perf_counter()
                await conn.fetch(
                    "SELECT owner_id, sum(amount) FROM contributions WHERE period_id = $1"
                    " GROUP BY owner_id",
                    period,
                )
                naive.append(time.perf_counter() - t)
        finally:
            await conn.close()
    sheet, aggregate = latency_ms(reads), latency_ms(naive)
    return {
        "P3": {
            **sheet,
            "entries": sizes.p3_entries,
            "owners": sizes.owners,
            "naive_aggregate_p50_ms": aggregate["p50_ms"],
            "times_faster_than_naive": round(aggregate["p50_ms"] / sheet["p50_ms"], 2),
            "load_seconds": round(loaded, 1),
        }
    }


async def _read_all(bootstrap: str, topic: str) -> list[tuple[bytes | None, bytes]]:
    consumer = AIOKafkaConsumer(
        topic,
        bootstrap_servers=bootstrap,
        auto_offset_reset="earliest",
        enable_auto_commit=False,
        group_id=None,
        **client_options(),
    )
    await consumer.start()
    found: list[tuple[bytes | None, bytes]] = []
    try:
        while batch := await consumer.getmany(timeout_ms=2000):
            for records in batch.values():
                found.extend((r.key, r.value) for r in records)
    finally:
        await consumer.stop()
    return found


async def p4(stack: Stack, sizes: Sizes) -> dict[str, Any]:
    """Reporting's rebuild (``python -m reporting rebuild``) over ``p4_events`` events: the
    ledger's real events from P1 (community, owners, period, contributions), the contributions
    copied with new event and contribution ids, produced under a topic prefix of their own."""
    bootstrap = stack.infra.kafka_bootstrap_servers
    source = await _read_all(bootstrap, stack.prefix + topics.LEDGER_EVENTS)
    setup = [r for r in source if b"contribution_recorded" not in r[1]]
    template_key, template = next(
        (k, json.loads(v)) for k, v in source if b"contribution_recorded" in v
    )
    prefix = f"bench{uuid.uuid4().hex[:8]}."
    await ensure_topics(bootstrap, topics.EVENT_TOPICS, prefix=prefix)
    producer = AIOKafkaProducer(
        bootstrap_servers=bootstrap, acks="all", linger_ms=20, **client_options()
    )
    await producer.start()
    topic = prefix + topics.LEDGER_EVENTS
    t0 = time.perf_counter()
    try:
        for key, value in setup:
            await producer.send(topic, value, key=key)
        pending = []
        for n in range(sizes.p4_events - len(setup)):
            envelope = dict(template)
            envelope["event_id"] = str(uuid.uuid4())
            envelope["payload"] = {**template["payload"], "contribution_id": 10_000_000 + n}
            body = json.dumps(envelope).encode()  # keyed as the ledger keys it
            pending.append(await producer.send(topic, body, key=template_key))
            if len(pending) >= 5000:
                await asyncio.gather(*pending)
                pending = []
        await asyncio.gather(*pending)
    finally:
        await producer.stop()
    produced = time.perf_counter() - t0
    db = await stack.new_database("rebuild")
    env = {
        **os.environ,
        **stack.env(),
        "SOSENKI_TOPIC_PREFIX": prefix,
        "SOSENKI_DATABASE_URL": db,
    }
    LOG = ROOT / ".local" / "logs" / "bench" / f"rebuild-{prefix}log"
    LOG.parent.mkdir(parents=True, exist_ok=True)
    t0 = time.perf_counter()
    with LOG.open("ab") as log:
        process = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "reporting", "rebuild", env=env, stdout=log, stderr=log
        )
        try:
            code: int | None = await asyncio.wait_for(process.wait(), sizes.p4_timeout)
        except TimeoutError:
            code = None
    elapsed = time.perf_counter() - t0
    replayed = sizes.p4_events
    if code is None:  # too slow for the budget: the rate so far, from the new inbox
        conn = await asyncpg.connect(db)
        try:
            replayed = await conn.fetchval("SELECT count(*) FROM reporting_rebuild.inbox")
        except asyncpg.UndefinedTableError:  # stopped before its tables were made
            replayed = 0
        finally:
            await conn.close()
        process.kill()
        await process.wait()
    elif code != 0:
        raise RuntimeError(f"reporting rebuild exited with {code}; see {LOG}")
    else:  # what the switched-over tables hold: one inbox row per event applied
        conn = await asyncpg.connect(db)
        try:
            replayed = await conn.fetchval("SELECT count(*) FROM inbox")
        finally:
            await conn.close()
    try:
        from sosenki_platform.topic_admin import delete_topics_with_prefix

        await delete_topics_with_prefix(bootstrap, prefix)
    except Exception:
        pass
    return {
        "P4": {
            "rate_per_s": round(replayed / elapsed, 1),
            "events": sizes.p4_events,
            "replayed": replayed,
            "seconds": round(elapsed, 1),
            "finished": code == 0,
            "produce_seconds": round(produced, 1),
        }
    }


async def p5(stack: Stack, sizes: Sizes, tmp: Path) -> dict[str, Any]:
    """``p5_patterns`` daily patterns, each with ``p5_per_pattern`` occurrences due at once when
    the clock jumps; the time until every command is on the ledger's command topic, duplicates
    counted by command id. Its own recurring process and topic prefix (nothing consumes them)."""
    bootstrap = stack.infra.kafka_bootstrap_servers
    prefix = f"bench{uuid.uuid4().hex[:8]}."
    clock = tmp / "clock"
    start = datetime(2027, 1, 1, tzinfo=UTC)
    clock.write_text((start - timedelta(days=1)).isoformat())  # nothing due while they are made
    service = ServiceProcess(
        "recurring",
        {
            **stack.env(),
            "SOSENKI_TOPIC_PREFIX": prefix,
            "SOSENKI_DATABASE_URL": await stack.new_database("recurring_p5"),
            "SOSENKI_CLOCK_FILE": str(clock),
            "SOSENKI_SCHEDULER_INTERVAL_SECONDS": "0.2",
        },
        ROOT / ".local" / "logs" / "bench",
    )
    service.start()
    stack.services["recurring_p5"] = service
    await service.wait_ready(120)
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap, linger_ms=10, **client_options())
    await producer.start()
    try:
        for n in range(sizes.p5_patterns):
            command = CommandEnvelope(
                command_id=f"bench:{uuid.uuid4()}",
                command_type="recurring.create_pattern",
                issuer="bot-gateway",
                actor=Actor(kind="user", id=str(TREASURER)),
                payload={
                    "name": f"Fee {n}",
                    "frequency": "DAILY",
                    "start_date": start.date().isoformat(),
                    "timezone": "UTC",
                    "target": {
                        "kind": "ledger_charge",
                        "community_id": 1,
                        "owner_ids": [n + 1],
                        "amount": "10.00",
                        "description": "Fee {month}",
                    },
                },
            )
            await producer.send(
                prefix + topics.RECURRING_COMMANDS, command.to_json_bytes(), key=str(n).encode()
            )
        await producer.flush()
    finally:
        await producer.stop()
    async with httpx.AsyncClient(
        base_url=service.url, headers={"Authorization": f"Bearer {stack.token(TREASURER)}"}
    ) as api:

        async def answers() -> bool:
            return (await api.get("/api/recurring/patterns")).status_code == 200

        await eventually(answers, timeout=60, what="the recurring API")
    conn = await asyncpg.connect(service.env["SOSENKI_DATABASE_URL"])
    try:

        async def all_created() -> bool:
            count = await conn.fetchval("SELECT count(*) FROM patterns")
            return bool(count >= sizes.p5_patterns)

        await eventually(all_created, timeout=600, interval=0.5, what="every pattern created")
    finally:
        await conn.close()
    expected = sizes.p5_patterns * sizes.p5_per_pattern
    consumer = AIOKafkaConsumer(
        prefix + topics.LEDGER_COMMANDS,
        bootstrap_servers=bootstrap,
        auto_offset_reset="earliest",
        enable_auto_commit=False,
        group_id=None,
        **client_options(),
    )
    await ensure_topics(bootstrap, [topics.LEDGER_COMMANDS], prefix=prefix)
    await consumer.start()
    ids: Counter[str] = Counter()
    # The clock moves so that exactly ``per_pattern`` occurrences are due (Jan 1 … Jan n, 00:00).
    jump = start + timedelta(days=sizes.p5_per_pattern - 1, hours=12)
    t0 = time.perf_counter()
    clock.write_text(jump.isoformat())
    emitted_all = None
    try:
        while time.perf_counter() - t0 < sizes.p5_timeout:
            for records in (await consumer.getmany(timeout_ms=500)).values():
                ids.update(json.loads(r.value)["command_id"] for r in records)
            if len(ids) >= expected and emitted_all is None:
                emitted_all = time.perf_counter() - t0
                deadline = time.perf_counter() + 3  # a moment more, to see any duplicate
                while time.perf_counter() < deadline:
                    for records in (await consumer.getmany(timeout_ms=500)).values():
                        ids.update(json.loads(r.value)["command_id"] for r in records)
                break
    finally:
        await consumer.stop()
        service.stop()
    elapsed = emitted_all if emitted_all is not None else time.perf_counter() - t0
    return {
        "P5": {
            "seconds": round(elapsed, 2),
            "occurrences": expected,
            "emitted": len(ids),
            "duplicates": sum(ids.values()) - len(ids),
            "rate_per_s": round(len(ids) / elapsed, 1) if elapsed else 0.0,
            "finished": emitted_all is not None,
        }
    }


async def fake_telegram(stack: Stack) -> str:
    port = free_port()
    stack.popen([sys.executable, "-m", "bot_gateway.fake_telegram", "--port", str(port)], "tg.log")
    url = f"http://127.0.0.1:{port}"

    async def up() -> bool:
        async with httpx.AsyncClient() as http:
            return (await http.get(f"{url}/_fake/calls")).status_code == 200

    await eventually(up, what="the fake Bot API")
    return url


async def p7(
    stack: Stack, sizes: Sizes, fake: str, profile_dir: Path | None = None
) -> dict[str, Any]:
    """``/start`` from ``p7_updates`` different people through the webhook: updates per second
    until every answer reached the fake Bot API, and update → answer p99."""
    from bot_gateway.testing import SECRET, Person, message_update, private_chat

    gateway = stack.services["bot_gateway"]
    async with httpx.AsyncClient(base_url=fake) as http:
        await http.post("/_fake/reset")
    people = [Person(900_000_000 + n, f"P{n}", f"bench_{n}") for n in range(sizes.p7_updates)]
    updates = [message_update(p, private_chat(p), "/start") for p in people]
    sent_at: dict[int, float] = {}
    urls = [f"{base}/telegram/webhook" for base in stack.urls("bot_gateway")]
    headers = {"X-Telegram-Bot-Api-Secret-Token": SECRET}

    async def post(session: aiohttp.ClientSession, n: int) -> int:
        sent_at[people[n].telegram_id] = time.time()
        async with session.post(urls[n % len(urls)], json=updates[n], headers=headers) as response:
            await response.read()
            return response.status

    profile = None
    if profile_dir is not None:
        pid = gateway.process.pid  # type: ignore[union-attr]
        profile = start_profile(pid, sizes.seconds, profile_dir / "bot_gateway-P7.svg")
    t0 = time.time()
    cpu_before = cpu_seconds(stack, "bot_gateway")
    posted = await load(
        post, connections=sizes.connections, total=sizes.p7_updates, seconds=sizes.seconds
    )
    if profile is not None:
        profile.wait(60)
    answered: dict[int, float] = {}
    async with httpx.AsyncClient(base_url=fake, timeout=60) as http:

        async def all_answered() -> bool:
            calls = (await http.get("/_fake/calls", params={"method": "sendMessage"})).json()
            for call in calls:
                chat = int(call["params"]["chat_id"])
                if call["status"] == 200 and chat in sent_at and chat not in answered:
                    answered[chat] = call["at"]
            return len(answered) >= len(sent_at)

        try:
            await eventually(all_answered, timeout=120, interval=0.5, what="every answer")
        except AssertionError:
            pass
    cpu = cpu_seconds(stack, "bot_gateway") - cpu_before  # taking the updates and answering
    latencies = [answered[chat] - sent_at[chat] for chat in answered]
    last = max(answered.values(), default=time.time())
    return {
        "P7": {
            "rate_per_s": round(len(answered) / (last - t0), 1) if answered else 0.0,
            **latency_ms(latencies),
            "updates": len(sent_at),
            "answered": len(answered),
            "webhook": posted.figures(),
            "gateway_cpu_ms_per_update": round(1000 * cpu / max(len(answered), 1), 2),
        }
    }
