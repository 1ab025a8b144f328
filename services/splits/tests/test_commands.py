"""The splits commands over a real Kafka broker: applied once per command id, a refusal becomes a
``splits.command_rejected`` event with the REST API's detail and the command's correlation id,
and recurring occurrences come back as commands."""

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

E = "/financials/expenses"


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


def _command(
    command_type: str,
    payload: dict[str, Any],
    actor: Actor | None = None,
    issuer: str = "bot-gateway",
) -> CommandEnvelope:
    return CommandEnvelope(
        command_id=f"tg:{uuid.uuid4().int % 10**12}",
        command_type=command_type,
        issuer=issuer,
        correlation_id=f"c-{uuid.uuid4()}",
        actor=actor or Actor(kind="user", id="1"),
        payload=payload,
    )


async def test_an_expense_command_is_applied_once_and_a_refusal_is_an_event(
    people: Callable[[int], Any], infrastructure: Any, topic_prefix: str
) -> None:
    alice = people(1)
    gid = await alice.group([2, 3])
    bootstrap = infrastructure.kafka_bootstrap_servers
    commands_topic = topic_prefix + topics.SPLITS_COMMANDS
    events_topic = topic_prefix + topics.SPLITS_EVENTS

    dinner = _command(
        "splits.create_expense",
        {"description": "Dinner", "total_amount": "100.00", "group_id": gid},
    )
    await _send(bootstrap, commands_topic, dinner, dinner)  # a retry: same command id twice

    async def recorded() -> list[Any] | None:
        found = (await alice.ok("GET", E, params={"group_id": gid}))["expenses"]
        return found or None

    (expense,) = await eventually(recorded, what="the expense from the command")
    assert [s["owed_amount"] for s in expense["splits"]] == ["33.34", "33.33", "33.33"]

    async def published() -> list[dict[str, Any]] | None:
        return await _events_for(bootstrap, events_topic, dinner.correlation_id or "") or None

    (event,) = await eventually(published, what="the expense_recorded event")
    assert event["event_type"] == "splits.expense_recorded"
    assert event["causation_id"] == dinner.command_id
    assert event["actor"] == {"kind": "user", "id": "1", "display_name": None}
    assert event["aggregate_id"] == f"group:{gid}"
    assert event["payload"]["group_id"] == gid
    assert event["payload"]["total_amount"] == "100.00"
    assert [s["owed_amount"] for s in event["payload"]["splits"]] == ["33.34", "33.33", "33.33"]

    wrong = _command(
        "splits.create_expense",
        {
            "description": "Rent",
            "total_amount": "1000.00",
            "group_id": gid,
            "split_type": "EXACT_AMOUNTS",
            "splits_in": [
                {"user_id": 1, "owed_amount": "400.00"},
                {"user_id": 2, "owed_amount": "400.00"},
            ],
        },
    )
    outsider = _command(
        "splits.create_expense",
        {"description": "Sneaky", "total_amount": "1.00", "group_id": gid},
        actor=Actor(kind="user", id="9"),
    )
    await _send(bootstrap, commands_topic, wrong, outsider)

    async def rejected(command: CommandEnvelope) -> dict[str, Any]:
        async def probe() -> list[dict[str, Any]] | None:
            return await _events_for(bootstrap, events_topic, command.correlation_id or "") or None

        (rejection,) = await eventually(probe, what="the rejection event")
        assert rejection["event_type"] == "splits.command_rejected"
        payload: dict[str, Any] = rejection["payload"]
        return payload

    assert await rejected(wrong) == {
        "command_id": wrong.command_id,
        "command_type": "splits.create_expense",
        "status_code": 400,
        "detail": "EXACT_AMOUNTS splits sum to 800.00, but the expense total is 1000.00",
        "code": "split_invalid",
    }
    outsider_refusal = await rejected(outsider)
    assert (outsider_refusal["status_code"], outsider_refusal["code"]) == (404, "group_not_found")
    assert (await alice.ok("GET", E, params={"group_id": gid}))["total"] == 1


async def test_update_and_settle_commands_carry_before_and_after(
    people: Callable[[int], Any], infrastructure: Any, topic_prefix: str
) -> None:
    alice = people(1)
    gid = await alice.group([2])
    expense = await alice.expense(gid, "10.00")
    bootstrap = infrastructure.kafka_bootstrap_servers
    commands_topic = topic_prefix + topics.SPLITS_COMMANDS
    events_topic = topic_prefix + topics.SPLITS_EVENTS
    update = _command(
        "splits.update_expense",
        {"expense_id": expense["id"], "version": 1, "total_amount": "12.00"},
    )
    split = next(s for s in expense["splits"] if s["user_id"] == 2)
    settle = _command(
        "splits.settle_split",
        {"expense_split_id": split["id"], "amount_paid": "6.00"},
        actor=Actor(kind="user", id="2"),
    )
    stale = _command(
        "splits.update_expense", {"expense_id": expense["id"], "version": 1, "notes": "late"}
    )
    await _send(bootstrap, commands_topic, update, settle, stale)

    async def events_of(command: CommandEnvelope) -> dict[str, Any]:
        async def probe() -> list[dict[str, Any]] | None:
            return await _events_for(bootstrap, events_topic, command.correlation_id or "") or None

        (event,) = await eventually(probe, what=command.command_type)
        return event

    updated = await events_of(update)
    assert updated["event_type"] == "splits.expense_updated"
    assert updated["payload"]["before"]["total_amount"] == "10.00"
    assert updated["payload"]["after"]["total_amount"] == "12.00"
    assert updated["payload"]["after"]["version"] == 2
    settled = await events_of(settle)
    assert settled["event_type"] == "splits.split_settled"
    assert settled["payload"]["split_status"] == "paid"
    assert settled["payload"]["paid_to_user_id"] == 1
    refused = await events_of(stale)
    assert refused["payload"]["status_code"] == 409
    assert "the current version is 2" in refused["payload"]["detail"]


async def test_recurring_expenses_are_handed_over_and_occurrences_come_back(
    people: Callable[[int], Any], infrastructure: Any, topic_prefix: str
) -> None:
    alice = people(1)
    gid = await alice.group([2])
    bootstrap = infrastructure.kafka_bootstrap_servers
    commands_topic = topic_prefix + topics.SPLITS_COMMANDS
    events_topic = topic_prefix + topics.SPLITS_EVENTS
    correlation = f"c-{uuid.uuid4()}"
    response = await alice.client.post(
        E,
        json={
            "description": "Internet",
            "total_amount": "30.00",
            "group_id": gid,
            "expense_date": "2025-11-01",
            "is_recurring": True,
            "recurrence": {"type": "monthly", "end_date": "2026-10-31"},
        },
        headers={**alice.headers, "x-correlation-id": correlation},
    )
    assert response.status_code == 201, response.text
    template = response.json()

    async def handed_over() -> list[dict[str, Any]] | None:
        found = await _events_for(bootstrap, events_topic, correlation)
        return found if len(found) == 2 else None

    recorded, requested = await eventually(handed_over, what="the recurring hand-off")
    assert recorded["event_type"] == "splits.expense_recorded"
    assert requested["event_type"] == "splits.recurring_expense_requested"
    assert requested["payload"]["template_expense_id"] == template["id"]
    assert requested["payload"]["recurrence"]["type"] == "monthly"
    assert requested["payload"]["start_date"] == "2025-11-01"

    recurring = Actor(kind="service", id="recurring")
    occurrence = {"template_expense_id": template["id"], "occurrence_date": "2025-12-01"}
    first = _command("splits.create_expense_occurrence", occurrence, recurring, "recurring")
    again = _command("splits.create_expense_occurrence", occurrence, recurring, "recurring")
    await _send(bootstrap, commands_topic, first, again)

    async def occurrences() -> list[Any] | None:
        found = (await alice.ok("GET", E, params={"group_id": gid}))["expenses"]
        linked = [e for e in found if e["template_expense_id"] == template["id"]]
        return linked or None

    (child,) = await eventually(occurrences, what="the occurrence")
    assert child["expense_date"] == "2025-12-01" and child["is_recurring"] is False
    assert child["total_amount"] == "30.00" and child["paid_by_user_id"] == 1

    async def rejection() -> list[dict[str, Any]] | None:
        return await _events_for(bootstrap, events_topic, again.correlation_id or "") or None

    (refused,) = await eventually(rejection, what="the duplicate occurrence's rejection")
    assert refused["payload"]["status_code"] == 409
    assert "already has an occurrence on 2025-12-01" in refused["payload"]["detail"]
