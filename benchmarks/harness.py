"""Plumbing for the benchmark: the infrastructure, service processes of its own (as the
end-to-end tests start them), an HTTP load generator, latency statistics, RSS and profiles."""

from __future__ import annotations

import asyncio
import os
import shutil
import subprocess
import sys
import time
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import aiohttp
from sosenki_platform.auth.tokens import generate_keypair, mint_token
from sosenki_platform.testing import (
    Infrastructure,
    ServiceProcess,
    create_database,
    database_url,
    drop_database,
    make_service_env,
)

ROOT = Path(__file__).resolve().parents[1]
LOG_DIR = ROOT / ".local" / "logs" / "bench"


def infrastructure() -> Infrastructure:
    """The shared PostgreSQL and Kafka: named by the environment, or the local stack (started
    with ``stack.py infra-up``, idempotent; never up/down/reset)."""
    kafka = os.environ.get("SOSENKI_KAFKA_BOOTSTRAP_SERVERS")
    pg = os.environ.get("SOSENKI_PG_ADMIN_URL")
    if kafka and pg:
        return Infrastructure(kafka, pg)
    subprocess.run(
        [sys.executable, str(ROOT / "deploy/local/stack.py"), "infra-up"],
        check=True,
        capture_output=True,
        timeout=600,
    )
    env: dict[str, str] = {}
    for line in (ROOT / ".local/stack.env").read_text().splitlines():
        key, _, value = line.removeprefix("export ").partition("=")
        env[key.strip()] = value.strip().strip("'\"")
    for key, value in env.items():  # Kafka clients (ours and the services') sign in as admin
        if key.startswith("SOSENKI_KAFKA_") and key != "SOSENKI_KAFKA_BOOTSTRAP_SERVERS":
            os.environ[key] = value
    return Infrastructure(env["SOSENKI_KAFKA_BOOTSTRAP_SERVERS"], env["SOSENKI_PG_ADMIN_URL"])


def percentile(values: list[float], p: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(p / 100 * (len(ordered) - 1))))
    return ordered[index]


def latency_ms(values: list[float]) -> dict[str, float]:
    """p50/p99 in milliseconds of durations in seconds."""
    return {
        "p50_ms": round(percentile(values, 50) * 1000, 2),
        "p99_ms": round(percentile(values, 99) * 1000, 2),
    }


@dataclass
class Stack:
    """Service processes of the benchmark's own: fresh databases, a unique topic prefix."""

    infra: Infrastructure
    prefix: str = field(default_factory=lambda: f"bench{uuid.uuid4().hex[:8]}.")
    keys: tuple[str, str] = field(default_factory=generate_keypair)
    services: dict[str, ServiceProcess] = field(default_factory=dict)
    databases: list[str] = field(default_factory=list)
    extra: list[subprocess.Popen[bytes]] = field(default_factory=list)

    def token(self, subject: int | str, communities: list[int] | None = None) -> str:
        return mint_token(self.keys[0], str(subject), communities=communities)

    def env(self) -> dict[str, str]:
        env = make_service_env(self.infra, self.prefix, self.keys)
        env.pop("SOSENKI_TOPIC_PARTITIONS")  # the services' own default, as in production
        return env

    async def new_database(self, name: str) -> str:
        db = await create_database(self.infra.pg_admin_url, f"bench_{name}")
        self.databases.append(db)
        return database_url(self.infra.pg_admin_url, db)

    async def start(self, module: str, replicas: int = 1, **extra_env: str) -> ServiceProcess:
        """The service's first process (its name in ``services``) and ``replicas - 1`` more on
        the same database (``<module>#2`` …), as a deployment runs replicas behind one Service;
        :meth:`urls` lists them all for the load generator."""
        url = extra_env.pop("SOSENKI_DATABASE_URL", None) or await self.new_database(module)
        env = {**self.env(), "SOSENKI_DATABASE_URL": url, **extra_env}
        process = ServiceProcess(module, env, LOG_DIR)
        process.start()
        self.services[module] = process
        await process.wait_ready(120)  # the first one migrates the database alone
        more = []
        for n in range(2, replicas + 1):
            replica = ServiceProcess(module, env, LOG_DIR)
            replica.start()
            self.services[f"{module}#{n}"] = replica
            more.append(replica)
        await asyncio.gather(*(r.wait_ready(120) for r in more))
        return process

    def urls(self, module: str) -> list[str]:
        """The base URLs of every replica of ``module``."""
        return [p.url for name, p in self.services.items() if name.split("#")[0] == module]

    def popen(self, args: list[str], log_name: str) -> subprocess.Popen[bytes]:
        LOG_DIR.mkdir(parents=True, exist_ok=True)
        log = (LOG_DIR / log_name).open("ab")
        process = subprocess.Popen(
            args, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL
        )
        self.extra.append(process)
        return process

    async def close(self) -> None:
        for process in reversed(list(self.services.values())):
            process.stop()
        for extra in self.extra:
            if extra.poll() is None:
                extra.terminate()
                try:
                    extra.wait(10)
                except subprocess.TimeoutExpired:
                    extra.kill()
        from sosenki_platform.topic_admin import delete_topics_with_prefix

        try:
            await delete_topics_with_prefix(self.infra.kafka_bootstrap_servers, self.prefix)
        except Exception as exc:  # cleanup never fails the run
            print(f"(could not delete topics {self.prefix}*: {exc!r})", file=sys.stderr)
        for db in self.databases:
            await drop_database(self.infra.pg_admin_url, db)


@dataclass
class LoadResult:
    ok: int
    errors: int
    seconds: float
    latencies: list[float]
    statuses: dict[int, int]

    def figures(self) -> dict[str, float]:
        return {
            "rate_per_s": round(self.ok / self.seconds, 1) if self.seconds else 0.0,
            **latency_ms(self.latencies),
            "requests": self.ok,
            "errors": self.errors,
        }


Request = Callable[[aiohttp.ClientSession, int], Awaitable[int]]


async def load(
    request: Request, *, connections: int, seconds: float | None = None, total: int | None = None
) -> LoadResult:
    """``connections`` closed-loop clients, each sending ``request`` one after another until
    ``seconds`` have passed or ``total`` requests have been sent. ``request(session, n)`` returns
    the HTTP status; 2xx counts as done."""
    connector = aiohttp.TCPConnector(limit=connections, force_close=False)
    latencies: list[float] = []
    statuses: dict[int, int] = {}
    counter = iter(range(total if total is not None else 10**12))
    start = time.perf_counter()
    deadline = start + seconds if seconds is not None else float("inf")
    timeout = aiohttp.ClientTimeout(total=30)

    async def client(session: aiohttp.ClientSession) -> None:
        for n in counter:
            if time.perf_counter() >= deadline:
                return
            t0 = time.perf_counter()
            try:
                status = await request(session, n)
            except (aiohttp.ClientError, TimeoutError):
                status = 0
            statuses[status] = statuses.get(status, 0) + 1
            if 200 <= status < 300:
                latencies.append(time.perf_counter() - t0)

    async with aiohttp.ClientSession(connector=connector, timeout=timeout) as session:
        await asyncio.gather(*(client(session) for _ in range(connections)))
    elapsed = time.perf_counter() - start
    ok = len(latencies)
    return LoadResult(ok, sum(statuses.values()) - ok, elapsed, latencies, statuses)


def process_tree(pid: int) -> list[int]:
    """``pid`` and its descendants (worker processes count towards their service)."""
    children: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as f:
                stat = f.read()
        except OSError:
            continue
        ppid = int(stat.rsplit(")", 1)[1].split()[1])
        children.setdefault(ppid, []).append(int(entry))
    tree, todo = [], [pid]
    while todo:
        current = todo.pop()
        tree.append(current)
        todo.extend(children.get(current, []))
    return tree


def rss_mb(pid: int) -> float:
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0


def cpu_seconds(stack: Stack, module: str) -> float:
    """CPU time (user + system) used so far by every process of ``module``'s replicas: the
    figure per request is steadier than a rate on a shared machine."""
    tick = os.sysconf("SC_CLK_TCK")
    total = 0.0
    for name, service in stack.services.items():
        if name.split("#")[0] != module or service.process is None:
            continue
        for pid in process_tree(service.process.pid):
            try:
                with open(f"/proc/{pid}/stat") as f:
                    fields = f.read().rsplit(")", 1)[1].split()
            except OSError:
                continue
            total += (int(fields[11]) + int(fields[12])) / tick  # utime, stime
    return total


class RssSampler:
    """Largest RSS seen per service (its biggest process, and its whole process tree)."""

    def __init__(self, services: dict[str, ServiceProcess]) -> None:
        self.services = services
        self.peak: dict[str, float] = {}
        self.peak_tree: dict[str, float] = {}
        self._task: asyncio.Task[None] | None = None

    def sample(self) -> None:
        for name, service in self.services.items():
            if service.process is None:
                continue
            sizes = [rss_mb(pid) for pid in process_tree(service.process.pid)]
            self.peak[name] = max(self.peak.get(name, 0.0), max(sizes))
            self.peak_tree[name] = max(self.peak_tree.get(name, 0.0), sum(sizes))

    async def _run(self) -> None:
        while True:
            self.sample()
            await asyncio.sleep(0.5)

    def __enter__(self) -> RssSampler:
        self.sample()
        self._task = asyncio.get_running_loop().create_task(self._run())
        return self

    def __exit__(self, *_: Any) -> None:
        if self._task:
            self._task.cancel()
        self.sample()


def py_spy() -> list[str] | None:
    """py-spy from PATH, or run by uv from PyPI without touching the project's lock file."""
    if found := shutil.which("py-spy"):
        return [found]
    if uv := shutil.which("uv"):
        return [uv, "tool", "run", "--from", "py-spy", "py-spy"]
    return None


def start_profile(pid: int, seconds: float, out: Path) -> subprocess.Popen[bytes] | None:
    """py-spy on ``pid`` for ``seconds``: a flame graph ``out`` (.svg) and, beside it, the same
    samples as collapsed stacks (``.folded.txt``: one stack and its count per line, for grep and
    ``benchmarks/profile_summary.py``)."""
    svg = _py_spy(pid, seconds, out, "flamegraph")
    _py_spy(pid, seconds, out.with_suffix(".folded.txt"), "raw")
    return svg


def _py_spy(pid: int, seconds: float, out: Path, form: str) -> subprocess.Popen[bytes] | None:
    command = py_spy()
    if command is None:
        print("(py-spy not found: no profile)", file=sys.stderr)
        return None
    out.parent.mkdir(parents=True, exist_ok=True)
    return subprocess.Popen(
        [
            *command,
            "record",
            "--pid",
            str(pid),
            "--duration",
            str(max(1, round(seconds))),
            "--rate",
            "100",
            "--subprocesses",
            "--format",
            form,
            "--output",
            str(out),
            "--nonblocking",
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
