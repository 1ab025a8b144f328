"""Services signed in to Kafka as themselves, with the ACLs of ``sosenki_contracts.access``: the
flow works, and a client may not write where the table does not let it.

The harness makes users of its own for this test (``<prefix><service>``) and their ACLs from the
table on the test's prefixed topics, so it runs against any SASL broker the run uses (the local
stack's, or one named by ``SOSENKI_KAFKA_*``), and removes them afterwards.
"""

from __future__ import annotations

import secrets
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from aiokafka import AIOKafkaProducer
from aiokafka.errors import KafkaConnectionError, TopicAuthorizationFailedError
from sosenki_contracts import topics
from sosenki_contracts.access import SERVICES
from sosenki_platform.kafka_acl import (
    LITERAL,
    READ,
    TOPIC,
    WRITE,
    AclBinding,
    KafkaAccessAdmin,
    apply_table,
)
from sosenki_platform.kafka_security import KafkaSecurity
from sosenki_platform.testing import Infrastructure, eventually
from sosenki_platform.topic_admin import ensure_topics

pytestmark = pytest.mark.e2e

MODULES = {"ledger": "ledger", "reporting": "reporting"}


@pytest.fixture
async def own_users(
    infrastructure: Infrastructure, topic_prefix: str
) -> AsyncIterator[dict[str, KafkaSecurity]]:
    """A user per service for this test, with the table's ACLs on this test's topics."""
    admin = KafkaSecurity.from_env()
    if not admin.sasl:
        pytest.skip("this run's Kafka has no SASL (SOSENKI_KAFKA_SASL_* unset): no ACLs to test")
    bootstrap = infrastructure.kafka_bootstrap_servers
    # Services may not create topics: the operator (here the harness, as admin) does.
    await ensure_topics(bootstrap, prefix=topic_prefix, partitions=2, security=admin)
    names = _names(topic_prefix)
    passwords = {service: secrets.token_urlsafe(18) for service in names}
    await apply_table(bootstrap, admin, passwords=passwords, prefix=topic_prefix, principals=names)
    yield {
        service: KafkaSecurity.create("SASL_PLAINTEXT", admin.mechanism, names[service], pw)
        for service, pw in passwords.items()
    }
    async with KafkaAccessAdmin(bootstrap, admin) as acl:
        await acl.delete_acls_of([f"User:{name}" for name in names.values()])
        await acl.delete_users(list(names.values()), admin.mechanism)


def _names(prefix: str) -> dict[str, str]:
    return {row.service: f"{prefix}{row.service}" for row in SERVICES}


async def _produce(bootstrap: str, topic: str, security: KafkaSecurity) -> None:
    producer = AIOKafkaProducer(
        bootstrap_servers=bootstrap,
        acks="all",
        enable_idempotence=True,
        request_timeout_ms=10_000,
        **security.client_options(),
    )
    await producer.start()
    try:
        await producer.send_and_wait(topic, b'{"forged": true}', key=b"k")
    finally:
        await producer.stop()


async def test_services_run_as_themselves_and_may_write_only_what_the_table_allows(
    own_users: dict[str, KafkaSecurity],
    infrastructure: Infrastructure,
    topic_prefix: str,
    start_service: Any,
    make_token: Any,
) -> None:
    bootstrap = infrastructure.kafka_bootstrap_servers
    started = {
        service: await start_service(module, **own_users[service].env())
        for service, module in MODULES.items()
    }

    # The flow works with each service's own credentials: ledger writes its events, reporting
    # reads them in its own group.
    treasurer = {"Authorization": f"Bearer {make_token(901)}"}
    async with httpx.AsyncClient(base_url=started["ledger"].url, headers=treasurer) as api:
        community = (await api.post("/api/payments/communities", json={"name": "Firs"})).json()
        scoped = {"Authorization": f"Bearer {make_token(901, communities=[community['id']])}"}
        created = await api.post(
            "/api/payments/periods",
            headers=scoped,
            json={"name": "Dec", "start_date": "2025-12-01", "end_date": "2025-12-31"},
        )
    assert created.status_code == 201, created.text
    period = created.json()
    async with httpx.AsyncClient(base_url=started["reporting"].url, headers=scoped) as api:

        async def projected() -> dict[str, Any] | None:
            response = await api.get(f"/api/payments/periods/{period['id']}")
            return response.json() if response.status_code == 200 else None

        assert await eventually(projected, what="the period in reporting") == period

    # Reporting may send no command; only the ledger may write the ledger's events (so what the
    # gateway and reporting read there is the ledger's); the ledger reads its commands but may
    # not write them.
    refused = [
        ("reporting", topics.LEDGER_COMMANDS),
        ("reporting", topics.LEDGER_EVENTS),
        ("bot-gateway", topics.LEDGER_EVENTS),
        ("recurring", topics.LEDGER_EVENTS),
        ("ledger", topics.LEDGER_COMMANDS),
        ("splits", topics.SPLITS_COMMANDS),
    ]
    for service, topic in refused:
        with pytest.raises(TopicAuthorizationFailedError):
            await _produce(bootstrap, topic_prefix + topic, own_users[service])
    # What the table allows goes through with the same clients.
    await _produce(bootstrap, topic_prefix + topics.LEDGER_COMMANDS, own_users["bot-gateway"])
    await _produce(bootstrap, topic_prefix + topics.GATEWAY_COMMANDS, own_users["recurring"])

    # No credentials, or a wrong password: not even connected.
    with pytest.raises(KafkaConnectionError):
        await _produce(bootstrap, topic_prefix + topics.LEDGER_EVENTS, KafkaSecurity())
    wrong = KafkaSecurity.create(
        "SASL_PLAINTEXT",
        own_users["ledger"].mechanism,
        own_users["ledger"].username,
        "not-the-password",
    )
    with pytest.raises(KafkaConnectionError):
        await _produce(bootstrap, topic_prefix + topics.LEDGER_EVENTS, wrong)


async def test_the_acls_on_the_broker_are_the_tables(
    own_users: dict[str, KafkaSecurity], infrastructure: Infrastructure, topic_prefix: str
) -> None:
    async with KafkaAccessAdmin(infrastructure.kafka_bootstrap_servers) as acl:
        reporting = await acl.acls_of(f"User:{own_users['reporting'].username}")
        ledger = await acl.acls_of(f"User:{own_users['ledger'].username}")
    writes = {
        b.resource_name for b in reporting if (b.resource_type, b.operation) == (TOPIC, WRITE)
    }
    reads = {b.resource_name for b in reporting if (b.resource_type, b.operation) == (TOPIC, READ)}
    # What it consumes, and its own dead letters (to count what waits there).
    assert reads == {topic_prefix + t for t in topics.EVENT_TOPICS} | {
        topic_prefix + t + ".dlq" for t in topics.EVENT_TOPICS
    }
    assert writes == {topic_prefix + t + ".dlq" for t in topics.EVENT_TOPICS}
    ledger_writes = {
        b.resource_name for b in ledger if (b.resource_type, b.operation) == (TOPIC, WRITE)
    }
    assert ledger_writes == {
        topic_prefix + topics.LEDGER_EVENTS,
        topic_prefix + topics.LEDGER_COMMANDS + ".dlq",
    }


async def test_applying_the_table_again_takes_back_what_it_does_not_grant(
    own_users: dict[str, KafkaSecurity], infrastructure: Infrastructure, topic_prefix: str
) -> None:
    bootstrap = infrastructure.kafka_bootstrap_servers
    reporting = own_users["reporting"]
    commands = topic_prefix + topics.LEDGER_COMMANDS
    extra = AclBinding(TOPIC, commands, LITERAL, f"User:{reporting.username}", WRITE)
    async with KafkaAccessAdmin(bootstrap) as acl:
        await acl.create_acls([extra])

        async def granted() -> bool:
            return extra in await acl.acls_of(extra.principal)

        await eventually(granted, what="the extra ACL")
    await _produce(bootstrap, commands, reporting)  # an older table's grant works...

    await apply_table(bootstrap, prefix=topic_prefix, principals=_names(topic_prefix))
    with pytest.raises(TopicAuthorizationFailedError):  # ...until the table is applied again
        await _produce(bootstrap, commands, reporting)
