"""FastStream wiring: a broker with tracing and metrics middlewares, and subscribers that hand
each record to an :class:`EventConsumer` or :class:`CommandConsumer`.

Offsets are committed only after the consumer has applied or dead-lettered a record
(``NACK_ON_ERROR``): if even the dead-letter topic is unreachable the record is read again.
Event consumers read batches (``getmany``, up to ``batch_max_records``): a batch is applied in
one transaction and its offsets are committed once, after it (see consumer.py).
"""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Awaitable, Callable
from typing import Any

from faststream import AckPolicy
from faststream.kafka import KafkaBroker, Topic
from faststream.kafka.annotations import KafkaMessage
from faststream.kafka.opentelemetry import KafkaTelemetryMiddleware
from faststream.kafka.prometheus import KafkaPrometheusMiddleware
from opentelemetry.sdk.trace import TracerProvider
from prometheus_client import REGISTRY

from sosenki_platform.consumer import CommandConsumer, Delivery, EventConsumer
from sosenki_platform.kafka_security import KafkaSecurity


def create_broker(
    bootstrap_servers: str,
    service_name: str,
    tracer_provider: TracerProvider | None,
    security: KafkaSecurity | None = None,
) -> KafkaBroker:
    return KafkaBroker(
        bootstrap_servers,
        client_id=service_name,
        security=(security or KafkaSecurity.from_env()).faststream(),
        graceful_timeout=15.0,
        # Through the standard library (WARNING and up), not FastStream's own INFO printer.
        logger=logging.getLogger("faststream"),
        middlewares=[
            KafkaTelemetryMiddleware(tracer_provider=tracer_provider),
            KafkaPrometheusMiddleware(registry=REGISTRY, app_name=service_name),
        ],
    )


def _utf8(value: object) -> bool:
    if not isinstance(value, bytes):
        return False
    try:
        value.decode()
    except UnicodeDecodeError:
        return False
    return True


def _readable(headers: Any) -> tuple[tuple[str, bytes], ...]:
    return tuple(
        (name, value.decode("utf-8", "replace").encode() if isinstance(value, bytes) else b"")
        for name, value in headers
    )


async def _tolerant_parse(record: Any, original: Callable[[Any], Awaitable[Any]]) -> Any:
    """FastStream decodes every header as UTF-8 and fails on a null or non-UTF-8 value, and the
    record is then skipped without a word. It gets a readable copy of the headers instead; the
    handler still sees the original record (so such a message is applied, or dead-lettered with
    its bytes, like any other)."""
    headers = record.headers or ()
    if all(_utf8(value) for _, value in headers):
        return await original(record)
    message = await original(dataclasses.replace(record, headers=_readable(headers)))
    message.raw_message = record
    return message


async def _tolerant_parse_batch(
    records: tuple[Any, ...], original: Callable[[Any], Awaitable[Any]]
) -> Any:
    """:func:`_tolerant_parse` for a batch: the handler still gets the original records."""
    if all(_utf8(value) for record in records for _, value in (record.headers or ())):
        return await original(records)
    readable = tuple(
        dataclasses.replace(record, headers=_readable(record.headers or ())) for record in records
    )
    message = await original(readable)
    message.raw_message = records
    return message


def _delivery(record: Any) -> Delivery:
    return Delivery(
        topic=record.topic,
        partition=record.partition,
        offset=record.offset,
        key=record.key,
        value=record.value,
        headers=list(record.headers or ()),
    )


def _raw_body(message: Any) -> Any:
    # Hand the bytes over untouched: the consumer decodes (and dead-letters what it cannot).
    return message.body


def subscribe(
    broker: KafkaBroker,
    consumer: EventConsumer | CommandConsumer,
    topics: list[str],
    group_id: str,
    service_name: str,
    *,
    max_poll_interval_seconds: float = 86400.0,
    batch_max_records: int = 1,
) -> None:
    common: dict[str, Any] = {
        "group_id": group_id,
        "auto_offset_reset": "earliest",
        "ack_policy": AckPolicy.NACK_ON_ERROR,
        # A transient failure is waited out inside the handler (see consumer.py): without this,
        # aiokafka would leave the group after five minutes of a database outage.
        "max_poll_interval_ms": min(int(max_poll_interval_seconds * 1000), 2**31 - 1),
        "decoder": _raw_body,
    }
    # The service made sure its topics exist at start-up (and may create no others): FastStream
    # must not try again, which an ACL-guarded broker refuses.
    declared = [Topic(name, declare=False) for name in topics]
    if isinstance(consumer, EventConsumer) and batch_max_records > 1:
        events = consumer

        async def handle_batch(body: list[bytes], message: KafkaMessage) -> None:
            records = message.raw_message
            assert isinstance(records, tuple)
            await events.handle_batch([_delivery(record) for record in records])

        broker.subscriber(
            *declared,
            batch=True,
            max_records=batch_max_records,
            # getmany returns as soon as records are there; this is only how long an idle
            # consumer waits per poll.
            batch_timeout_ms=200,
            parser=_tolerant_parse_batch,
            **common,
        )(handle_batch)
        return

    async def handle(body: bytes, message: KafkaMessage) -> None:
        record = message.raw_message
        assert not isinstance(record, tuple)
        await consumer.handle(_delivery(record))

    broker.subscriber(*declared, parser=_tolerant_parse, **common)(handle)
