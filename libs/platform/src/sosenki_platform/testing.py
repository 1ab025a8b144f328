"""Helpers for tests against real infrastructure: throwaway databases, free ports, service
processes started the way production starts them, and polling instead of sleeping."""

from __future__ import annotations

import asyncio
import contextlib
import os
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

import asyncpg
import httpx

T = TypeVar("T")


@dataclass(frozen=True)
class Infrastructure:
    """Where the test run's Kafka and PostgreSQL are."""

    kafka_bootstrap_servers: str
    pg_admin_url: str


def make_service_env(
    infrastructure: Infrastructure, topic_prefix: str, signing_keys: tuple[str, str]
) -> dict[str, str]:
    """Environment for the services a test starts (add SOSENKI_DATABASE_URL per service)."""
    return {
        "SOSENKI_KAFKA_BOOTSTRAP_SERVERS": infrastructure.kafka_bootstrap_servers,
        "SOSENKI_TOPIC_PREFIX": topic_prefix,
        "SOSENKI_AUTH_PUBLIC_KEY": signing_keys[1],
        "SOSENKI_LOG_JSON": "true",
        "SOSENKI_RELAY_POLL_INTERVAL_SECONDS": "0.1",
        # Each test run makes its own topics: keep them small so the broker stays light.
        "SOSENKI_TOPIC_PARTITIONS": "2",
    }


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def database_url(admin_url: str, name: str) -> str:
    return admin_url.rsplit("/", 1)[0] + "/" + name


async def create_database(admin_url: str, prefix: str) -> str:
    """A new empty database; returns its name."""
    name = f"{prefix}_{uuid.uuid4().hex[:10]}"
    conn = await asyncpg.connect(admin_url)
    try:
        await conn.execute(f'CREATE DATABASE "{name}"')
    finally:
        await conn.close()
    return name


async def drop_database(admin_url: str, name: str, attempts: int = 5) -> bool:
    """Drop a test's database; best effort (cleanup never fails a test). True when dropped."""
    for attempt in range(attempts):
        conn = await asyncpg.connect(admin_url)
        try:
            await conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            return True
        except asyncpg.PostgresError:
            # E.g. an autovacuum worker we may not stop (PostgreSQL 17+): it finishes soon.
            await asyncio.sleep(0.5 * (attempt + 1))
        finally:
            await conn.close()
    return False


async def eventually(
    probe: Callable[[], Awaitable[T | None]],
    *,
    timeout: float = 30.0,
    interval: float = 0.2,
    what: str = "condition",
) -> T:
    """Poll ``probe`` until it returns something other than None (or False)."""
    deadline = time.monotonic() + timeout
    last_error: Exception | None = None
    while time.monotonic() < deadline:
        try:
            result = await probe()
            if result is not None and result is not False:
                return result
        except Exception as exc:
            last_error = exc
        await asyncio.sleep(interval)
    raise AssertionError(f"timed out after {timeout}s waiting for {what}; last error: {last_error}")


class ServiceProcess:
    """One service run as ``python -m <module>``, exactly as in production."""

    def __init__(self, module: str, env: Mapping[str, str], log_dir: Path) -> None:
        self.module = module
        self.port = free_port()
        self.env = {
            **os.environ,
            **env,
            "SOSENKI_HTTP_HOST": "127.0.0.1",
            "SOSENKI_HTTP_PORT": str(self.port),
        }
        log_dir.mkdir(parents=True, exist_ok=True)
        self.log_path = log_dir / f"{module}-{self.port}.log"
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> None:
        log = self.log_path.open("ab")
        self.process = subprocess.Popen(
            [sys.executable, "-m", self.module],
            env=self.env,
            stdout=log,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
        )

    async def wait_ready(self, timeout: float = 60.0) -> None:
        async def ready() -> bool:
            if self.process is not None and self.process.poll() is not None:
                raise RuntimeError(self._died_message())
            async with httpx.AsyncClient(timeout=2.0) as client:
                response = await client.get(f"{self.url}/health/ready")
                return response.status_code == 200

        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                if await ready():
                    return
            except RuntimeError:
                raise
            except httpx.HTTPError:
                pass
            await asyncio.sleep(0.3)
        raise RuntimeError(f"{self.module} not ready after {timeout}s\n{self.log_tail()}")

    def _died_message(self) -> str:
        return f"{self.module} exited with {self.process and self.process.returncode}\n" + (
            self.log_tail()
        )

    def log_tail(self, lines: int = 40) -> str:
        try:
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])
        except FileNotFoundError:
            return "(no log)"

    def stop(self, timeout: float = 20.0) -> int | None:
        """SIGTERM (graceful shutdown), then SIGKILL if it does not finish in ``timeout``."""
        if self.process is None or self.process.poll() is not None:
            return self.process.returncode if self.process else None
        self.process.terminate()
        try:
            return self.process.wait(timeout)
        except subprocess.TimeoutExpired:
            self.process.kill()
            return self.process.wait(5)


@contextlib.asynccontextmanager
async def running_app(app: Any) -> AsyncIterator[httpx.AsyncClient]:
    """Run a FastAPI app's lifespan in this process and talk to it over ASGI."""
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://service") as client:
            yield client
