"""Integration tests of the local stack: run `stack.py infra-up` for real, then check what it built.

`infra-up` is idempotent, so these tests reuse a running stack (and leave it running).
"""

from __future__ import annotations

import json
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import pytest
from sosenki_contracts.topics import ALL_TOPICS, COMMAND_TOPICS, EVENT_TOPICS, dead_letter_topic
from sosenki_platform.topic_admin import COMMAND_RETENTION_MS, ensure_topics

from deploy.local import kafka, postgres
from deploy.local.processes import REPO_ROOT

pytestmark = pytest.mark.integration

STACK = [sys.executable, str(REPO_ROOT / "deploy" / "local" / "stack.py")]


def run_stack(*args: str, timeout: float = 600) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*STACK, *args], capture_output=True, text=True, timeout=timeout, check=False
    )


@pytest.fixture(scope="module")
def stack() -> Iterator[None]:
    result = run_stack("infra-up")
    assert result.returncode == 0, f"infra-up failed:\n{result.stdout}\n{result.stderr}"
    yield


def database_url(db: str) -> str:
    """A URL for ``db`` as the sosenki role, on whichever server the stack uses."""
    admin = urlsplit(postgres.admin_url())
    host = f"{admin.hostname}:{admin.port or 5432}"
    return urlunsplit(("postgresql", f"sosenki:sosenki@{host}", f"/{db}", "", ""))


@pytest.mark.parametrize("db", postgres.DATABASES)
async def test_each_database_accepts_sosenki(stack: None, db: str) -> None:
    import asyncpg  # type: ignore[import-untyped,unused-ignore]

    conn = await asyncpg.connect(database_url(db), timeout=10)
    try:
        assert await conn.fetchval("SELECT current_database()") == db
        assert await conn.fetchval("SELECT current_user") == "sosenki"
        owner = await conn.fetchval(
            "SELECT pg_get_userbyid(datdba) FROM pg_database WHERE datname = $1", db
        )
        assert owner == "sosenki"
        # sosenki may create throwaway databases (tests do)
        assert await conn.fetchval("SELECT rolcreatedb FROM pg_roles WHERE rolname = current_user")
    finally:
        await conn.close()


async def test_every_topic_exists(stack: None) -> None:
    from aiokafka.admin import AIOKafkaAdminClient

    admin = AIOKafkaAdminClient(
        bootstrap_servers=kafka.bootstrap_servers(), **kafka.security().client_options()
    )
    await admin.start()
    try:
        existing = set(await admin.list_topics())
    finally:
        await admin.close()
    assert set(ALL_TOPICS) <= existing


async def _topic_config(topic: str) -> dict[str, str]:
    from aiokafka.admin import AIOKafkaAdminClient
    from aiokafka.admin.config_resource import ConfigResource, ConfigResourceType

    admin = AIOKafkaAdminClient(
        bootstrap_servers=kafka.bootstrap_servers(), **kafka.security().client_options()
    )
    await admin.start()
    try:
        responses = await admin.describe_configs(
            [ConfigResource(ConfigResourceType.TOPIC, topic, None)]
        )
    finally:
        await admin.close()
    resource = responses[0].to_object()["resources"][0]
    assert resource["error_code"] == 0, resource
    return {e["config_names"]: e["config_value"] for e in resource["config_entries"]}


async def test_event_and_dead_letter_topics_keep_data_forever(stack: None) -> None:
    for topic in (EVENT_TOPICS[0], dead_letter_topic(COMMAND_TOPICS[0])):
        config = await _topic_config(topic)
        assert config["retention.ms"] == "-1", topic
        assert config["retention.bytes"] == "-1", topic


async def test_command_topics_keep_seven_days(stack: None) -> None:
    config = await _topic_config(COMMAND_TOPICS[0])
    assert config["retention.ms"] == str(COMMAND_RETENTION_MS)


async def test_produce_and_consume_round_trip(stack: None) -> None:
    """A message produced to a (throwaway) topic is consumed back; ensure_topics is idempotent."""
    from aiokafka import AIOKafkaConsumer, AIOKafkaProducer
    from aiokafka.admin import AIOKafkaAdminClient

    bootstrap = kafka.bootstrap_servers()
    prefix = f"test-{uuid.uuid4().hex[:8]}."
    topic = f"{prefix}roundtrip.events.v1"
    admin_security = kafka.security()
    created = await ensure_topics(
        bootstrap, ["roundtrip.events.v1"], prefix=prefix, partitions=1, security=admin_security
    )
    assert created == [topic]
    assert (
        await ensure_topics(
            bootstrap, ["roundtrip.events.v1"], prefix=prefix, security=admin_security
        )
        == []
    )
    try:
        payload = uuid.uuid4().hex.encode()
        producer = AIOKafkaProducer(
            bootstrap_servers=bootstrap, acks="all", **kafka.security().client_options()
        )
        await producer.start()
        try:
            await producer.send_and_wait(topic, payload, key=b"k")
        finally:
            await producer.stop()

        consumer = AIOKafkaConsumer(
            topic,
            bootstrap_servers=bootstrap,
            group_id=f"{prefix}group",
            auto_offset_reset="earliest",
            enable_auto_commit=False,
            **kafka.security().client_options(),
        )
        await consumer.start()
        try:
            batches = await consumer.getmany(timeout_ms=20_000, max_records=10)
            values = [m.value for msgs in batches.values() for m in msgs]
        finally:
            await consumer.stop()
        assert values == [payload]
    finally:
        admin = AIOKafkaAdminClient(
            bootstrap_servers=bootstrap, **kafka.security().client_options()
        )
        await admin.start()
        try:
            await admin.delete_topics([topic])
        finally:
            await admin.close()


def test_second_infra_up_is_quick(stack: None) -> None:
    t0 = time.monotonic()
    result = run_stack("infra-up", timeout=120)
    elapsed = time.monotonic() - t0
    assert result.returncode == 0, result.stderr
    assert elapsed < 30, f"second infra-up took {elapsed:.1f}s"
    assert "already running" in result.stdout or "external" in result.stdout


def test_status_reports_both_running(stack: None) -> None:
    result = run_stack("status", "--json", timeout=60)
    # Exit 3 means "something is down": the services are, unless `up` started them.
    assert result.returncode in (0, 3), result.stdout + result.stderr
    states = {s["name"]: s for s in json.loads(result.stdout)}
    assert (result.returncode == 0) == all(
        s["running"] for s in states.values() if s["name"] not in ("topics", "kafka-access")
    )
    for name in ("postgres", "kafka"):
        assert states[name]["running"], states[name]
    assert states["topics"]["state"] == "present"
    text = run_stack("status", timeout=60).stdout
    assert "postgres" in text and "kafka" in text
    assert "running" in text or "external" in text  # external: SOSENKI_* name the servers


def test_env_matches_stack_env_file(stack: None) -> None:
    result = run_stack("env", timeout=60)
    assert result.returncode == 0
    lines = result.stdout.strip().splitlines()
    assert any(line.startswith("export SOSENKI_KAFKA_BOOTSTRAP_SERVERS=") for line in lines)
    assert any(line.startswith("export SOSENKI_PG_ADMIN_URL=") for line in lines)
    assert (REPO_ROOT / ".local" / "stack.env").read_text().strip().splitlines() == lines


def _local_broker() -> None:
    if kafka.external_bootstrap() is not None:
        pytest.skip(
            "SOSENKI_KAFKA_BOOTSTRAP_SERVERS names another cluster: its security is its own"
        )


def test_secrets_are_private_and_env_carries_the_admin(stack: None) -> None:
    _local_broker()
    for path in (kafka.CREDENTIALS_FILE, kafka.CONFIG_FILE, REPO_ROOT / ".local" / "stack.env"):
        assert path.stat().st_mode & 0o777 == 0o600, path
    env = (REPO_ROOT / ".local" / "stack.env").read_text()
    assert "export SOSENKI_KAFKA_SECURITY_PROTOCOL=SASL_PLAINTEXT" in env
    assert "export SOSENKI_KAFKA_SASL_USERNAME=admin" in env


def test_each_service_is_started_with_its_own_kafka_user(stack: None) -> None:
    _local_broker()
    from deploy.local import services

    passwords = set()
    for service, module in services.SERVICES.items():
        env = services._env(service, module)
        assert env["SOSENKI_KAFKA_SECURITY_PROTOCOL"] == "SASL_PLAINTEXT"
        assert env["SOSENKI_KAFKA_SASL_USERNAME"] == service
        passwords.add(env["SOSENKI_KAFKA_SASL_PASSWORD"])
    assert len(passwords) == len(services.SERVICES)


async def _produce_as(security: object, topic: str) -> None:
    from aiokafka import AIOKafkaProducer
    from sosenki_platform.kafka_security import KafkaSecurity

    assert isinstance(security, KafkaSecurity)
    producer = AIOKafkaProducer(
        bootstrap_servers=kafka.bootstrap_servers(),
        request_timeout_ms=10_000,
        **security.client_options(),
    )
    await producer.start()
    try:
        await producer.send_and_wait(topic, b"x")
    finally:
        await producer.stop()


async def test_the_broker_refuses_strangers_and_writes_outside_the_acls(stack: None) -> None:
    _local_broker()
    from aiokafka.errors import KafkaConnectionError, TopicAuthorizationFailedError
    from sosenki_contracts.topics import LEDGER_COMMANDS, LEDGER_EVENTS
    from sosenki_platform.kafka_security import KafkaSecurity

    with pytest.raises(TopicAuthorizationFailedError):
        await _produce_as(kafka.user_security("reporting"), LEDGER_COMMANDS)
    with pytest.raises(TopicAuthorizationFailedError):
        await _produce_as(kafka.user_security("bot-gateway"), LEDGER_EVENTS)
    with pytest.raises(KafkaConnectionError):
        await _produce_as(KafkaSecurity(), LEDGER_EVENTS)  # no credentials at all


def test_storage_formatted_before_sasl_is_reformatted(tmp_path: Any, monkeypatch: Any) -> None:
    """An old (PLAINTEXT-era) data directory has no security stamp: start() re-formats it."""
    data = tmp_path / "data"
    data.mkdir()
    (data / "meta.properties").write_text("version=1\n")
    monkeypatch.setattr(kafka, "DATA_DIR", data)
    monkeypatch.setattr(kafka, "SECURITY_STAMP", data / "sosenki-security")
    assert kafka._storage_outdated()
    (data / "sosenki-security").write_text(kafka.SECURITY_VERSION + "\n")
    assert not kafka._storage_outdated()
