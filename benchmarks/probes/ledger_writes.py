"""Quick probe of the ledger's write path (P1) and balance sheet (P3); not the official harness.

Starts ``python -m ledger`` the way the end-to-end tests do (``sosenki_platform.testing``) on a
fresh database and its own topics, then for ``--seconds`` keeps ``--connections`` keep-alive HTTP
connections posting contributions to one period, and prints rate, p50 and p99 beside the raw
asyncpg insert+commit rate at the same concurrency, measured in the same run.

    set -a; source /work/main/.local/stack.env; set +a
    uv run python benchmarks/probes/ledger_writes.py --seconds 10 [--idempotency] [--sheet 1000000]

``--pid-file`` writes the service's pid (to attach ``py-spy`` while it runs); ``--sheet N``
then loads N contributions over 1,000 owners and times the balance sheet against the naive
aggregate.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import sys
import time
import uuid
from pathlib import Path

import asyncpg
import httpx
from sosenki_platform.auth.tokens import generate_keypair, mint_token
from sosenki_platform.testing import (
    Infrastructure,
    ServiceProcess,
    create_database,
    database_url,
    drop_database,
    make_service_env,
)
from sosenki_platform.topic_admin import delete_topics_with_prefix

ROOT = Path(__file__).resolve().parents[2]


class RawHttp:
    """One keep-alive HTTP/1.1 connection with next to no client overhead (the client shares the
    machine's two cores with the service; httpx would cost more than the server)."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.reader: asyncio.StreamReader | None = None
        self.writer: asyncio.StreamWriter | None = None

    async def request(self, method: str, path: str, body: bytes, headers: dict[str, str]) -> int:
        if self.writer is None:
            self.reader, self.writer = await asyncio.open_connection("127.0.0.1", self.port)
        assert self.reader is not None
        head = f"{method} {path} HTTP/1.1\r\nHost: x\r\nContent-Length: {len(body)}\r\n"
        head += "Content-Type: application/json\r\n"
        head += "".join(f"{k}: {v}\r\n" for k, v in headers.items()) + "\r\n"
        self.writer.write(head.encode() + body)
        status_line = await self.reader.readline()
        length = 0
        while True:
            line = await self.reader.readline()
            if line in (b"\r\n", b""):
                break
            name, _, value = line.decode().partition(":")
            if name.lower() == "content-length":
                length = int(value)
        await self.reader.readexactly(length)
        return int(status_line.split()[1])


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


async def hammer(
    port: int, token: str, period: int, owners: int, connections: int, seconds: float, idem: bool
) -> dict[str, float]:
    latencies: list[float] = []
    statuses: dict[int, int] = {}
    stop = time.monotonic() + seconds

    async def worker(n: int) -> None:
        conn = RawHttp(port)
        i = 0
        while time.monotonic() < stop:
            i += 1
            owner = 1 + (n * 7919 + i) % owners
            body = json.dumps({"user_id": owner, "amount": "10.00"}).encode()
            headers = {"Authorization": f"Bearer {token}"}
            if idem:
                headers["Idempotency-Key"] = uuid.uuid4().hex
            t0 = time.perf_counter()
            status = await conn.request(
                "POST", f"/api/payments/periods/{period}/contributions", body, headers
            )
            latencies.append(time.perf_counter() - t0)
            statuses[status] = statuses.get(status, 0) + 1

    started = time.perf_counter()
    await asyncio.gather(*(worker(n) for n in range(connections)))
    elapsed = time.perf_counter() - started
    ok = statuses.get(201, 0)
    return {
        "writes_per_second": round(ok / elapsed, 1),
        "p50_ms": round(statistics.median(latencies) * 1000, 1),
        "p99_ms": round(percentile(latencies, 0.99) * 1000, 1),
        "statuses": statuses,  # type: ignore[dict-item]
    }


async def raw_inserts(url: str, connections: int, seconds: float) -> float:
    """Single-row insert+commit per round trip, the database's own limit at this concurrency."""
    setup = await asyncpg.connect(url)
    await setup.execute(
        "CREATE TABLE IF NOT EXISTS probe_raw (id bigserial PRIMARY KEY, v numeric, t text)"
    )
    await setup.close()
    count = 0
    stop = time.monotonic() + seconds

    async def worker() -> None:
        nonlocal count
        conn = await asyncpg.connect(url)
        while time.monotonic() < stop:
            await conn.execute("INSERT INTO probe_raw (v, t) VALUES ($1, $2)", 10, "x")
            count += 1
        await conn.close()

    started = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(connections)))
    return round(count / (time.perf_counter() - started), 1)


def cpu_seconds(pid: int) -> float:
    """User + system CPU the process has used (the machine is shared: CPU per write is the
    figure that other agents' load does not move much)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return round(int(line.split()[1]) / 1024, 1)
    return 0.0


async def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--owners", type=int, default=50)
    parser.add_argument("--idempotency", action="store_true")
    parser.add_argument("--pid-file", default="")
    parser.add_argument("--sheet", type=int, default=0, help="contributions for the P3 probe")
    parser.add_argument("--env", action="append", default=[], help="KEY=VALUE for the service")
    args = parser.parse_args()

    infra = Infrastructure(
        os.environ["SOSENKI_KAFKA_BOOTSTRAP_SERVERS"], os.environ["SOSENKI_PG_ADMIN_URL"]
    )
    private, public = generate_keypair()
    prefix = f"probe{uuid.uuid4().hex[:6]}."
    name = await create_database(infra.pg_admin_url, "probe_ledger")
    url = database_url(infra.pg_admin_url, name)
    env = make_service_env(infra, prefix, (private, public))
    env |= {"SOSENKI_DATABASE_URL": url, "SOSENKI_WRITE_RATE_PER_SECOND": "0"}
    env |= dict(kv.split("=", 1) for kv in args.env)
    service = ServiceProcess("ledger", env, ROOT / ".local" / "logs" / "probes")
    service.start()
    try:
        await service.wait_ready(120)
        assert service.process is not None
        if args.pid_file:
            os.write(
                fd := os.open(args.pid_file, os.O_WRONLY | os.O_CREAT | os.O_TRUNC),
                b"%d" % service.process.pid,
            )
            os.close(fd)
        async with httpx.AsyncClient(base_url=service.url, timeout=30) as api:
            api.headers["Authorization"] = f"Bearer {mint_token(private, '1')}"
            made = await api.post("/api/payments/communities", json={"name": "Probe"})
            cid = made.json()["id"]
            token = mint_token(private, "1", communities=[cid])
            api.headers["Authorization"] = f"Bearer {token}"
            owners = max(args.owners, 1000 if args.sheet else 0)
            for user in range(1, owners + 1):
                r = await api.post(
                    f"/api/payments/communities/{cid}/owners",
                    json={"user_id": user, "display_name": f"O{user}", "ownership_share": "1"},
                )
                assert r.status_code == 201, r.text
            period = (
                await api.post(
                    "/api/payments/periods",
                    json={"name": "P", "start_date": "2025-11-01", "end_date": "2025-11-30"},
                )
            ).json()["id"]
            # Warm up (imports, pool, caches) before measuring.
            await hammer(service.port, token, period, args.owners, 4, 1.0, args.idempotency)
            cpu_before = cpu_seconds(service.process.pid)
            result = await hammer(
                service.port,
                token,
                period,
                args.owners,
                args.connections,
                args.seconds,
                args.idempotency,
            )
            writes = result["statuses"].get(201, 0)  # type: ignore[attr-defined]
            used = cpu_seconds(service.process.pid) - cpu_before
            result["service_cpu_ms_per_write"] = round(used / max(writes, 1) * 1000, 2)
            result["load_average"] = os.getloadavg()[0]  # type: ignore[assignment]
            result["service_rss_mb"] = rss_mb(service.process.pid)
            result["raw_asyncpg_insert_commit_per_second"] = await raw_inserts(
                url, args.connections, min(args.seconds, 5.0)
            )
            result["ratio_to_raw"] = round(
                result["writes_per_second"] / result["raw_asyncpg_insert_commit_per_second"], 3
            )
            if args.sheet:
                result |= await sheet_probe(api, url, cid, period, args.sheet)
            print(json.dumps(result, indent=2))
    finally:
        service.stop()
        await drop_database(infra.pg_admin_url, name)
        await delete_topics_with_prefix(infra.kafka_bootstrap_servers, prefix)


NAIVE_SHEET = (
    "SELECT owner_id, sum(amount) FROM contributions WHERE period_id = $1 GROUP BY owner_id",
    "SELECT a.owner_id, sum(a.amount) FROM expense_allocations a JOIN expenses e"
    " ON e.id = a.expense_id WHERE e.period_id = $1 GROUP BY a.owner_id",
    "SELECT owner_id, sum(amount) FROM service_charges WHERE period_id = $1 GROUP BY owner_id",
    "SELECT paid_by_owner_id, sum(amount) FROM expenses WHERE period_id = $1"
    " AND paid_by_owner_id IS NOT NULL GROUP BY paid_by_owner_id",
)


async def sheet_probe(
    api: httpx.AsyncClient, url: str, cid: int, period: int, size: int
) -> dict[str, float]:
    """P3: the balance sheet's p99 over 1,000 owners and ``size`` entries, and the naive
    aggregate (a SUM per owner over the entries) measured in the same run."""
    conn = await asyncpg.connect(url)
    try:
        await conn.execute(
            "INSERT INTO contributions (period_id, community_id, owner_id, amount, currency,"
            " date, created_by) SELECT $1, $2, 1 + (n % 1000), 10.00, 'RUB', now(), 'probe'"
            " FROM generate_series(1, $3) AS n",
            period,
            cid,
            size,
        )
        await conn.execute("ANALYZE")
        naive: list[float] = []
        for _ in range(5):
            t0 = time.perf_counter()
            # What the sheet did before running balances (EntryRows.period_totals_aggregated).
            for query in NAIVE_SHEET:
                await conn.fetch(query, period)
            naive.append(time.perf_counter() - t0)
    finally:
        await conn.close()
    path = f"/api/payments/periods/{period}/balance-sheet"
    first = await api.get(path)
    assert first.status_code == 200, first.text
    times: list[float] = []
    for _ in range(100):
        t0 = time.perf_counter()
        sheet = await api.get(path)
        times.append(time.perf_counter() - t0)
    total = sum(float(e["total_contributions"]) for e in sheet.json()["entries"])
    return {
        "sheet_entries": size,
        "sheet_p50_ms": round(statistics.median(times) * 1000, 2),
        "sheet_p99_ms": round(percentile(times, 0.99) * 1000, 2),
        "naive_aggregate_ms": round(statistics.median(naive) * 1000, 2),
        # The naive figure is the database's time alone; the sheet's is the whole HTTP request.
        "sheet_speedup_vs_naive": round(statistics.median(naive) / statistics.median(times), 1),
        "sheet_total_ok": total >= size * 10,  # type: ignore[dict-item]
    }


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))
