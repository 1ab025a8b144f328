"""Fixtures that run the services as real processes (``python -m <service>``) against the test
run's Kafka topics and fresh databases."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path

import pytest
from sosenki_platform.testing import Infrastructure, ServiceProcess, make_service_env
from sosenki_platform.topic_admin import delete_topics_with_prefix

ROOT = Path(__file__).resolve().parents[1]
LOG_DIR = ROOT / ".local" / "logs" / "e2e"

StartService = Callable[..., Awaitable[ServiceProcess]]


@pytest.fixture
async def topic_prefix(infrastructure: Infrastructure) -> AsyncIterator[str]:
    """Each end-to-end test gets topics of its own: its consumers read from the beginning, and
    another test's events (with the same ids from other fresh databases) must not be there.
    They are deleted when the test ends."""
    prefix = f"e{uuid.uuid4().hex[:8]}."
    yield prefix
    await delete_topics_with_prefix(infrastructure.kafka_bootstrap_servers, prefix)


@pytest.fixture
def service_env(
    infrastructure: Infrastructure, topic_prefix: str, signing_keys: tuple[str, str]
) -> dict[str, str]:
    return make_service_env(infrastructure, topic_prefix, signing_keys)


@pytest.fixture
async def start_service(
    service_env: dict[str, str], new_database: Callable[[str], Awaitable[str]]
) -> AsyncIterator[StartService]:
    """Start a service process with its own fresh database; stopped when the test ends."""
    started: list[ServiceProcess] = []

    async def start(module: str, ready_timeout: float = 60.0, **extra_env: str) -> ServiceProcess:
        db_url = extra_env.pop("SOSENKI_DATABASE_URL", None) or await new_database(module)
        process = ServiceProcess(
            module, {**service_env, "SOSENKI_DATABASE_URL": db_url, **extra_env}, LOG_DIR
        )
        process.start()
        started.append(process)
        await process.wait_ready(ready_timeout)
        return process

    yield start
    for process in reversed(started):
        process.stop()
