"""The ledger's commands over a real Kafka broker: applied once per command id, and a refusal
becomes a rejection event with the REST API's detail and the command's correlation id."""

from __future__ import annotations

import json
import uuid
from typing import Any

import pytest
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer
from sosenki_contracts import topics
from sosenki_contracts.envelope import Actor, CommandEnvelope
from sosenki_platform.kafka_security import client_options
from sosenki_platform.testing import eventually

pytestmark = pytest.mark.integration

P = "/api/payments/periods"


async def _send(bootstrap: str, topic: str, *commands: CommandEnvelope) -> None:
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap, **client_options())
    await producer.start()
    try:
        for command in commands:
            await producer.send_and_wait(topic, command.to_json_bytes(), key=b"k")
    finally:
        await producer.stop()


async def _events_for(bootstrap: str, topic: str, correlation_id: str) -> list[dict[str, Any]]:
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
        for _ in range(10):
            for records in (await consumer.getmany(timeout_ms=300)).values():
                for record in records:
                    event = json.loads(record.value)
                    if event.get("correlation_id") == correlation_id:
                        found.append(event)
    finally:
        await consumer.stop()
    return found


def _command(command_type: str, payload: dict[str, Any], correlation_id: str) -> CommandEnvelope:
    return CommandEnvelope(
        command_id=f"tg:{uuid.uuid4().int % 10**9}",
        command_type=command_type,
        issuer="bot-gateway",
        correlation_id=correlation_id,
        actor=Actor(kind="user", id="1"),
        payload=payload,
    )


async def test_a_command_is_applied_once_and_a_refusal_is_an_event(
    treasurer: Any, infrastructure: Any, topic_prefix: str
) -> None:
    await treasurer.start({1: "1"})
    pid = await treasurer.period()
    bootstrap = infrastructure.kafka_bootstrap_servers
    commands_topic = topic_prefix + topics.LEDGER_COMMANDS
    events_topic = topic_prefix + topics.LEDGER_EVENTS

    pay = _command(
        "ledger.record_contribution",
        {"period_id": pid, "owner_id": 1, "amount": "1000.00", "comment": "June"},
        correlation_id=f"c-{uuid.uuid4()}",
    )
    await _send(bootstrap, commands_topic, pay, pay)  # Telegram retried: same command id twice

    async def recorded() -> list[Any] | None:
        rows = await treasurer.ok("GET", f"{P}/{pid}/contributions")
        return rows if rows else None

    rows = await eventually(recorded, what="the contribution from the command")
    assert [(r["amount"], r["comment"]) for r in rows] == [("1000.00", "June")]
    events = await _events_for(bootstrap, events_topic, pay.correlation_id or "")
    assert [e["event_type"] for e in events] == ["ledger.contribution_recorded"]
    assert events[0]["causation_id"] == pay.command_id
    assert events[0]["actor"]["id"] == "1"

    await treasurer.ok("POST", f"{P}/{pid}/close")
    late = _command(
        "ledger.record_contribution",
        {"period_id": pid, "owner_id": 1, "amount": "5.00"},
        correlation_id=f"c-{uuid.uuid4()}",
    )
    await _send(bootstrap, commands_topic, late)

    async def rejected() -> list[dict[str, Any]] | None:
        found = await _events_for(bootstrap, events_topic, late.correlation_id or "")
        return found or None

    (rejection,) = await eventually(rejected, what="the rejection event")
    assert rejection["event_type"] == "ledger.command_rejected"
    assert rejection["payload"] == {
        "command_id": late.command_id,
        "command_type": "ledger.record_contribution",
        "status_code": 400,
        "detail": f"Period {pid} is not open for contributions",
        "code": "period_not_open",
    }
    assert len(await treasurer.ok("GET", f"{P}/{pid}/contributions")) == 1


async def _dead_letters(bootstrap: str, topic: str) -> list[Any]:
    consumer = AIOKafkaConsumer(
        topic,
        bootstrap_servers=bootstrap,
        auto_offset_reset="earliest",
        enable_auto_commit=False,
        **client_options(),
    )
    await consumer.start()
    found: list[Any] = []
    try:
        for _ in range(5):
            for records in (await consumer.getmany(timeout_ms=300)).values():
                found.extend(records)
    finally:
        await consumer.stop()
    return found


async def test_a_command_without_an_actor_or_from_a_sender_that_may_not_send_it_is_refused(
    treasurer: Any, infrastructure: Any, topic_prefix: str
) -> None:
    """Before this, a command without an actor ran as the privileged system actor."""
    await treasurer.start({1: "1"})
    pid = await treasurer.period()
    bootstrap = infrastructure.kafka_bootstrap_servers
    commands_topic = topic_prefix + topics.LEDGER_COMMANDS

    def pay(amount: str) -> dict[str, Any]:
        return {"period_id": pid, "owner_id": 1, "amount": amount, "comment": "forged"}

    no_actor = _command("ledger.record_contribution", pay("1.00"), f"c-{uuid.uuid4()}")
    raw = json.loads(no_actor.to_json_bytes())
    del raw["actor"]
    from_reporting = _command("ledger.record_contribution", pay("2.00"), f"c-{uuid.uuid4()}")
    from_reporting = from_reporting.model_copy(update={"issuer": "reporting"})
    recurring_wrong_type = _command("ledger.record_contribution", pay("3.00"), f"c-{uuid.uuid4()}")
    recurring_wrong_type = recurring_wrong_type.model_copy(update={"issuer": "recurring"})
    as_system = _command("ledger.record_contribution", pay("4.00"), f"c-{uuid.uuid4()}")
    as_system = as_system.model_copy(update={"actor": Actor(kind="system", id="system")})
    honest = _command("ledger.record_contribution", pay("5.00"), f"c-{uuid.uuid4()}")

    producer = AIOKafkaProducer(bootstrap_servers=bootstrap, **client_options())
    await producer.start()
    try:
        await producer.send_and_wait(commands_topic, json.dumps(raw).encode(), key=b"k")
        for command in (from_reporting, recurring_wrong_type, as_system, honest):
            await producer.send_and_wait(commands_topic, command.to_json_bytes(), key=b"k")
    finally:
        await producer.stop()

    async def recorded() -> list[Any] | None:
        rows = await treasurer.ok("GET", f"{P}/{pid}/contributions")
        return rows if rows else None

    rows = await eventually(recorded, what="the honest command's contribution")
    assert [r["amount"] for r in rows] == ["5.00"]  # in order on one partition: the rest refused

    async def refused() -> list[Any] | None:
        found = await _dead_letters(bootstrap, commands_topic + ".dlq")
        ids = {no_actor.command_id, from_reporting.command_id}
        ids |= {recurring_wrong_type.command_id, as_system.command_id}
        mine = [r for r in found if json.loads(r.value)["command_id"] in ids]
        return mine if len(mine) == 4 else None

    letters = await eventually(refused, what="four refused commands on the dead-letter topic")
    reasons = [dict(r.headers) for r in letters]
    assert {h["x-dlq-reason"] for h in reasons} == {b"unauthorized"}
    errors = [h["x-dlq-error"].decode() for h in reasons]
    assert errors == [
        "command ledger.record_contribution has no actor: a command must say who asks",
        "issuer 'reporting' may not send ledger.record_contribution (allowed: bot-gateway)",
        "issuer 'recurring' may not send ledger.record_contribution (allowed: bot-gateway)",
        "issuer 'bot-gateway' may not send commands as a 'system' actor (allowed: user)",
    ]
    assert [r["amount"] for r in await treasurer.ok("GET", f"{P}/{pid}/contributions")] == ["5.00"]


async def test_a_meter_reading_by_command_and_a_refused_bad_meter_type(
    treasurer: Any, infrastructure: Any, topic_prefix: str
) -> None:
    await treasurer.start({1: "1"})
    pid = await treasurer.period()
    meter = await treasurer.ok(
        "POST",
        f"/api/payments/communities/{treasurer.community_id}/meters",
        {"owner_id": 1, "meter_type": "electricity"},
    )
    bootstrap = infrastructure.kafka_bootstrap_servers
    reading = _command(
        "ledger.record_meter_reading",
        {"meter_id": meter["id"], "reading_date": "2025-11-30", "value": "1234.5"},
        correlation_id=f"c-{uuid.uuid4()}",
    )
    bad = _command(
        "ledger.bill_usage",
        {"period_id": pid, "meter_type": "steam"},
        correlation_id=f"c-{uuid.uuid4()}",
    )
    await _send(bootstrap, topic_prefix + topics.LEDGER_COMMANDS, reading, bad)

    async def readings() -> list[Any] | None:
        found = await treasurer.ok("GET", f"/api/payments/meters/{meter['id']}/readings")
        return found or None

    assert [r["value"] for r in await eventually(readings, what="the reading")] == ["1234.5"]

    async def rejected() -> list[dict[str, Any]] | None:
        events = topic_prefix + topics.LEDGER_EVENTS
        return await _events_for(bootstrap, events, bad.correlation_id or "") or None

    (rejection,) = await eventually(rejected, what="the rejection")
    assert rejection["payload"]["status_code"] == 400
    assert rejection["payload"]["detail"] == (
        "meter_type: 'steam' is not one of electricity, water, gas"
    )
