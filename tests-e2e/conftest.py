"""Fixtures that run the services as real processes (``python -m <service>``) against the test
run's Kafka topics and fresh databases."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path

import pytest
from sosenki_platform.testing import ServiceProcess

ROOT = Path(__file__).resolve().parents[1]
LOG_DIR = ROOT / ".local" / "logs" / "e2e"

StartService = Callable[..., Awaitable[ServiceProcess]]


@pytest.fixture
async def start_service(
    service_env: dict[str, str], new_database: Callable[[str], Awaitable[str]]
) -> AsyncIterator[StartService]:
    """Start a service process with its own fresh database; stopped when the test ends."""
    started: list[ServiceProcess] = []

    async def start(module: str, **extra_env: str) -> ServiceProcess:
        db_url = extra_env.pop("SOSENKI_DATABASE_URL", None) or await new_database(module)
        process = ServiceProcess(
            module, {**service_env, "SOSENKI_DATABASE_URL": db_url, **extra_env}, LOG_DIR
        )
        process.start()
        started.append(process)
        await process.wait_ready()
        return process

    yield start
    for process in reversed(started):
        process.stop()
