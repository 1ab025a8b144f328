"""Commands over a real Kafka broker whose input the database refuses: a rejection event with a
detail (like the REST API's 400), not retries and a dead letter."""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable
from typing import Any

import pytest
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer
from sosenki_contracts import topics
from sosenki_contracts.envelope import Actor, CommandEnvelope
from sosenki_platform.kafka_security import client_options
from sosenki_platform.testing import eventually

pytestmark = pytest.mark.integration


async def _rejection(bootstrap: str, topic: str, correlation_id: str) -> dict[str, Any] | None:
    consumer = AIOKafkaConsumer(
        topic,
        bootstrap_servers=bootstrap,
        auto_offset_reset="earliest",
        enable_auto_commit=False,
        **client_options(),
    )
    await consumer.start()
    try:
        for _ in range(10):
            for records in (await consumer.getmany(timeout_ms=300)).values():
                for record in records:
                    event = json.loads(record.value)
                    if event.get("correlation_id") == correlation_id:
                        return dict(event)
    finally:
        await consumer.stop()
    return None


async def test_a_command_the_database_refuses_is_rejected_with_a_detail(
    people: Callable[[int], Any], infrastructure: Any, topic_prefix: str
) -> None:
    alice = people(1)
    gid = await alice.group([2])
    bootstrap = infrastructure.kafka_bootstrap_servers
    command = CommandEnvelope(
        command_id=f"tg:{uuid.uuid4().int % 10**12}",
        command_type="splits.create_expense",
        issuer="bot-gateway",
        correlation_id=f"c-{uuid.uuid4()}",
        actor=Actor(kind="user", id="1"),
        # Each value fits its type; the converted total (× rate) does not fit NUMERIC(20, 4).
        payload={
            "description": "Yacht",
            "total_amount": "999999999999.99",
            "currency": "USD",
            "exchange_rate": "99999",
            "group_id": gid,
        },
    )
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap, **client_options())
    await producer.start()
    try:
        await producer.send_and_wait(
            topic_prefix + topics.SPLITS_COMMANDS, command.to_json_bytes(), key=b"k"
        )
    finally:
        await producer.stop()

    async def rejected() -> dict[str, Any] | None:
        return await _rejection(
            bootstrap, topic_prefix + topics.SPLITS_EVENTS, command.correlation_id or ""
        )

    event = await eventually(rejected, what="the rejection event")
    assert event["event_type"] == "splits.command_rejected"
    assert event["payload"]["status_code"] == 400
    assert event["payload"]["detail"]
    assert (await alice.ok("GET", "/financials/expenses", params={"group_id": gid}))["total"] == 0
