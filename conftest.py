"""Test harness shared by every package's tests.

Infrastructure, in order of preference:
1. already-running services named by environment variables (``SOSENKI_KAFKA_BOOTSTRAP_SERVERS``
   and ``SOSENKI_PG_ADMIN_URL``; a SASL broker's admin credentials in ``SOSENKI_KAFKA_SASL_*``);
2. containers through testcontainers, when a Docker engine answers;
3. the local stack, started through ``deploy/local/stack.py infra-up`` (idempotent); its admin
   credentials (``.local/stack.env``) are put in the environment.

Isolation: every test run gets its own topic prefix and its own databases, so runs never see each
other's data. Only tests that ask for infrastructure start it; unit tests need nothing.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from pathlib import Path

import pytest
from sosenki_platform.auth.tokens import generate_keypair, mint_token
from sosenki_platform.testing import (
    Infrastructure,
    create_database,
    database_url,
    drop_database,
    make_service_env,
)
from sosenki_platform.topic_admin import delete_topics_with_prefix

ROOT = Path(__file__).resolve().parent


def _docker_engine_answers() -> bool:
    if shutil.which("docker") is None:
        return False
    try:
        return subprocess.run(["docker", "info"], capture_output=True, timeout=10).returncode == 0
    except (OSError, subprocess.TimeoutExpired):
        return False


def _from_local_stack() -> Infrastructure:
    result = subprocess.run(
        [sys.executable, str(ROOT / "deploy/local/stack.py"), "infra-up"],
        capture_output=True,
        text=True,
        timeout=600,
    )
    if result.returncode != 0:
        pytest.exit(f"could not start the local stack:\n{result.stdout}\n{result.stderr}", 3)
    env: dict[str, str] = {}
    for line in (ROOT / ".local/stack.env").read_text().splitlines():
        key, _, value = line.removeprefix("export ").partition("=")
        env[key.strip()] = value.strip().strip("'\"")
    # The tests (and the services they start) sign in to Kafka as the stack's admin user.
    # (Not the bootstrap address: with it set, deploy/local would take the stack for external.)
    for key, value in env.items():
        if key.startswith("SOSENKI_KAFKA_") and key != "SOSENKI_KAFKA_BOOTSTRAP_SERVERS":
            os.environ[key] = value
    return Infrastructure(env["SOSENKI_KAFKA_BOOTSTRAP_SERVERS"], env["SOSENKI_PG_ADMIN_URL"])


@pytest.fixture(scope="session")
def infrastructure() -> Iterator[Infrastructure]:
    kafka = os.environ.get("SOSENKI_KAFKA_BOOTSTRAP_SERVERS")
    pg = os.environ.get("SOSENKI_PG_ADMIN_URL")
    if kafka and pg:
        yield Infrastructure(kafka, pg)
    elif _docker_engine_answers():
        from testcontainers.kafka import KafkaContainer
        from testcontainers.postgres import PostgresContainer

        with (
            KafkaContainer("apache/kafka:4.1.1").with_kraft() as kafka_container,
            PostgresContainer(
                "postgres:18", username="sosenki", password="sosenki"
            ) as pg_container,
        ):
            host = pg_container.get_container_host_ip()
            port = pg_container.get_exposed_port(5432)
            yield Infrastructure(
                kafka_container.get_bootstrap_server(),
                f"postgresql://sosenki:sosenki@{host}:{port}/postgres",
            )
    else:
        yield _from_local_stack()


@pytest.fixture(scope="session")
async def topic_prefix(infrastructure: Infrastructure) -> AsyncIterator[str]:
    """Every run publishes and consumes under its own prefix (topics are created on demand and
    deleted at the end, so the broker does not fill up with old runs)."""
    prefix = f"t{uuid.uuid4().hex[:8]}."
    yield prefix
    await delete_topics_with_prefix(infrastructure.kafka_bootstrap_servers, prefix)


@pytest.fixture(scope="session")
def signing_keys() -> tuple[str, str]:
    """A key pair for this test run: (private PEM, public PEM)."""
    return generate_keypair()


TokenFactory = Callable[..., str]


@pytest.fixture(scope="session")
def make_token(signing_keys: tuple[str, str]) -> TokenFactory:
    private, _ = signing_keys

    def make(
        subject: str | int,
        *,
        roles: list[str] | None = None,
        communities: list[int] | None = None,
        groups: list[int] | None = None,
        ttl_seconds: int = 3600,
    ) -> str:
        return mint_token(
            private,
            str(subject),
            roles=roles,
            communities=communities,
            groups=groups,
            ttl_seconds=ttl_seconds,
        )

    return make


DatabaseFactory = Callable[[str], Awaitable[str]]


@pytest.fixture
async def new_database(infrastructure: Infrastructure) -> AsyncIterator[DatabaseFactory]:
    """Creates empty databases for one test (dropped afterwards); returns their URLs."""
    created: list[str] = []

    async def make(prefix: str) -> str:
        name = await create_database(infrastructure.pg_admin_url, f"t_{prefix}")
        created.append(name)
        return database_url(infrastructure.pg_admin_url, name)

    yield make
    for name in created:
        await drop_database(infrastructure.pg_admin_url, name)


@pytest.fixture(scope="session")
def service_env(
    infrastructure: Infrastructure, topic_prefix: str, signing_keys: tuple[str, str]
) -> dict[str, str]:
    """Shared by the whole run: fine for services that only publish (their ids never meet)."""
    return make_service_env(infrastructure, topic_prefix, signing_keys)
