"""Patterns by command on ``recurring.commands.v1`` over real Kafka: applied once per command id,
and a refusal becomes ``recurring.command_rejected`` with the REST API's detail."""

from __future__ import annotations

import json
import uuid
from typing import Any

import pytest
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer
from recurring.settings import Settings
from sosenki_contracts import topics
from sosenki_contracts.envelope import Actor, CommandEnvelope
from sosenki_platform.kafka_security import client_options
from sosenki_platform.testing import eventually

from .conftest import Recurring, charge_pattern

pytestmark = pytest.mark.integration

P = "/api/recurring/patterns"


async def _send(settings: Settings, *commands: CommandEnvelope) -> None:
    producer = AIOKafkaProducer(
        bootstrap_servers=settings.kafka_bootstrap_servers, **client_options()
    )
    await producer.start()
    try:
        for command in commands:
            await producer.send_and_wait(
                settings.topic(topics.RECURRING_COMMANDS), command.to_json_bytes(), key=b"k"
            )
    finally:
        await producer.stop()


async def _events_for(settings: Settings, correlation_id: str) -> list[dict[str, Any]]:
    consumer = AIOKafkaConsumer(
        settings.topic(topics.RECURRING_EVENTS),
        bootstrap_servers=settings.kafka_bootstrap_servers,
        auto_offset_reset="earliest",
        enable_auto_commit=False,
        **client_options(),
    )
    await consumer.start()
    found: list[dict[str, Any]] = []
    try:
        for _ in range(10):
            for records in (await consumer.getmany(timeout_ms=300)).values():
                for record in records:
                    event = json.loads(record.value)
                    if event.get("correlation_id") == correlation_id:
                        found.append(event)
    finally:
        await consumer.stop()
    return found


def _command(command_type: str, payload: dict[str, Any], user: str) -> CommandEnvelope:
    return CommandEnvelope(
        command_id=f"tg:{uuid.uuid4()}",
        command_type=command_type,
        issuer="bot-gateway",
        correlation_id=f"c-{uuid.uuid4()}",
        actor=Actor(kind="user", id=user),
        payload=payload,
    )


async def test_a_pattern_by_command_is_created_once_and_a_bad_one_is_rejected(
    recurring: Recurring,
) -> None:
    settings: Settings = recurring.app.state.runtime.settings
    user = str(uuid.uuid4().int % 10**9)
    recurring.as_user(user)
    create = _command("recurring.create_pattern", charge_pattern(), user)
    await _send(settings, create, create)  # retried: the same command id twice

    async def created() -> list[Any] | None:
        return await recurring.ok("GET", P) or None

    (pattern,) = await eventually(created, what="the pattern from the command")
    assert pattern["name"] == "Membership fee"
    (event,) = await _events_for(settings, create.correlation_id or "")
    assert event["event_type"] == "recurring.pattern_created"
    assert event["causation_id"] == create.command_id

    bad = _command("recurring.create_pattern", charge_pattern(interval=0), user)
    pause = _command("recurring.pause_pattern", {"pattern_id": pattern["pattern_id"]}, user)
    await _send(settings, bad, pause)

    async def rejected() -> list[dict[str, Any]] | None:
        return await _events_for(settings, bad.correlation_id or "") or None

    (rejection,) = await eventually(rejected, what="the rejection")
    assert rejection["event_type"] == "recurring.command_rejected"
    assert rejection["payload"] == {
        "command_id": bad.command_id,
        "command_type": "recurring.create_pattern",
        "status_code": 400,
        "detail": "interval must be at least 1, not 0",
        "code": "schedule_invalid",
    }

    async def paused() -> dict[str, Any] | None:
        found = await recurring.ok("GET", f"{P}/{pattern['pattern_id']}")
        return found if found["status"] == "paused" else None

    await eventually(paused, what="the pattern paused by command")
    assert len(await recurring.ok("GET", f"{P}?status=all")) == 1
