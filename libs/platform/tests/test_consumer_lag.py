"""Consumer lag measured from the broker's side: a consumer that stalls (its handler waits, as it
does through a database outage) shows lag rising while events keep arriving, and falling again
once it goes on. The consumer itself measures nothing: the monitor asks the broker on a timer."""

from __future__ import annotations

import asyncio
import uuid
from typing import Any

import pytest
from aiokafka import AIOKafkaProducer
from faststream import AckPolicy
from faststream.kafka import KafkaBroker
from prometheus_client import REGISTRY
from sosenki_platform.consumer_lag import LagMonitor
from sosenki_platform.kafka_security import KafkaSecurity, client_options
from sosenki_platform.testing import eventually
from sosenki_platform.topic_admin import ensure_topics

pytestmark = pytest.mark.integration


def _lag_gauge(service: str, topic: str) -> float:
    """What /metrics shows: the sum over the topic's partitions."""
    total = 0.0
    for metric in REGISTRY.collect():
        if metric.name == "consumer_lag":
            for sample in metric.samples:
                if sample.labels.get("service") == service and sample.labels["topic"] == topic:
                    total += sample.value
    return total


async def test_a_stalled_consumer_shows_rising_lag(infrastructure: Any) -> None:
    bootstrap = infrastructure.kafka_bootstrap_servers
    topic = f"test.{uuid.uuid4().hex[:8]}.events.v1"
    group = f"g-lag-{uuid.uuid4().hex[:8]}"
    service = f"lag-{uuid.uuid4().hex[:6]}"
    await ensure_topics(bootstrap, [topic], partitions=2)

    handled = 0
    go_on = asyncio.Event()
    go_on.set()

    broker = KafkaBroker(bootstrap, security=KafkaSecurity.from_env().faststream())

    @broker.subscriber(
        topic, group_id=group, auto_offset_reset="earliest", ack_policy=AckPolicy.NACK_ON_ERROR
    )
    async def handle(body: Any) -> None:
        nonlocal handled
        await go_on.wait()  # stalled: waits, as a handler does through an outage
        handled += 1

    producer = AIOKafkaProducer(bootstrap_servers=bootstrap, **client_options())
    monitor = LagMonitor(bootstrap, KafkaSecurity.from_env(), group, [topic], service, interval=0.2)
    await broker.start()
    await producer.start()
    monitor.start()
    try:

        async def send(n: int) -> None:
            for i in range(n):
                await producer.send_and_wait(topic, f"{i}".encode(), key=f"k{i}".encode())

        await send(6)
        await eventually(lambda: _async(handled == 6), what="the consumer to take 6 messages")
        # Committed: nothing left.
        await eventually(
            lambda: _async(_lag_gauge(service, topic) == 0 or None), what="lag 0 when caught up"
        )

        go_on.clear()  # the consumer stalls
        await send(5)
        first = await eventually(
            lambda: _async(_lag_gauge(service, topic) if _lag_gauge(service, topic) >= 5 else None),
            what="lag to show the stalled messages",
        )
        await send(10)
        later = await eventually(
            lambda: _async(
                _lag_gauge(service, topic) if _lag_gauge(service, topic) >= first + 10 else None
            ),
            what="lag to rise while the consumer is stalled",
        )
        assert later > first
        measured = await monitor.measure()
        assert sum(measured.values()) == later

        go_on.set()  # it goes on: the lag drains
        await eventually(
            lambda: _async(_lag_gauge(service, topic) == 0 or None),
            timeout=30,
            what="lag back to 0 once the consumer goes on",
        )
    finally:
        go_on.set()
        await monitor.stop()
        await producer.stop()
        await broker.stop()


async def test_a_group_that_never_committed_lags_by_the_whole_log(infrastructure: Any) -> None:
    bootstrap = infrastructure.kafka_bootstrap_servers
    topic = f"test.{uuid.uuid4().hex[:8]}.events.v1"
    await ensure_topics(bootstrap, [topic], partitions=1)
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap, **client_options())
    await producer.start()
    try:
        for i in range(3):
            await producer.send_and_wait(topic, b"x", key=f"{i}".encode())
    finally:
        await producer.stop()
    monitor = LagMonitor(bootstrap, KafkaSecurity.from_env(), f"g-{uuid.uuid4().hex}", [topic], "s")
    try:
        lags = await monitor.measure()
    finally:
        await monitor.stop()
    assert list(lags.values()) == [3]


async def _async(value: Any) -> Any:
    return value
