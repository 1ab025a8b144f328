"""The recurring app in-process against the test run's real PostgreSQL and Kafka, with a clock the
test moves (the scheduler is ticked by the test, never by time). Tests share the run's topics:
pattern ids are UUIDs, so a test picks its own messages out by pattern id."""

from __future__ import annotations

import json
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Container
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest
from aiokafka import AIOKafkaConsumer
from fastapi import FastAPI
from recurring.app import create_app
from recurring.scheduler import Scheduler
from recurring.settings import Settings
from sosenki_platform.kafka_security import client_options
from sosenki_platform.testing import running_app
from sosenki_platform.use_case import ManualClock


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock(datetime(2027, 1, 1, tzinfo=UTC))


@pytest.fixture
async def recurring_settings(
    new_database: Callable[[str], Awaitable[str]], service_env: dict[str, str]
) -> Settings:
    return Settings(
        database_url=await new_database("recurring"),
        kafka_bootstrap_servers=service_env["SOSENKI_KAFKA_BOOTSTRAP_SERVERS"],
        topic_prefix=service_env["SOSENKI_TOPIC_PREFIX"],
        auth_public_key=service_env["SOSENKI_AUTH_PUBLIC_KEY"],
        relay_poll_interval_seconds=0.1,
        # The test ticks the scheduler itself.
        scheduler_enabled=False,
    )


@dataclass
class Recurring:
    """The running app, a client speaking as one user, and the scheduler to tick."""

    app: FastAPI
    client: httpx.AsyncClient
    clock: ManualClock
    make_token: Any

    @property
    def scheduler(self) -> Scheduler:
        scheduler: Scheduler = self.app.state.scheduler
        return scheduler

    def as_user(self, user_id: int | str, **claims: Any) -> None:
        self.client.headers["Authorization"] = f"Bearer {self.make_token(user_id, **claims)}"

    async def call(self, method: str, path: str, body: Any = None) -> httpx.Response:
        return await self.client.request(method, path, json=body)

    async def ok(self, method: str, path: str, body: Any = None) -> Any:
        response = await self.call(method, path, body)
        assert response.status_code in (200, 201), f"{method} {path}: {response.text}"
        return response.json()

    async def refused(self, status: int, method: str, path: str, body: Any = None) -> str:
        response = await self.call(method, path, body)
        assert response.status_code == status, f"{method} {path}: {response.text}"
        detail: str = response.json()["detail"]
        return detail


@pytest.fixture
async def recurring(
    recurring_settings: Settings, clock: ManualClock, make_token: Any
) -> AsyncIterator[Recurring]:
    app = create_app(recurring_settings, clock)
    async with running_app(app) as client:
        r = Recurring(app, client, clock, make_token)
        r.as_user(1)
        yield r


def charge_pattern(**overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "name": "Membership fee",
        "frequency": "MONTHLY",
        "start_date": "2027-01-31",
        "time_of_day": "09:00",
        "timezone": "Europe/Moscow",
        "target": {
            "kind": "ledger_charge",
            "community_id": 1,
            "owner_ids": [2],
            "amount": "1500.00",
            "description": "Fee {month}",
        },
    }
    body.update(overrides)
    return body


async def read_topic(
    bootstrap: str,
    topic: str,
    patterns: Container[str],
    *,
    expect: int,
    timeout: float = 20.0,
    settle: float = 0.5,
) -> list[dict[str, Any]]:
    """The messages on ``topic`` about ``patterns`` (by command id or aggregate id), from the
    beginning: waits for ``expect`` of them, then a little longer, so one too many would be seen."""
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
        deadline = time.monotonic() + timeout
        settled_at: float | None = None
        while time.monotonic() < deadline:
            for records in (await consumer.getmany(timeout_ms=200)).values():
                for record in records:
                    message = json.loads(record.value)
                    if pattern_of(message) in patterns:
                        found.append(message)
            if len(found) >= expect:
                settled_at = settled_at or time.monotonic() + settle
                if time.monotonic() >= settled_at:
                    break
    finally:
        await consumer.stop()
    return found


def pattern_of(message: dict[str, Any]) -> str:
    """The pattern a command (``recurring:<pattern>:<n>``) or a recurring event is about."""
    if "command_id" in message:
        return str(message["command_id"]).split(":")[1]
    return str(message.get("aggregate_id"))
