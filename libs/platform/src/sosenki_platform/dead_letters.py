"""Dead-letter topics: where a message goes when it cannot be applied, so the consumer goes on.

The original key and bytes are kept; headers say why (``x-dlq-reason``: ``undecodable``,
``unknown_type``, ``invalid_payload`` or ``failed``), the error text, and where it came from
(source topic, partition, offset, consumer group, attempts).
"""

from __future__ import annotations

from collections.abc import Sequence

from aiokafka import AIOKafkaProducer
from sosenki_contracts.topics import dead_letter_topic

from sosenki_platform.kafka_security import KafkaSecurity
from sosenki_platform.logging import get_logger

log = get_logger(__name__)

Headers = Sequence[tuple[str, bytes]]


class DeadLetters:
    def __init__(
        self, bootstrap_servers: str, consumer_group: str, security: KafkaSecurity | None = None
    ) -> None:
        self._bootstrap = bootstrap_servers
        self._security = security or KafkaSecurity.from_env()
        self._group = consumer_group
        self.group = consumer_group
        self._producer: AIOKafkaProducer | None = None

    async def _get_producer(self) -> AIOKafkaProducer:
        if self._producer is None:
            producer = AIOKafkaProducer(
                bootstrap_servers=self._bootstrap,
                acks="all",
                enable_idempotence=True,
                **self._security.client_options(),
            )
            await producer.start()
            self._producer = producer
        return self._producer

    async def send(
        self,
        *,
        topic: str,
        partition: int,
        offset: int,
        key: bytes | None,
        value: bytes | None,
        headers: Headers,
        reason: str,
        error: str,
        attempts: int,
    ) -> None:
        """Publish to ``<topic>.dlq``; raises when Kafka refuses, so the source is not committed."""
        dlq_headers = [
            *[(k, v) for k, v in headers if not k.startswith(("x-dlq-", "x-redriven-"))],
            ("x-dlq-reason", reason.encode()),
            ("x-dlq-error", error[:4000].encode()),
            ("x-dlq-source-topic", topic.encode()),
            ("x-dlq-source-partition", str(partition).encode()),
            ("x-dlq-source-offset", str(offset).encode()),
            ("x-dlq-consumer-group", self._group.encode()),
            ("x-dlq-attempts", str(attempts).encode()),
        ]
        producer = await self._get_producer()
        await producer.send_and_wait(
            dead_letter_topic(topic), value=value, key=key, headers=dlq_headers
        )
        log.warning(
            "message_dead_lettered",
            topic=topic,
            partition=partition,
            offset=offset,
            reason=reason,
            error=error[:500],
        )

    async def close(self) -> None:
        if self._producer is not None:
            await self._producer.stop()
            self._producer = None
