"""The scheduler against real PostgreSQL and Kafka, with a clock the test moves: due occurrences
are emitted once, in order, with deterministic command ids; after downtime all the missed ones
(or only the latest) go out; two schedulers on one database never emit an occurrence twice."""

from __future__ import annotations

import asyncio
from collections import Counter, defaultdict
from collections.abc import Container
from datetime import UTC, datetime
from typing import Any

import pytest
from recurring.adapters.tables import platform
from recurring.app import MIGRATIONS
from recurring.context import context
from recurring.scheduler import Scheduler
from recurring.settings import Settings
from recurring.use_cases.patterns import create
from sosenki_contracts import topics
from sosenki_contracts.commands.recurring import PatternDefinition
from sosenki_contracts.envelope import Actor
from sosenki_platform.kafka_security import client_options
from sosenki_platform.service import Runtime
from sosenki_platform.testing import Infrastructure, eventually
from sosenki_platform.use_case import Caller

from .conftest import Recurring, charge_pattern, read_topic

pytestmark = pytest.mark.integration

P = "/api/recurring/patterns"


async def _commands(
    infrastructure: Infrastructure,
    topic_prefix: str,
    patterns: Container[str],
    expect: int,
    topic: str = "",
    timeout: float = 20.0,
) -> list[dict[str, Any]]:
    return await read_topic(
        infrastructure.kafka_bootstrap_servers,
        topic_prefix + (topic or topics.LEDGER_COMMANDS),
        patterns,
        expect=expect,
        timeout=timeout,
    )


async def test_missed_occurrences_are_emitted_in_order_once_each(
    recurring: Recurring, infrastructure: Infrastructure, topic_prefix: str
) -> None:
    pid = (await recurring.ok("POST", P, charge_pattern()))["pattern_id"]
    assert await recurring.scheduler.tick() == 0  # 2027-01-01: nothing due yet

    # Down from before Jan 31 until Apr 30, 12:00 UTC: four month ends were missed.
    recurring.clock.set(datetime(2027, 4, 30, 12, 0, tzinfo=UTC))
    assert await recurring.scheduler.tick() == 1
    assert await recurring.scheduler.tick() == 0

    commands = await _commands(infrastructure, topic_prefix, {pid}, expect=4)
    assert [c["command_id"] for c in commands] == [f"recurring:{pid}:{n}" for n in (1, 2, 3, 4)]
    assert {c["command_type"] for c in commands} == {"ledger.charge_owners"}
    assert [c["payload"]["description"] for c in commands] == [
        "Fee 2027-01",
        "Fee 2027-02",
        "Fee 2027-03",
        "Fee 2027-04",
    ]
    assert commands[0]["payload"] == {
        "community_id": 1,
        "on_date": "2027-01-31",
        "owner_ids": [2],
        "amount": "1500.00",
        "description": "Fee 2027-01",
    }
    assert commands[0]["actor"]["id"] == "1"  # on behalf of the pattern's creator

    occurrences = await recurring.ok("GET", f"{P}/{pid}/occurrences")
    assert [(o["number"], o["occurrence_date"], o["status"]) for o in occurrences] == [
        (1, "2027-01-31", "emitted"),
        (2, "2027-02-28", "emitted"),
        (3, "2027-03-31", "emitted"),
        (4, "2027-04-30", "emitted"),
    ]
    pattern = await recurring.ok("GET", f"{P}/{pid}")
    assert (pattern["next_number"], pattern["next_due_at"]) == (5, "2027-05-31T06:00:00Z")

    events = await _commands(infrastructure, topic_prefix, {pid}, 6, topics.RECURRING_EVENTS)
    assert [e["event_type"] for e in events] == ["recurring.pattern_created"] + [
        "recurring.occurrence_emitted"
    ] * 4
    assert {e["aggregate_id"] for e in events} == {pid}


async def test_catch_up_latest_sends_only_the_latest_missed_occurrence(
    recurring: Recurring, infrastructure: Infrastructure, topic_prefix: str
) -> None:
    pid = (await recurring.ok("POST", P, charge_pattern(catch_up="latest")))["pattern_id"]
    recurring.clock.set(datetime(2027, 4, 30, 12, 0, tzinfo=UTC))
    await recurring.scheduler.tick()

    commands = await _commands(infrastructure, topic_prefix, {pid}, expect=1)
    assert [c["command_id"] for c in commands] == [f"recurring:{pid}:4"]
    occurrences = await recurring.ok("GET", f"{P}/{pid}/occurrences")
    assert [o["status"] for o in occurrences] == ["skipped", "skipped", "skipped", "emitted"]


async def test_max_occurrences_three_emits_three_and_finishes(
    recurring: Recurring, infrastructure: Infrastructure, topic_prefix: str
) -> None:
    pid = (await recurring.ok("POST", P, charge_pattern(max_occurrences=3)))["pattern_id"]
    recurring.clock.set(datetime(2030, 1, 1, tzinfo=UTC))
    await recurring.scheduler.tick()
    await recurring.scheduler.tick()

    commands = await _commands(infrastructure, topic_prefix, {pid}, expect=3)
    assert [c["command_id"] for c in commands] == [f"recurring:{pid}:{n}" for n in (1, 2, 3)]
    pattern = await recurring.ok("GET", f"{P}/{pid}")
    assert (pattern["status"], pattern["next_due_at"]) == ("finished", None)


async def test_a_paused_pattern_sends_nothing_and_skips_what_fell_due_meanwhile(
    recurring: Recurring, infrastructure: Infrastructure, topic_prefix: str
) -> None:
    pid = (await recurring.ok("POST", P, charge_pattern()))["pattern_id"]
    recurring.clock.set(datetime(2027, 2, 1, tzinfo=UTC))
    await recurring.scheduler.tick()  # Jan 31 goes out
    await recurring.ok("POST", f"{P}/{pid}/pause")
    recurring.clock.set(datetime(2027, 4, 1, tzinfo=UTC))
    assert await recurring.scheduler.tick() == 0
    resumed = await recurring.ok("POST", f"{P}/{pid}/resume")
    assert resumed["next_number"] == 4  # Feb 28 and Mar 31 fell due while paused
    recurring.clock.set(datetime(2027, 4, 30, 12, 0, tzinfo=UTC))
    await recurring.scheduler.tick()

    commands = await _commands(infrastructure, topic_prefix, {pid}, expect=2)
    assert [c["command_id"] for c in commands] == [f"recurring:{pid}:{n}" for n in (1, 4)]
    occurrences = await recurring.ok("GET", f"{P}/{pid}/occurrences")
    assert [o["status"] for o in occurrences] == ["emitted", "skipped", "skipped", "emitted"]


async def test_two_schedulers_on_one_database_emit_every_occurrence_exactly_once(
    recurring: Recurring,
    recurring_settings: Settings,
    infrastructure: Infrastructure,
    topic_prefix: str,
) -> None:
    patterns, per_pattern = 300, 3
    runtime: Runtime = recurring.app.state.runtime
    definition = PatternDefinition.model_validate(charge_pattern())
    async with runtime.unit_of_work() as session:
        ctx = context(
            runtime, session, Caller.from_actor(Actor(kind="user", id="1")), recurring.clock
        )
        created = {(await create(definition, ctx)).id for _ in range(patterns)}

    # A second instance: its own engine and connection pool on the same database.
    other = Runtime(recurring_settings, platform, MIGRATIONS)
    first = Scheduler(runtime, recurring.clock, batch_size=20)
    second = Scheduler(other, recurring.clock, batch_size=20)
    # Jan 31, Feb 28 and Mar 31 are due for every pattern.
    recurring.clock.set(datetime(2027, 3, 31, 12, 0, tzinfo=UTC))
    try:
        claimed = await asyncio.gather(first.tick(), second.tick(), first.tick(), second.tick())
    finally:
        await other.db.dispose()
    assert sum(claimed) == patterns
    assert claimed[0] + claimed[2] > 0 and claimed[1] + claimed[3] > 0  # both did some

    expected = patterns * per_pattern
    commands = await _commands(infrastructure, topic_prefix, created, expected, timeout=60)
    ids = Counter(c["command_id"] for c in commands)
    assert len(commands) == expected
    assert set(ids.values()) == {1}
    numbers: dict[str, list[int]] = defaultdict(list)
    for c in commands:
        _, pattern_id, number = c["command_id"].split(":")
        numbers[pattern_id].append(int(number))
    assert len(numbers) == patterns
    assert all(n == [1, 2, 3] for n in numbers.values())  # in order, per pattern


async def test_a_pass_that_spent_its_occurrence_budget_leaves_the_rest_to_the_next_pass(
    recurring: Recurring, infrastructure: Infrastructure, topic_prefix: str
) -> None:
    """Passes of at most 7 occurrences (whole patterns: 3 each, so 3 patterns a pass): one tick
    still emits every pattern, each occurrence once and in order (issue 15, P5)."""
    patterns = 20
    runtime: Runtime = recurring.app.state.runtime
    definition = PatternDefinition.model_validate(charge_pattern())
    async with runtime.unit_of_work() as session:
        ctx = context(
            runtime, session, Caller.from_actor(Actor(kind="user", id="1")), recurring.clock
        )
        created = {(await create(definition, ctx)).id for _ in range(patterns)}
    scheduler = Scheduler(runtime, recurring.clock, batch_size=50, occurrences_per_pass=7)
    passes = 0
    counted = scheduler._pass

    async def counting(batched: bool = True) -> Any:
        nonlocal passes
        passes += 1
        return await counted(batched)

    scheduler._pass = counting  # type: ignore[method-assign]
    recurring.clock.set(datetime(2027, 3, 31, 12, 0, tzinfo=UTC))  # Jan 31, Feb 28, Mar 31
    assert await scheduler.tick() == patterns
    assert passes == 7  # six passes of 3 patterns, one of 2 (all of them claimed each time)
    assert await scheduler.tick() == 0

    commands = await _commands(infrastructure, topic_prefix, created, patterns * 3, timeout=60)
    assert len(commands) == patterns * 3
    numbers: dict[str, list[int]] = defaultdict(list)
    for c in commands:
        _, pattern_id, number = c["command_id"].split(":")
        numbers[pattern_id].append(int(number))
    assert set(numbers) == created
    assert all(n == [1, 2, 3] for n in numbers.values())  # once each, in order


async def test_the_results_of_the_targets_mark_occurrences_done_or_refused(
    recurring: Recurring,
) -> None:
    """Result events from a target, as the ledger publishes them (the real ledger is in the
    end-to-end tests): ``causation_id`` = command id → done; ``command_rejected`` → refused."""
    from aiokafka import AIOKafkaProducer
    from sosenki_contracts.envelope import EventEnvelope

    pid = (await recurring.ok("POST", P, charge_pattern()))["pattern_id"]
    recurring.clock.set(datetime(2027, 3, 1, tzinfo=UTC))
    await recurring.scheduler.tick()
    settings: Settings = recurring.app.state.runtime.settings
    applied = EventEnvelope(
        event_type="ledger.charge_recorded",
        producer="ledger",
        aggregate_id="1",
        causation_id=f"recurring:{pid}:1",
        payload={
            "community_id": 1,
            "period_id": 1,
            "charge_id": 7,
            "owner_id": 2,
            "amount": "1500.00",
            "currency": "RUB",
            "description": "Fee 2027-01",
            "date": "2027-01-31T06:00:00+00:00",
        },
    )
    refused = EventEnvelope(
        event_type="ledger.command_rejected",
        producer="ledger",
        aggregate_id=f"recurring:{pid}:2",
        causation_id=f"recurring:{pid}:2",
        payload={
            "command_id": f"recurring:{pid}:2",
            "command_type": "ledger.charge_owners",
            "status_code": 400,
            "detail": "Period 1 is not open for charges",
        },
    )
    producer = AIOKafkaProducer(
        bootstrap_servers=settings.kafka_bootstrap_servers, **client_options()
    )
    await producer.start()
    try:
        for event in (applied, refused, applied):  # a redelivery changes nothing
            await producer.send_and_wait(
                settings.topic(topics.LEDGER_EVENTS), event.to_json_bytes(), key=b"1"
            )
    finally:
        await producer.stop()

    async def resolved() -> list[Any] | None:
        found = await recurring.ok("GET", f"{P}/{pid}/occurrences")
        return found if all(o["status"] != "emitted" for o in found) else None

    occurrences = await eventually(resolved, what="both occurrences resolved")
    assert [(o["status"], o["status_code"], o["detail"]) for o in occurrences] == [
        ("done", None, None),
        ("refused", 400, "Period 1 is not open for charges"),
    ]


async def test_a_broken_pattern_does_not_hold_up_the_others(recurring: Recurring) -> None:
    from recurring.adapters.tables import patterns as patterns_table

    broken = (await recurring.ok("POST", P, charge_pattern()))["pattern_id"]
    healthy = (await recurring.ok("POST", P, charge_pattern()))["pattern_id"]
    runtime: Runtime = recurring.app.state.runtime
    async with runtime.unit_of_work() as session:
        await session.execute(
            patterns_table.update()
            .where(patterns_table.c.id == broken)
            .values(target={"kind": "lottery"})
        )
    recurring.clock.set(datetime(2027, 2, 1, tzinfo=UTC))
    assert await recurring.scheduler.tick() == 1
    assert [o["status"] for o in await recurring.ok("GET", f"{P}/{healthy}/occurrences")] == [
        "emitted"
    ]
    assert await recurring.ok("GET", f"{P}/{broken}/occurrences") == []
    assert (await recurring.ok("GET", f"{P}/{broken}"))["next_number"] == 1  # still due


async def test_a_batch_the_database_refuses_goes_out_pattern_by_pattern(
    recurring: Recurring,
) -> None:
    """A pass writes its batch together; when the database refuses it (here an occurrence row
    that is already there), the batch is written pattern by pattern: the clashing pattern stays
    due and logged, the others go out, each once."""
    from recurring.adapters.tables import occurrences

    clashing = (await recurring.ok("POST", P, charge_pattern()))["pattern_id"]
    others = [(await recurring.ok("POST", P, charge_pattern()))["pattern_id"] for _ in range(3)]
    runtime: Runtime = recurring.app.state.runtime
    async with runtime.unit_of_work() as session:
        await session.execute(
            occurrences.insert().values(
                pattern_id=clashing,
                number=1,
                due_at=datetime(2027, 1, 31, 6, tzinfo=UTC),
                occurrence_date=datetime(2027, 1, 31).date(),
                command_id="left-over",
                command_type="ledger.charge_owners",
                status="done",
            )
        )
    recurring.clock.set(datetime(2027, 2, 1, tzinfo=UTC))
    assert await recurring.scheduler.tick() == 3
    for pattern_id in others:
        occurred = await recurring.ok("GET", f"{P}/{pattern_id}/occurrences")
        assert [(o["number"], o["status"]) for o in occurred] == [(1, "emitted")]
    assert (await recurring.ok("GET", f"{P}/{clashing}"))["next_number"] == 1  # still due


async def test_a_big_batch_emits_each_due_pattern_once_with_its_command_and_event(
    recurring: Recurring, infrastructure: Infrastructure, topic_prefix: str
) -> None:
    """More patterns than one pass claims: every one emitted once, each with its command to the
    ledger and its ``occurrence_emitted`` event, all through the outbox."""
    created = {(await recurring.ok("POST", P, charge_pattern()))["pattern_id"] for _ in range(25)}
    recurring.scheduler.batch_size = 10
    recurring.clock.set(datetime(2027, 2, 1, tzinfo=UTC))
    assert await recurring.scheduler.tick() == 25
    assert await recurring.scheduler.tick() == 0
    commands = await _commands(infrastructure, topic_prefix, created, expect=25)
    assert Counter(m["command_id"] for m in commands) == Counter(
        f"recurring:{pattern_id}:1" for pattern_id in created
    )
    events = await _commands(
        infrastructure, topic_prefix, created, expect=50, topic=topics.RECURRING_EVENTS
    )
    emitted = [m["aggregate_id"] for m in events if m["event_type"].endswith("occurrence_emitted")]
    assert Counter(emitted) == Counter(created)
