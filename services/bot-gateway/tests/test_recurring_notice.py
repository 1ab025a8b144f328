"""A pattern the recurring service paused because its target refused an occurrence (issue 11,
item 13) is told to its creator in private, from ``recurring.pattern_paused`` on real Kafka; a
pause by hand (no reason) tells nobody."""

from __future__ import annotations

import uuid

import pytest
from aiokafka import AIOKafkaProducer
from bot_gateway.testing import Person, World
from sosenki_contracts import topics
from sosenki_contracts.envelope import EventEnvelope
from sosenki_platform.kafka_security import client_options

pytestmark = pytest.mark.integration

ALICE = Person(710401, "Alice", "alice_r")


def _paused(
    pattern_id: str, reason: str | None, created_by: int, code: str | None = None
) -> EventEnvelope:
    return EventEnvelope(
        event_type="recurring.pattern_paused",
        producer="recurring",
        aggregate_id=pattern_id,
        payload={
            "pattern_id": pattern_id,
            "reason": reason,
            "occurrence_number": 4 if reason else None,
            "created_by": str(created_by),
            "reason_code": code,
        },
    )


async def test_the_creator_of_a_paused_pattern_is_told_why_in_private(world: World) -> None:
    alice = await world.start(ALICE)  # her user is the gateway's number, not her Telegram id
    why = (
        "Occurrence 4: Recurring expense 12: users [3] have left group 4, and an EXACT_AMOUNTS "
        "split cannot be shared without them; change the recurring expense, then resume its "
        "pattern"
    )
    producer = AIOKafkaProducer(
        bootstrap_servers=world.settings.kafka_bootstrap_servers, **client_options()
    )
    await producer.start()
    try:
        for event in (
            _paused(str(uuid.uuid4()), None, alice),
            _paused(str(uuid.uuid4()), why, alice),
        ):
            await producer.send_and_wait(
                world.settings.topic(topics.RECURRING_EVENTS), event.to_json_bytes(), key=b"p"
            )
    finally:
        await producer.stop()

    told = await world.reply(ALICE.telegram_id, why)
    assert told["text"].endswith(why)
    notices = [t for t in world.telegram.texts(ALICE.telegram_id) if why[:20] in t or "paused" in t]
    assert len(notices) == 1


BORIS = Person(710402, "Борис", "boris_r", language_code="ru")


async def test_a_paused_patterns_reason_is_told_by_its_code_in_russian(world: World) -> None:
    boris = await world.start(BORIS)
    why = "Occurrence 2: Not members of this group: [3]"
    producer = AIOKafkaProducer(
        bootstrap_servers=world.settings.kafka_bootstrap_servers, **client_options()
    )
    await producer.start()
    try:
        event = _paused(str(uuid.uuid4()), why, boris, "not_a_member")
        await producer.send_and_wait(
            world.settings.topic(topics.RECURRING_EVENTS), event.to_json_bytes(), key=b"p"
        )
    finally:
        await producer.stop()

    told = await world.reply(BORIS.telegram_id, "этот человек не участник группы.")
    assert told["text"].startswith("Ваш повторяющийся расход приостановлен")
    assert "Not members" not in told["text"]
