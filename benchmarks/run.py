"""SOSenki's one benchmark command: the issue-15 figures P1–P7 beside the machine's limits.

    make bench                                  (= uv run python benchmarks/run.py)
    uv run python benchmarks/run.py --quick     tiny sizes: proves the harness end to end
    uv run python benchmarks/run.py --only P1,P3 --profile

It needs only PostgreSQL and Kafka (named by ``SOSENKI_PG_ADMIN_URL`` and
``SOSENKI_KAFKA_BOOTSTRAP_SERVERS``, or the local stack's, started with ``stack.py infra-up``)
and starts service processes of its own from this checkout, on fresh databases and a topic
prefix of its own, so it runs beside anything else. See benchmarks/README.md.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import math
import os
import platform
import signal
import sys
import tempfile
import time
from dataclasses import asdict, replace
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

import figures
import harness
import limits

FIGURES = ("P1", "P2", "P3", "P4", "P5", "P6", "P7")
SERVICES = ("ledger", "reporting", "splits", "recurring", "bot_gateway")
BOT_TOKEN = "987654:bench-token"


async def http_floor(url: str, connections: int, seconds: float) -> dict[str, float]:
    """``GET /health/live`` with as many connections: what one service process answers when
    the handler does nothing (the HTTP stack's own ceiling on this machine)."""
    import aiohttp

    async def get(session: aiohttp.ClientSession, _: int) -> int:
        async with session.get(f"{url}/health/live") as response:
            await response.read()
            return response.status

    result = await harness.load(get, connections=connections, seconds=seconds)
    figures_ = result.figures()
    return {k: figures_[k] for k in ("rate_per_s", "p50_ms", "p99_ms")}


_T0 = time.perf_counter()


def say(what: str) -> None:
    print(f"[{time.perf_counter() - _T0:6.1f} s] {what}", flush=True)


async def measure(args: argparse.Namespace, sizes: figures.Sizes) -> dict[str, Any]:
    infra = harness.infrastructure()
    stack = harness.Stack(infra)
    out: dict[str, Any] = {"limits": {}, "figures": {}}
    only = set(args.only)
    profile_dir = args.results_dir / "profiles" if args.profile else None
    stamp = time.strftime("%Y-%m-%dT%H%M", time.gmtime())
    try:
        say("limits: PostgreSQL and Kafka alone …")
        limits_db = await stack.new_database("limits")
        out["limits"] = await limits.measure(
            infra,
            limits_db,
            sizes.connections,
            sizes.limit_seconds,
            sizes.kafka_messages,
            round_trips=10 if args.quick else 100,
        )
        say("starting the services …")
        fake = await figures.fake_telegram(stack)
        clock = Path(tempfile.mkdtemp(prefix="bench-clock-")) / "clock"
        clock.write_text("2026-06-01T00:00:00+00:00")
        ledger, reporting, splits, _ = await asyncio.gather(
            # P1 measures what the ledger can write, not the per-user write limit (a policy,
            # 10 a second after a burst of 100, that one treasurer's token would hit at once).
            stack.start("ledger", args.replicas, SOSENKI_WRITE_RATE_PER_SECOND="0"),
            stack.start("reporting"),
            stack.start("splits"),
            stack.start("recurring", SOSENKI_CLOCK_FILE=str(clock)),
        )
        await stack.start(
            "bot_gateway",
            args.replicas,
            SOSENKI_TELEGRAM_BOT_TOKEN=BOT_TOKEN,
            SOSENKI_TELEGRAM_API_BASE=fake,
            SOSENKI_TELEGRAM_WEBHOOK_SECRET=_secret(),
            SOSENKI_TELEGRAM_WEBHOOK_URL="https://gateway.example/telegram/webhook",
            SOSENKI_AUTH_PRIVATE_KEY=stack.keys[0],
            SOSENKI_LEDGER_URL=ledger.url,
            SOSENKI_SPLITS_URL=splits.url,
            SOSENKI_REPORTING_URL=reporting.url,
            # P7 measures what the gateway can answer, not Telegram's own limits (about 30
            # messages a second overall, 20 a minute per group: the sender's policy defaults).
            SOSENKI_SEND_PER_GROUP_PER_MINUTE="100000",
            SOSENKI_SEND_GLOBAL_PER_SECOND="2000",
            SOSENKI_SEND_CONCURRENCY="32",
        )
        out["limits"]["http_floor"] = await http_floor(
            stack.services["bot_gateway"].url, sizes.connections, sizes.limit_seconds
        )
        say("a community with its owners …")
        community = await figures.community(stack, ledger, sizes)
        got = out["figures"]
        if profile_dir is not None:
            profile_dir = profile_dir / stamp
        if only & {"P1", "P2", "P6"}:
            say(f"P1, P2, P6: {sizes.connections} connections for {sizes.seconds:g} s …")
            got.update(await figures.p1_p2_p6(stack, community, sizes, profile_dir))
        else:  # P4 replays the ledger's real events: at least one contribution among them
            await harness.load(
                figures._contribution(stack.urls("ledger"), community, sizes.owners),
                connections=1,
                total=5,
            )
        if "P7" in only:
            say(f"P7: {sizes.p7_updates} updates through the webhook …")
            got.update(await figures.p7(stack, sizes, fake, profile_dir))
        if "P3" in only:
            say(f"P3: {sizes.p3_entries:,} entries, then the balance sheet …")
            got.update(
                await figures.p3(stack, community, sizes, ledger.env["SOSENKI_DATABASE_URL"])
            )
        if "P4" in only:
            say(f"P4: {sizes.p4_events:,} events, then reporting's rebuild …")
            got.update(await figures.p4(stack, sizes))
        if "P5" in only:
            total = sizes.p5_patterns * sizes.p5_per_pattern
            say(f"P5: {total:,} occurrences due at once …")
            got.update(await figures.p5(stack, sizes, clock.parent))
        say("done; stopping the services")
        for key in [k for k in list(got) if k not in only]:
            del got[key]
    finally:
        await stack.close()
    return out


def _secret() -> str:
    from bot_gateway.testing import SECRET

    return SECRET


def _ratio(value: float, limit: float) -> float | None:
    if not limit or math.isnan(value) or math.isnan(limit):
        return None
    return round(value / limit, 4)


def table(result: dict[str, Any], sizes: figures.Sizes) -> list[dict[str, Any]]:
    """One row per figure: the value, its target, met or not, its limit and the ratio to it.
    Rates: the share of the limit reached; latencies and times: how many times the limit."""
    f, lim = result["figures"], result["limits"]
    pg = lim[f"postgres_insert_commit_{sizes.connections}_connections"]
    rows: list[dict[str, Any]] = []

    def row(
        figure: str,
        what: str,
        value: float,
        target: str,
        met: bool,
        limit_name: str,
        limit: float,
    ) -> None:
        rows.append(
            {
                "figure": figure,
                "what": what,
                "value": value,
                "target": target,
                "met": met,
                "limit": limit_name,
                "limit_value": limit,
                "ratio": _ratio(value, limit),
            }
        )

    if "P1" in f:
        p1 = f["P1"]
        name = f"postgres insert+commit, {sizes.connections} conns"
        row(
            "P1",
            "writes/s",
            p1["rate_per_s"],
            ">= 1000",
            p1["rate_per_s"] >= 1000,
            name + " /s",
            pg["rate_per_s"],
        )
        row("P1", "p50 ms", p1["p50_ms"], "", True, name + " p50", pg["p50_ms"])
        row("P1", "p99 ms", p1["p99_ms"], "<= 50", p1["p99_ms"] <= 50, name + " p99", pg["p99_ms"])
    if "P2" in f:
        p2, rt = f["P2"], lim["kafka_round_trip"]
        ok = p2["samples"] > 0 and p2["failed"] == 0
        row("P2", "p50 ms", p2["p50_ms"], "", ok, "kafka round trip p50", rt["p50_ms"])
        row(
            "P2",
            "p99 ms",
            p2["p99_ms"],
            "<= 250",
            ok and p2["p99_ms"] <= 250,
            "kafka round trip p99",
            rt["p99_ms"],
        )
    if "P3" in f:
        p3, trip = f["P3"], lim["postgres_round_trip"]
        row(
            "P3",
            "balance sheet p99 ms",
            p3["p99_ms"],
            "<= 20",
            p3["p99_ms"] <= 20,
            "postgres SELECT 1 p99",
            trip["p99_ms"],
        )
        row(
            "P3",
            "x faster than naive",
            p3["times_faster_than_naive"],
            ">= 100",
            p3["times_faster_than_naive"] >= 100,
            "naive aggregate p50 ms",
            p3["naive_aggregate_p50_ms"],
        )
    if "P4" in f:
        p4 = f["P4"]
        row(
            "P4",
            "rebuild events/s",
            p4["rate_per_s"],
            ">= 20000",
            p4["rate_per_s"] >= 20000 and p4["finished"],
            "kafka consume /s",
            lim["kafka_consume"]["rate_per_s"],
        )
    if "P5" in f:
        p5 = f["P5"]
        produce = lim["kafka_produce"]["rate_per_s"]
        floor = round(p5["occurrences"] / produce, 3) if produce else 0.0
        row(
            "P5",
            "s until all emitted",
            p5["seconds"],
            "<= 60",
            p5["finished"] and p5["seconds"] <= 60,
            "kafka produce of as many, s",
            floor,
        )
        row("P5", "duplicates", p5["duplicates"], "0", p5["duplicates"] == 0, "", 0)
    if "P6" in f:
        p6 = f["P6"]
        for name, rss in sorted(p6["rss_mb"].items()):
            idle = p6["idle_rss_mb"].get(name, 0.0)
            row("P6", f"{name} RSS MB", rss, "<= 300", rss <= 300, "its idle RSS MB", idle)
    if "P7" in f:
        p7, http = f["P7"], lim["http_floor"]
        ok = p7["answered"] == p7["updates"]
        row(
            "P7",
            "updates/s",
            p7["rate_per_s"],
            ">= 200",
            ok and p7["rate_per_s"] >= 200,
            "GET /health/live /s",
            http["rate_per_s"],
        )
        row(
            "P7",
            "answer p99 ms",
            p7["p99_ms"],
            "<= 1000",
            ok and p7["p99_ms"] <= 1000,
            "GET /health/live p99",
            http["p99_ms"],
        )
    return rows


def render(rows: list[dict[str, Any]], limits_: dict[str, Any]) -> str:
    lines = [
        f"{'':3} {'figure':22} {'value':>10} {'target':>8} {'met':>4}   "
        f"{'ratio':>8}  limit (value)",
        "-" * 100,
    ]
    for r in rows:
        ratio = "" if r["ratio"] is None else f"{r['ratio']:.4g}"
        lines.append(
            f"{r['figure']:3} {r['what']:22} {r['value']:>10,.6g} {r['target']:>8} "
            f"{'yes' if r['met'] else 'NO':>4}   {ratio:>8}  {r['limit']} ({r['limit_value']:,.6g})"
        )
    lines.append("")
    lines.append("limits on this machine, measured in the same run:")
    for name, values in limits_.items():
        shown = ", ".join(f"{k} {v:,.6g}" for k, v in values.items())
        lines.append(f"  {name:40} {shown}")
    return "\n".join(lines)


def parse(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("--quick", action="store_true", help="tiny sizes (CI: no targets)")
    parser.add_argument(
        "--only",
        type=lambda s: [x.strip().upper() for x in s.split(",") if x.strip()],
        default=list(FIGURES),
        help="a subset of P1..P7, e.g. P1,P3 (P2 and P6 are measured during P1)",
    )
    parser.add_argument(
        "--replicas",
        type=int,
        default=2,
        help="processes of the ledger and of the gateway (2: the deployment's minimum replicas)",
    )
    parser.add_argument("--profile", action="store_true", help="py-spy flame graphs during P1")
    parser.add_argument("--results-dir", type=Path, default=harness.ROOT / "benchmarks/results")
    for field in ("seconds", "owners", "p3_entries", "p4_events", "p5_patterns", "p7_updates"):
        parser.add_argument(f"--{field.replace('_', '-')}", type=float, default=None)
    args = parser.parse_args(argv)
    unknown = set(args.only) - set(FIGURES)
    if unknown:
        parser.error(f"unknown figures: {', '.join(sorted(unknown))} (P1..P7)")
    return args


def _stop(signum: int, _: Any) -> None:
    """SIGTERM ends the run like Ctrl-C: the services it started are stopped on the way out."""
    raise KeyboardInterrupt(f"signal {signum}")


def main(argv: list[str] | None = None) -> None:
    signal.signal(signal.SIGTERM, _stop)
    args = parse(argv)
    sizes = figures.QUICK if args.quick else figures.FULL
    for field in ("seconds", "owners", "p3_entries", "p4_events", "p5_patterns", "p7_updates"):
        value = getattr(args, field)
        if value is not None:
            sizes = replace(sizes, **{field: value if field == "seconds" else int(value)})
    started = time.time()
    result = asyncio.run(measure(args, sizes))
    rows = table(result, sizes)
    report = {
        "when": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(started)),
        "mode": "quick" if args.quick else "full",
        "machine": {
            "python": platform.python_version(),
            "cpus": os.cpu_count(),
            "load_average_at_start": [round(x, 2) for x in os.getloadavg()],
        },
        "sizes": asdict(sizes),
        "replicas": {"ledger": args.replicas, "bot_gateway": args.replicas},
        "run_seconds": round(time.time() - started, 1),
        **result,
        "table": rows,
    }
    print()
    print(render(rows, result["limits"]))
    args.results_dir.mkdir(parents=True, exist_ok=True)
    text = json.dumps(report, indent=2, default=str) + "\n"
    names = (
        ["quick.json"]
        if args.quick
        else [time.strftime("%Y-%m-%d.json", time.gmtime(started)), "latest.json"]
    )
    for name in names:
        (args.results_dir / name).write_text(text)
    print(f"\nwritten to {', '.join(str(args.results_dir / n) for n in names)}")


if __name__ == "__main__":
    main()
