"""Edges of scheduling (issue 11, items 14 and 15), through REST, Kafka and the real scheduler:

- a splits template dated off the schedule is not occurrence 1: the schedule's first date is sent;
- a pattern may not start further back than a year (nor at the calendar's ends): 400 with why;
- one catch-up sends at most ``scheduler_catch_up_limit`` occurrences; the rest follow in later
  batches, in order, once each (``all``), or are skipped up to the latest (``latest``).
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

import pytest
from aiokafka import AIOKafkaProducer
from recurring.domain.start_window import MAX_DAYS_BACK
from recurring.settings import Settings
from sosenki_contracts import topics
from sosenki_contracts.envelope import Actor, EventEnvelope
from sosenki_platform.kafka_security import client_options
from sosenki_platform.testing import Infrastructure, eventually

from .conftest import Recurring, charge_pattern, read_topic

pytestmark = pytest.mark.integration

P = "/api/recurring/patterns"


def _requested(template_id: int, start: str, recurrence: dict[str, Any]) -> EventEnvelope:
    """``splits.recurring_expense_requested`` as the splits service publishes it."""
    expense = {
        "expense_id": template_id,
        "group_id": 7,
        "description": f"Cleaning {template_id}",
        "expense_date": start,
        "total_amount": "40.00",
        "currency": "RUB",
        "base_currency": "RUB",
        "base_total_amount": "40.00",
        "split_type": "EQUAL",
        "payers": [{"user_id": 1, "amount": "40.00", "base_amount": "40.00"}],
        "splits": [],
        "is_recurring": True,
        "recurrence": recurrence,
        "version": 1,
        "status": "unpaid",
    }
    return EventEnvelope(
        event_type="splits.recurring_expense_requested",
        producer="splits",
        aggregate_id="group:7",
        actor=Actor(kind="user", id="1"),
        payload={
            "template_expense_id": template_id,
            "group_id": 7,
            "start_date": start,
            "recurrence": recurrence,
            "expense": expense,
        },
    )


async def _publish(settings: Settings, event: EventEnvelope) -> None:
    producer = AIOKafkaProducer(
        bootstrap_servers=settings.kafka_bootstrap_servers, **client_options()
    )
    await producer.start()
    try:
        await producer.send_and_wait(
            settings.topic(topics.SPLITS_EVENTS), event.to_json_bytes(), key=b"group:7"
        )
    finally:
        await producer.stop()


async def _pattern_for(recurring: Recurring, template_id: int) -> dict[str, Any]:
    async def found() -> dict[str, Any] | None:
        for p in await recurring.ok("GET", P):
            if p["target"].get("template_expense_id") == template_id:
                return dict(p)
        return None

    return await eventually(found, what=f"the pattern of expense {template_id}")


async def test_a_template_off_the_schedule_is_not_occurrence_one_and_the_first_date_is_sent(
    recurring: Recurring,
    recurring_settings: Settings,
    infrastructure: Infrastructure,
    topic_prefix: str,
) -> None:
    # Weekly on Mondays; one template dated Wednesday 2027-01-06, one dated Monday 2027-01-04.
    off, on = 10_000 + uuid.uuid4().int % 10**6, 20_000_000 + uuid.uuid4().int % 10**6
    weekly = {"type": "weekly", "days_of_week": [0], "max_occurrences": 3}
    await _publish(recurring_settings, _requested(off, "2027-01-06", weekly))
    await _publish(recurring_settings, _requested(on, "2027-01-04", weekly))
    off_pattern = await _pattern_for(recurring, off)
    on_pattern = await _pattern_for(recurring, on)

    # Off the schedule: nothing is "the template itself"; occurrence 1 is Monday Jan 11.
    assert off_pattern["next_number"] == 1
    assert off_pattern["next_due_at"] == "2027-01-10T21:00:00Z"  # midnight in Moscow
    assert await recurring.ok("GET", f"{P}/{off_pattern['pattern_id']}/occurrences") == []
    # On the schedule: the template is occurrence 1, Jan 11 is occurrence 2.
    assert on_pattern["next_number"] == 2
    (template,) = await recurring.ok("GET", f"{P}/{on_pattern['pattern_id']}/occurrences")
    assert (template["number"], template["occurrence_date"], template["status"]) == (
        1,
        "2027-01-04",
        "done",
    )

    recurring.clock.set(datetime(2027, 1, 31, tzinfo=UTC))
    await recurring.scheduler.tick()
    sent = await read_topic(
        infrastructure.kafka_bootstrap_servers,
        topic_prefix + topics.SPLITS_COMMANDS,
        {off_pattern["pattern_id"], on_pattern["pattern_id"]},
        expect=5,
    )
    by_pattern: dict[str, list[tuple[str, str]]] = {}
    for c in sent:
        pid = c["command_id"].split(":")[1]
        by_pattern.setdefault(pid, []).append((c["command_id"], c["payload"]["occurrence_date"]))
    off_id, on_id = off_pattern["pattern_id"], on_pattern["pattern_id"]
    assert by_pattern[off_id] == [
        (f"recurring:{off_id}:1", "2027-01-11"),
        (f"recurring:{off_id}:2", "2027-01-18"),
        (f"recurring:{off_id}:3", "2027-01-25"),
    ]
    assert by_pattern[on_id] == [
        (f"recurring:{on_id}:2", "2027-01-11"),
        (f"recurring:{on_id}:3", "2027-01-18"),
    ]


@pytest.mark.parametrize(
    ("start", "detail"),
    [
        ("1900-01-01", "start_date 1900-01-01 is too far back: a pattern may start at most 366"),
        ("0001-01-01", "start_date 0001-01-01 is too far back"),
        ("2025-12-30", "start_date 2025-12-30 is too far back"),
        ("9999-12-31", "start_date 9999-12-31 is too far ahead: a pattern may start at most 10"),
    ],
)
async def test_a_start_far_back_or_at_the_calendars_end_is_refused_with_why(
    recurring: Recurring, start: str, detail: str
) -> None:
    # The clock says 2027-01-01.
    body = charge_pattern(frequency="DAILY", start_date=start, time_of_day="00:00")
    assert detail in await recurring.refused(400, "POST", P, body)
    assert detail in await recurring.refused(400, "POST", f"{P}/preview", body)
    assert await recurring.ok("GET", P) == []


async def test_a_start_a_year_back_is_accepted(recurring: Recurring) -> None:
    assert MAX_DAYS_BACK == 366
    body = charge_pattern(frequency="DAILY", start_date="2025-12-31")  # 366 days back
    created = await recurring.ok("POST", P, body)
    assert created["next_number"] == 1


async def test_catch_up_sends_at_most_the_limit_per_batch_and_the_rest_follow_in_order(
    recurring: Recurring, infrastructure: Infrastructure, topic_prefix: str
) -> None:
    # Daily from 2026-01-02, 09:00 Moscow; on 2027-01-01 00:00 UTC, 364 occurrences are due.
    limit = recurring.scheduler.catch_up_limit
    assert limit == 100
    pid = (
        await recurring.ok("POST", P, charge_pattern(frequency="DAILY", start_date="2026-01-02"))
    )["pattern_id"]
    latest = (
        await recurring.ok(
            "POST",
            P,
            charge_pattern(frequency="DAILY", start_date="2026-01-02", catch_up="latest"),
        )
    )["pattern_id"]

    counts = []
    for _ in range(4):
        await recurring.scheduler.tick()
        counts.append(len(await recurring.ok("GET", f"{P}/{pid}/occurrences")))
    assert counts == [100, 200, 300, 364]
    assert await recurring.scheduler.tick() == 0  # all caught up

    commands = await read_topic(
        infrastructure.kafka_bootstrap_servers,
        topic_prefix + topics.LEDGER_COMMANDS,
        {pid, latest},
        expect=365,
        timeout=60,
    )
    mine = [c["command_id"] for c in commands if c["command_id"].split(":")[1] == pid]
    assert mine == [f"recurring:{pid}:{n}" for n in range(1, 365)]
    others = [c for c in commands if c["command_id"].split(":")[1] == latest]
    assert [c["command_id"] for c in others] == [f"recurring:{latest}:364"]
    assert others[0]["payload"]["on_date"] == "2026-12-31"

    skipped = await recurring.ok("GET", f"{P}/{latest}/occurrences")
    assert [o["status"] for o in skipped] == ["skipped"] * 363 + ["emitted"]
    pattern = await recurring.ok("GET", f"{P}/{pid}")
    assert (pattern["status"], pattern["next_number"]) == ("active", 365)


async def _rejected(
    settings: Settings,
    topic: str,
    event_type: str,
    cid: str,
    detail: str,
    code: str | None = None,
) -> None:
    event = EventEnvelope(
        event_type=event_type,
        producer=event_type.split(".")[0],
        aggregate_id=cid,
        causation_id=cid,
        payload={
            "command_id": cid,
            "command_type": "x",
            "status_code": 409,
            "detail": detail,
            "code": code,
        },
    )
    producer = AIOKafkaProducer(
        bootstrap_servers=settings.kafka_bootstrap_servers, **client_options()
    )
    await producer.start()
    try:
        await producer.send_and_wait(settings.topic(topic), event.to_json_bytes(), key=b"k")
    finally:
        await producer.stop()


async def test_a_refused_splits_occurrence_pauses_the_pattern_and_says_why_to_its_creator(
    recurring: Recurring,
    recurring_settings: Settings,
    infrastructure: Infrastructure,
    topic_prefix: str,
) -> None:
    rent = await recurring.ok(
        "POST",
        P,
        charge_pattern(name="Rent", target={"kind": "splits_expense", "template_expense_id": 12}),
    )
    fee = await recurring.ok("POST", P, charge_pattern())
    recurring.clock.set(datetime(2027, 2, 1, tzinfo=UTC))
    await recurring.scheduler.tick()
    why = "Recurring expense 12: users [3] have left group 4, and an EXACT_AMOUNTS split cannot"
    await _rejected(
        recurring_settings,
        topics.SPLITS_EVENTS,
        "splits.command_rejected",
        f"recurring:{rent['pattern_id']}:1",
        why,
        "not_a_member",
    )
    await _rejected(
        recurring_settings,
        topics.LEDGER_EVENTS,
        "ledger.command_rejected",
        f"recurring:{fee['pattern_id']}:1",
        "No open period covers 2027-01-31",
    )

    async def paused() -> dict[str, Any] | None:
        found = await recurring.ok("GET", f"{P}/{rent['pattern_id']}")
        return dict(found) if found["status"] == "paused" else None

    await eventually(paused, what="the rent pattern paused")
    (occurrence,) = await recurring.ok("GET", f"{P}/{rent['pattern_id']}/occurrences")
    assert (occurrence["status"], occurrence["detail"]) == ("refused", why)

    events = await read_topic(
        infrastructure.kafka_bootstrap_servers,
        topic_prefix + topics.RECURRING_EVENTS,
        {rent["pattern_id"]},
        expect=4,
    )
    (notice,) = [e for e in events if e["event_type"] == "recurring.pattern_paused"]
    assert notice["payload"] == {
        "pattern_id": rent["pattern_id"],
        "reason": f"Occurrence 1: {why}",
        "occurrence_number": 1,
        "created_by": "1",
        "reason_code": "not_a_member",
    }

    # A ledger charge refused for want of a period is about the moment: the pattern goes on.
    async def fee_refused() -> list[Any] | None:
        found = await recurring.ok("GET", f"{P}/{fee['pattern_id']}/occurrences")
        return found if found and found[0]["status"] == "refused" else None

    await eventually(fee_refused, what="the fee occurrence refused")
    assert (await recurring.ok("GET", f"{P}/{fee['pattern_id']}"))["status"] == "active"
