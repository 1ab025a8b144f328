"""Reminders from the recurring service: a ``gateway.send_reminder`` command over real Kafka
reaches the user's chat once, and is answered with an event the sender can match."""

from __future__ import annotations

import json
from typing import Any

import pytest
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer
from bot_gateway.testing import Person, World
from sosenki_contracts import topics
from sosenki_contracts.envelope import Actor, CommandEnvelope
from sosenki_platform.kafka_security import client_options
from sosenki_platform.testing import eventually

pytestmark = pytest.mark.integration

NINA = Person(730001, "Nina", "nina")


def _reminder(
    command_id: str, actor: Actor | None = None, text: str = "Rent is due on Friday", **to: int
) -> CommandEnvelope:
    return CommandEnvelope(
        command_id=command_id,
        command_type="gateway.send_reminder",
        issuer="recurring",
        correlation_id=command_id,
        actor=actor or Actor(kind="service", id="recurring"),
        payload={**to, "text": text},
    )


async def _events(bootstrap: str, topic: str) -> list[dict[str, Any]]:
    consumer = AIOKafkaConsumer(
        topic,
        bootstrap_servers=bootstrap,
        auto_offset_reset="earliest",
        enable_auto_commit=False,
        **client_options(),
    )
    await consumer.start()
    found: list[dict[str, Any]] = []
    try:
        for _ in range(6):
            for records in (await consumer.getmany(timeout_ms=300)).values():
                found.extend(json.loads(r.value) for r in records)
    finally:
        await consumer.stop()
    return found


async def test_a_reminder_reaches_the_user_once_and_is_acknowledged(
    world: World, infrastructure: Any, test_prefix: str
) -> None:
    nina = await world.start(NINA)
    bootstrap = infrastructure.kafka_bootstrap_servers
    remind = _reminder("recurring:p1:1", user_id=nina)
    stranger = _reminder("recurring:p1:2", user_id=999)
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap, **client_options())
    await producer.start()
    try:
        for command in (remind, remind, stranger):  # the first one delivered twice
            await producer.send_and_wait(
                test_prefix + topics.GATEWAY_COMMANDS, command.to_json_bytes(), key=b"p1"
            )
    finally:
        await producer.stop()

    async def delivered() -> list[Any] | None:
        found = [
            c for c in world.telegram.sent() if c.params.get("text") == "Rent is due on Friday"
        ]
        return found or None

    (message,) = await eventually(delivered, what="the reminder in Nina's chat")
    assert int(message.params["chat_id"]) == NINA.telegram_id

    answers = {"gateway.reminder_queued", "gateway.command_rejected"}

    async def answered() -> list[dict[str, Any]] | None:
        found = await _events(bootstrap, test_prefix + topics.GATEWAY_EVENTS)
        found = [e for e in found if e["event_type"] in answers]  # not Nina's registration
        return found if len(found) >= 2 else None

    events = await eventually(answered, what="the gateway's answers")
    by_type = {e["event_type"]: e for e in events}
    assert by_type["gateway.reminder_queued"]["causation_id"] == "recurring:p1:1"
    assert by_type["gateway.command_rejected"]["payload"]["detail"] == (
        "User 999 has not started a chat with the bot"
    )
    assert len(events) == 2  # the duplicate delivery changed nothing
    reminders = [
        c for c in world.telegram.sent() if c.params.get("text") == "Rent is due on Friday"
    ]
    assert len(reminders) == 1


async def test_a_users_reminder_goes_only_where_the_user_may_write(
    world: World, infrastructure: Any, test_prefix: str
) -> None:
    """A pattern's reminders carry its creator as actor: anyone could create one, so the gateway
    lets a user have the bot write only to themselves or to whom and where they manage."""
    nina = await world.start(NINA)
    as_nina, as_mallory = Actor(kind="user", id=str(nina)), Actor(kind="user", id="666")
    commands = [
        _reminder("recurring:p2:1", as_nina, "Water the plants", user_id=nina),
        _reminder("recurring:p3:1", as_mallory, "Pay to card 4000", user_id=nina),
        _reminder("recurring:p3:2", as_mallory, "Pay to card 4000", chat_id=NINA.telegram_id),
    ]
    producer = AIOKafkaProducer(
        bootstrap_servers=infrastructure.kafka_bootstrap_servers, **client_options()
    )
    await producer.start()
    try:
        for command in commands:
            await producer.send_and_wait(
                test_prefix + topics.GATEWAY_COMMANDS, command.to_json_bytes(), key=b"p"
            )
    finally:
        await producer.stop()

    async def answered() -> dict[str, dict[str, Any]] | None:
        found = await _events(
            infrastructure.kafka_bootstrap_servers, test_prefix + topics.GATEWAY_EVENTS
        )
        by_cause = {e.get("causation_id"): e for e in found}
        return by_cause if all(c.command_id in by_cause for c in commands) else None

    by_cause = await eventually(answered, what="the gateway's answers")
    assert by_cause["recurring:p2:1"]["event_type"] == "gateway.reminder_queued"
    for refused in ("recurring:p3:1", "recurring:p3:2"):
        event = by_cause[refused]
        assert event["event_type"] == "gateway.command_rejected", event
        assert event["payload"]["status_code"] == 403, event
    await world.reply(NINA.telegram_id, "Water the plants")
    assert not [c for c in world.telegram.sent() if c.params.get("text") == "Pay to card 4000"]
