"""Create the Kafka topics SOSenki uses, idempotently.

Topic auto-creation is off on our brokers (a typo must not silently create a topic), so every
environment runs :func:`ensure_topics` once before the services start: the local stack
(``deploy/local/stack.py infra-up``), test fixtures with a per-run prefix, and deployments.

Retention: event topics (``*.events.v1``) are the services' published history and dead-letter
topics (``*.dlq``) hold messages waiting for a human, so both keep their data forever; command
topics are work queues and keep seven days.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable

from aiokafka.admin import AIOKafkaAdminClient, NewTopic
from aiokafka.errors import TopicAlreadyExistsError, for_code
from sosenki_contracts.topics import ALL_TOPICS, DEAD_LETTER_SUFFIX, with_prefix

from sosenki_platform.kafka_security import KafkaSecurity

log = logging.getLogger(__name__)

#: Retention of command topics: seven days.
COMMAND_RETENTION_MS = 7 * 24 * 60 * 60 * 1000
_KEEP_FOREVER_SUFFIXES = (".events.v1", DEAD_LETTER_SUFFIX)


def keeps_forever(topic: str) -> bool:
    """True for topics whose messages are never deleted (event and dead-letter topics)."""
    return topic.endswith(_KEEP_FOREVER_SUFFIXES)


def topic_configs(topic: str, min_insync_replicas: int = 1) -> dict[str, str]:
    """The topic-level configuration ``ensure_topics`` creates ``topic`` with."""
    configs = {"min.insync.replicas": str(min_insync_replicas)}
    if keeps_forever(topic):
        return {**configs, "retention.ms": "-1", "retention.bytes": "-1"}
    return {**configs, "retention.ms": str(COMMAND_RETENTION_MS)}


async def ensure_topics(
    bootstrap_servers: str,
    topics: Iterable[str] | None = None,
    prefix: str = "",
    partitions: int = 6,
    *,
    replication_factor: int = 1,
    min_insync_replicas: int = 1,
    timeout_ms: int = 30_000,
    security: KafkaSecurity | None = None,
) -> list[str]:
    """Create each of ``topics`` (default: every SOSenki topic) that does not exist yet.

    Names are prefixed with ``prefix`` (see :func:`sosenki_contracts.topics.with_prefix`).
    Existing topics are left alone, whatever their settings. ``replication_factor`` and
    ``min_insync_replicas`` come from settings (``SOSENKI_KAFKA_REPLICATION_FACTOR``,
    ``SOSENKI_KAFKA_MIN_INSYNC_REPLICAS``): 1 locally, 3 and 2 in a cluster. Returns the names
    this call created; a topic created concurrently by someone else counts as existing.
    """
    wanted = list(
        dict.fromkeys(with_prefix(prefix, t) for t in (ALL_TOPICS if topics is None else topics))
    )
    if not wanted:
        return []
    admin = AIOKafkaAdminClient(
        bootstrap_servers=bootstrap_servers,
        client_id="sosenki-topic-admin",
        request_timeout_ms=timeout_ms,
        **(security or KafkaSecurity.from_env()).client_options(),
    )
    await admin.start()
    try:
        existing = set(await admin.list_topics())
        missing = [t for t in wanted if t not in existing]
        if not missing:
            return []
        new_topics = [
            NewTopic(
                name=t,
                num_partitions=partitions,
                replication_factor=replication_factor,
                topic_configs=topic_configs(t, min_insync_replicas),
            )
            for t in missing
        ]
        response = await admin.create_topics(new_topics, timeout_ms=timeout_ms)
        created: list[str] = []
        failures: list[str] = []
        for entry in response.topic_errors:
            name, code = str(entry[0]), int(entry[1])
            message = str(entry[2]) if len(entry) > 2 and entry[2] else ""
            if code == 0:
                created.append(name)
            elif code == TopicAlreadyExistsError.errno:
                continue
            else:
                failures.append(f"{name}: {for_code(code).__name__} {message}".rstrip())
        if failures:
            raise RuntimeError("could not create Kafka topics: " + "; ".join(failures))
        if created:
            log.info("created Kafka topics: %s", ", ".join(created))
        return [t for t in missing if t in created]
    finally:
        await admin.close()


async def delete_topics_with_prefix(
    bootstrap_servers: str,
    prefix: str,
    *,
    timeout_ms: int = 60_000,
    security: KafkaSecurity | None = None,
) -> list[str]:
    """Delete every topic named ``<prefix>…`` (a finished test run's topics); returns them.

    Refuses an empty prefix: that would be every topic of the deployment.
    """
    if not prefix:
        raise ValueError("refusing to delete topics without a prefix")
    admin = AIOKafkaAdminClient(
        bootstrap_servers=bootstrap_servers,
        request_timeout_ms=timeout_ms,
        **(security or KafkaSecurity.from_env()).client_options(),
    )
    await admin.start()
    try:
        doomed = [t for t in await admin.list_topics() if t.startswith(prefix)]
        if doomed:
            await admin.delete_topics(doomed, timeout_ms=timeout_ms)
        return doomed
    finally:
        await admin.close()
