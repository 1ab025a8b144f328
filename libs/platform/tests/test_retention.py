"""Retention: published outbox rows and idempotency keys go after their age; inbox rows only when
they are old *and* below the consumer group's committed offset (no redelivery can reach them).
Topics are created with the replication settings."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from typing import Any

import pytest
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition
from aiokafka.structs import OffsetAndMetadata
from sosenki_platform.db import Database
from sosenki_platform.kafka_security import client_options
from sosenki_platform.maintenance import Maintenance
from sosenki_platform.settings import ServiceSettings
from sosenki_platform.tables import add_platform_tables
from sosenki_platform.testing import eventually
from sosenki_platform.topic_admin import delete_topics_with_prefix, ensure_topics
from sqlalchemy import MetaData, func, select, text

pytestmark = pytest.mark.integration

metadata = MetaData()
tables = add_platform_tables(metadata)


@pytest.fixture
async def db(new_database: Any) -> AsyncIterator[Database]:
    database = Database(await new_database("retention"))
    async with database.engine.begin() as conn:
        await conn.run_sync(metadata.create_all)
    yield database
    await database.dispose()


async def test_retention_prunes_only_what_no_redelivery_or_retry_can_reach(
    db: Database, infrastructure: Any
) -> None:
    bootstrap = infrastructure.kafka_bootstrap_servers
    prefix = f"ret{uuid.uuid4().hex[:6]}."
    topic = prefix + "ledger.events.v1"
    group = f"ret-{uuid.uuid4().hex[:6]}"
    await ensure_topics(bootstrap, [topic], partitions=1)
    try:
        producer = AIOKafkaProducer(bootstrap_servers=bootstrap, **client_options())
        await producer.start()
        for n in range(6):
            await producer.send_and_wait(topic, b"x", key=str(n).encode())
        await producer.stop()
        consumer = AIOKafkaConsumer(bootstrap_servers=bootstrap, group_id=group, **client_options())
        await consumer.start()
        tp = TopicPartition(topic, 0)
        consumer.assign([tp])
        await consumer.commit({tp: OffsetAndMetadata(3, "")})  # offsets 0..2 are done for good
        await consumer.stop()

        async with db.transaction() as session:
            for offset in range(6):  # all old except offset 1
                age = "1 hour" if offset == 1 else "40 days"
                await session.execute(
                    text(
                        'INSERT INTO inbox (message_id, message_type, topic, partition, "offset",'
                        f" processed_at) VALUES (:id, 't', :topic, 0, :o, now() - interval '{age}')"
                    ),
                    {"id": f"m{offset}", "topic": topic, "o": offset},
                )
            await session.execute(  # another partition the group never committed: kept
                text(
                    'INSERT INTO inbox (message_id, message_type, topic, partition, "offset",'
                    " processed_at) VALUES ('other', 't', :topic, 7, 0, now() - interval '90 days')"
                ),
                {"topic": topic},
            )
            for published, parked in [
                ("10 days", None),
                ("1 hour", None),
                (None, None),
                (None, "20 days"),
            ]:
                await session.execute(
                    text(
                        "INSERT INTO outbox (event_id, topic, key, event_type, envelope,"
                        " published_at, parked_at) VALUES (:id, 't', 'k', 't', '{}',"
                        " now() - CAST(CAST(:published AS text) AS interval),"
                        " now() - CAST(CAST(:parked AS text) AS interval))"
                    ),
                    {"id": uuid.uuid4(), "published": published, "parked": parked},
                )
            for key, age in (("old", "3 days"), ("fresh", "1 hour")):
                await session.execute(
                    text(
                        "INSERT INTO idempotency_keys (principal, key, method, path, request_hash,"
                        " status_code, response_body, created_at) VALUES ('1', :key, 'POST', '/',"
                        " 'h', 201, '{}', now() - CAST(CAST(:age AS text) AS interval))"
                    ),
                    {"key": key, "age": age},
                )

        settings = ServiceSettings(
            service_name="retention-test",
            database_url=db.url,
            kafka_bootstrap_servers=bootstrap,
            topic_prefix=prefix,
            consumer_group=group,
        )
        hooked: list[str] = []

        async def sent_messages() -> int:
            hooked.append("ran")
            return 2

        maintenance = Maintenance(settings, db, tables, {"sent_messages": sent_messages})
        done = await maintenance.run_once()
        assert done == {"outbox": 1, "idempotency_keys": 1, "inbox": 2, "sent_messages": 2}
        assert hooked == ["ran"]

        async with db.session() as session:
            inbox = sorted(
                (await session.execute(select(tables.inbox.c.message_id))).scalars().all()
            )
            outbox = await session.scalar(select(func.count()).select_from(tables.outbox))
            keys = (await session.execute(select(tables.idempotency_keys.c.key))).scalars()
            keys_left = list(keys)
        # m0 and m2: old and below the committed offset 3. m1 is below it but recent; m3..m5 are
        # old but at or above it (a restart would redeliver them); "other" has no committed offset.
        assert inbox == ["m1", "m3", "m4", "m5", "other"]
        assert outbox == 3  # the old published row went; unpublished and parked rows stay
        assert keys_left == ["fresh"]
        assert await maintenance.run_once() == {
            "outbox": 0,
            "idempotency_keys": 0,
            "inbox": 0,
            "sent_messages": 2,
        }
    finally:
        await delete_topics_with_prefix(bootstrap, prefix)


async def test_topics_are_created_with_the_replication_settings(infrastructure: Any) -> None:
    from aiokafka.admin import AIOKafkaAdminClient
    from aiokafka.admin.config_resource import ConfigResource, ConfigResourceType

    bootstrap = infrastructure.kafka_bootstrap_servers
    prefix = f"rf{uuid.uuid4().hex[:6]}."
    try:
        await ensure_topics(bootstrap, ["a.events.v1"], prefix=prefix, partitions=1)
        admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap, **client_options())
        await admin.start()

        async def described() -> dict[str, str] | None:
            (response,) = await admin.describe_configs(
                [ConfigResource(ConfigResourceType.TOPIC, prefix + "a.events.v1")]
            )
            resource = response.resources[0]
            return {e[0]: e[1] for e in resource[4]} if resource[0] == 0 else None

        try:  # a new topic's metadata takes a moment to reach every part of the broker
            configs = await eventually(described, what="the new topic's configuration")
        finally:
            await admin.close()
        assert configs["min.insync.replicas"] == "1"
        # Three replicas cannot be placed on the one local broker: the setting reaches Kafka.
        with pytest.raises(RuntimeError, match="InvalidReplicationFactor"):
            await ensure_topics(
                bootstrap,
                ["b.events.v1"],
                prefix=prefix,
                partitions=1,
                replication_factor=3,
                min_insync_replicas=2,
            )
    finally:
        await delete_topics_with_prefix(bootstrap, prefix)
