"""The recurring service as real processes (``python -m recurring``) with the ledger and splits
processes, real PostgreSQL and Kafka. The clock is a file the test writes (``SOSENKI_CLOCK_FILE``),
so no test waits for schedule time.

- Stopped across three due dates and started again: the three charges arrive in the ledger, in
  order, once each.
- A recurring splits expense produces real expenses in the splits service.
- Two scheduler processes on one database and broker, a few hundred due patterns: every occurrence
  is emitted exactly once.
"""

from __future__ import annotations

import json
import os
import uuid
from collections import Counter, defaultdict
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer
from sosenki_contracts import topics
from sosenki_contracts.envelope import Actor, CommandEnvelope
from sosenki_platform.kafka_security import client_options
from sosenki_platform.testing import ServiceProcess, eventually

pytestmark = pytest.mark.e2e

R = "/api/recurring/patterns"
P = "/api/payments/periods"


class FileClock:
    """The recurring processes read "now" from this file."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def set(self, now: datetime) -> None:
        draft = self.path.with_suffix(".draft")
        draft.write_text(now.isoformat())
        os.replace(draft, self.path)


@pytest.fixture
def clock(tmp_path: Path) -> FileClock:
    c = FileClock(tmp_path / "clock")
    c.set(datetime(2027, 1, 1, tzinfo=UTC))
    return c


def recurring_env(clock: FileClock, database_url: str) -> dict[str, str]:
    return {
        "SOSENKI_DATABASE_URL": database_url,
        "SOSENKI_CLOCK_FILE": str(clock.path),
        "SOSENKI_SCHEDULER_INTERVAL_SECONDS": "0.2",
    }


class Api:
    def __init__(self, service: ServiceProcess, token: str) -> None:
        self.client = httpx.AsyncClient(
            base_url=service.url, headers={"Authorization": f"Bearer {token}"}, timeout=10.0
        )

    async def ok(self, method: str, path: str, body: Any = None, **kw: Any) -> Any:
        response = await self.client.request(method, path, json=body, **kw)
        assert response.status_code in (200, 201), f"{method} {path}: {response.text}"
        return response.json()

    async def close(self) -> None:
        await self.client.aclose()


async def read_topic(
    bootstrap: str, topic: str, *, expect: int, timeout: float = 30.0
) -> list[dict[str, Any]]:
    """Every message on ``topic``: waits for ``expect``, then a moment more to see any extra."""
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
        loop_deadline = timeout / 0.2
        extra_rounds = 5
        while loop_deadline > 0:
            loop_deadline -= 1
            for records in (await consumer.getmany(timeout_ms=200)).values():
                found.extend(json.loads(r.value) for r in records)
            if len(found) >= expect:
                extra_rounds -= 1
                if extra_rounds == 0:
                    break
    finally:
        await consumer.stop()
    return found


async def test_stopped_across_three_due_dates_then_all_three_arrive_in_order_once_each(
    start_service: Any,
    new_database: Callable[[str], Awaitable[str]],
    make_token: Any,
    service_env: dict[str, str],
    clock: FileClock,
) -> None:
    ledger = await start_service("ledger")
    treasurer = Api(ledger, make_token(1))
    cid = (await treasurer.ok("POST", "/api/payments/communities", {"name": "Pines"}))["id"]
    treasurer.client.headers["Authorization"] = f"Bearer {make_token(1, communities=[cid])}"
    await treasurer.ok(
        "POST",
        f"/api/payments/communities/{cid}/owners",
        {"user_id": 2, "display_name": "Boris", "ownership_share": "1"},
    )
    year = await treasurer.ok(
        "POST", P, {"name": "2027", "start_date": "2027-01-01", "end_date": "2027-12-31"}
    )

    database = await new_database("recurring")
    recurring = await start_service("recurring", **recurring_env(clock, database))
    api = Api(recurring, make_token(1, communities=[cid]))
    pattern = await api.ok(
        "POST",
        R,
        {
            "name": "Membership fee",
            "frequency": "MONTHLY",
            "start_date": "2027-01-31",
            "time_of_day": "09:00",
            "timezone": "Europe/Moscow",
            "target": {
                "kind": "ledger_charge",
                "community_id": cid,
                "owner_ids": [2],
                "amount": "1500.00",
                "description": "Fee {month}",
            },
        },
    )
    pid = pattern["pattern_id"]
    await api.close()
    recurring.stop()

    # Jan 31, Feb 28 and Mar 31 pass while the service is down.
    clock.set(datetime(2027, 4, 15, tzinfo=UTC))
    recurring = await start_service("recurring", **recurring_env(clock, database))
    api = Api(recurring, make_token(1, communities=[cid]))

    async def charged() -> list[Any] | None:
        found = await treasurer.ok("GET", f"{P}/{year['id']}/charges")
        return found if len(found) >= 3 else None

    charges = await eventually(charged, what="three charges in the ledger")
    assert [c["description"] for c in sorted(charges, key=lambda c: c["id"])] == [
        "Fee 2027-01",
        "Fee 2027-02",
        "Fee 2027-03",
    ]

    async def all_done() -> list[Any] | None:
        found = await api.ok("GET", f"{R}/{pid}/occurrences")
        return found if [o["status"] for o in found] == ["done"] * 3 else None

    occurrences = await eventually(all_done, what="the occurrences marked done")
    assert [o["occurrence_date"] for o in occurrences] == ["2027-01-31", "2027-02-28", "2027-03-31"]
    commands = await read_topic(
        service_env["SOSENKI_KAFKA_BOOTSTRAP_SERVERS"],
        service_env["SOSENKI_TOPIC_PREFIX"] + topics.LEDGER_COMMANDS,
        expect=3,
    )
    assert [c["command_id"] for c in commands] == [f"recurring:{pid}:{n}" for n in (1, 2, 3)]
    assert len(await treasurer.ok("GET", f"{P}/{year['id']}/charges")) == 3
    await api.close()
    await treasurer.close()


async def test_a_recurring_splits_expense_produces_real_expenses(
    start_service: Any,
    new_database: Callable[[str], Awaitable[str]],
    make_token: Any,
    clock: FileClock,
) -> None:
    splits = await start_service("splits")
    recurring = await start_service(
        "recurring", **recurring_env(clock, await new_database("recurring"))
    )
    anna = Api(splits, make_token(1))
    gid = (await anna.ok("POST", "/groups", {"name": "Flat 12", "base_currency": "RUB"}))["id"]
    await anna.ok("POST", f"/groups/{gid}/members", {"user_id": 2})
    template = await anna.ok(
        "POST",
        "/financials/expenses",
        {
            "description": "Rent",
            "total_amount": "50000.00",
            "group_id": gid,
            "expense_date": "2027-01-31",
            "is_recurring": True,
            "recurrence": {"type": "monthly", "max_occurrences": 4},
        },
    )
    api = Api(recurring, make_token(1))

    async def handed_over() -> list[Any] | None:
        return await api.ok("GET", R) or None

    (pattern,) = await eventually(handed_over, what="the pattern from the splits hand-off")
    assert pattern["target"] == {"kind": "splits_expense", "template_expense_id": template["id"]}
    assert pattern["next_number"] == 2  # the template expense is occurrence 1

    clock.set(datetime(2027, 6, 1, tzinfo=UTC))

    async def repeated() -> list[Any] | None:
        found = (await anna.ok("GET", "/financials/expenses", params={"group_id": gid}))["expenses"]
        linked = [e for e in found if e["template_expense_id"] == template["id"]]
        return linked if len(linked) >= 3 else None

    children = await eventually(repeated, what="three occurrences in the splits service")
    assert sorted(e["expense_date"] for e in children) == ["2027-02-28", "2027-03-31", "2027-04-30"]
    assert {e["total_amount"] for e in children} == {"50000.00"}

    async def finished() -> dict[str, Any] | None:
        found = await api.ok("GET", f"{R}/{pattern['pattern_id']}")
        return found if found["status"] == "finished" else None

    await eventually(finished, what="the pattern finished after max_occurrences")

    async def all_done() -> list[Any] | None:
        found = await api.ok("GET", f"{R}/{pattern['pattern_id']}/occurrences")
        return found if {o["status"] for o in found} == {"done"} else None

    occurrences = await eventually(all_done, what="every occurrence done")
    assert [o["number"] for o in occurrences] == [1, 2, 3, 4]
    await anna.close()
    await api.close()


async def test_two_scheduler_processes_emit_every_occurrence_exactly_once(
    start_service: Any,
    new_database: Callable[[str], Awaitable[str]],
    service_env: dict[str, str],
    make_token: Any,
    clock: FileClock,
) -> None:
    patterns, per_pattern = 300, 3
    database = await new_database("recurring")
    first = await start_service("recurring", **recurring_env(clock, database))
    await start_service("recurring", **recurring_env(clock, database))
    bootstrap = service_env["SOSENKI_KAFKA_BOOTSTRAP_SERVERS"]
    prefix = service_env["SOSENKI_TOPIC_PREFIX"]

    # Patterns created by commands (both processes consume them, one partition each).
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap, **client_options())
    await producer.start()
    try:
        for n in range(patterns):
            command = CommandEnvelope(
                command_id=f"test:{uuid.uuid4()}",
                command_type="recurring.create_pattern",
                issuer="bot-gateway",
                actor=Actor(kind="user", id="1"),
                payload={
                    "name": f"Fee {n}",
                    "frequency": "MONTHLY",
                    "start_date": "2027-01-31",
                    "timezone": "Europe/Berlin",
                    "target": {
                        "kind": "ledger_charge",
                        "community_id": 1,
                        "owner_ids": [n + 1],
                        "amount": "10.00",
                        "description": "Fee {month}",
                    },
                },
            )
            await producer.send(
                prefix + topics.RECURRING_COMMANDS, command.to_json_bytes(), key=str(n).encode()
            )
        await producer.flush()
    finally:
        await producer.stop()

    api = Api(first, make_token(1))

    async def created() -> list[Any] | None:
        found = await api.ok("GET", R)
        return found if len(found) == patterns else None

    await eventually(created, timeout=60, what="all patterns created")
    # Jan 31, Feb 28 and Mar 31 are due for every pattern, in both processes at once.
    clock.set(datetime(2027, 4, 1, tzinfo=UTC))

    expected = patterns * per_pattern
    commands = await read_topic(bootstrap, prefix + topics.LEDGER_COMMANDS, expect=expected)
    assert len(commands) == expected
    assert set(Counter(c["command_id"] for c in commands).values()) == {1}
    numbers: dict[str, list[int]] = defaultdict(list)
    for c in commands:
        _, pattern_id, number = c["command_id"].split(":")
        numbers[pattern_id].append(int(number))
    assert len(numbers) == patterns
    assert all(n == [1, 2, 3] for n in numbers.values())
    await api.close()
