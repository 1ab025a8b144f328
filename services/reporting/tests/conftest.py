"""The reporting app in-process against the test run's real PostgreSQL and Kafka, and a way to
put events on its topics as the other services would."""

from __future__ import annotations

import random
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

import asyncpg
import httpx
import pytest
from aiokafka import AIOKafkaProducer
from reporting.app import create_app
from reporting.settings import Settings
from sosenki_contracts import topics
from sosenki_contracts.envelope import Actor, EventEnvelope
from sosenki_platform.kafka_security import client_options
from sosenki_platform.testing import Infrastructure, eventually, make_service_env, running_app
from sosenki_platform.topic_admin import delete_topics_with_prefix, ensure_topics

TREASURER = Actor(kind="user", id="1", display_name="Tanya")


@dataclass
class Reporting:
    client: httpx.AsyncClient
    database_url: str
    settings: Settings

    async def caught_up(self, ledger: Ledger) -> None:
        """Wait until every event the test sent has been applied (each leaves an audit entry)."""
        wanted = [str(e.event_id) for e in ledger.sent]

        async def applied() -> bool:
            rows = await self.sql(
                "SELECT count(*) AS n FROM audit_entries WHERE event_id = ANY($1::text[])", wanted
            )
            return bool(rows[0]["n"] == len(wanted))

        await eventually(applied, what=f"{len(wanted)} events applied")

    async def sql(self, query: str, *args: Any) -> Any:
        conn = await asyncpg.connect(self.database_url)
        try:
            return await conn.fetch(query, *args)
        finally:
            await conn.close()


@pytest.fixture
async def service_env(
    infrastructure: Infrastructure, signing_keys: tuple[str, str]
) -> AsyncIterator[dict[str, str]]:
    """Topics of this test's own: reporting reads them from the beginning, so it must not wade
    through every event the run's other tests (fuzzers included) put on shared topics."""
    prefix = f"r{uuid.uuid4().hex[:8]}."
    await ensure_topics(
        infrastructure.kafka_bootstrap_servers, topics.ALL_TOPICS, prefix=prefix, partitions=2
    )
    yield make_service_env(infrastructure, prefix, signing_keys)
    await delete_topics_with_prefix(infrastructure.kafka_bootstrap_servers, prefix)


@pytest.fixture
async def reporting(
    new_database: Callable[[str], Awaitable[str]], service_env: dict[str, str]
) -> AsyncIterator[Reporting]:
    url = await new_database("reporting")
    settings = Settings(
        database_url=url,
        kafka_bootstrap_servers=service_env["SOSENKI_KAFKA_BOOTSTRAP_SERVERS"],
        topic_prefix=service_env["SOSENKI_TOPIC_PREFIX"],
        auth_public_key=service_env["SOSENKI_AUTH_PUBLIC_KEY"],
        # A group of its own: this test's app reads the topics from the beginning, undisturbed.
        consumer_group=f"reporting-{uuid.uuid4().hex[:8]}",
    )
    async with running_app(create_app(settings)) as client:
        yield Reporting(client, url, settings)


@dataclass
class Ledger:
    """Publishes ledger events for one fresh community (ids random per test: the run's topics
    are shared by every test)."""

    producer: AIOKafkaProducer
    prefix: str
    community_id: int = field(default_factory=lambda: random.randint(10**8, 10**9))
    sent: list[EventEnvelope] = field(default_factory=list)

    async def publish(
        self, event_type: str, aggregate_id: int, actor: Actor = TREASURER, **payload: Any
    ) -> EventEnvelope:
        event = EventEnvelope(
            event_type=event_type,
            producer="ledger",
            aggregate_id=str(aggregate_id),
            actor=actor,
            payload={"community_id": self.community_id, **payload},
        )
        # Keyed by community, as the ledger does: one partition, one order per community.
        await self.producer.send_and_wait(
            self.prefix + topics.LEDGER_EVENTS,
            event.to_json_bytes(),
            key=str(self.community_id).encode(),
        )
        self.sent.append(event)
        return event

    def new_id(self) -> int:
        return random.randint(10**8, 10**9)

    async def community(self, owners: dict[int, str]) -> None:
        await self.publish(
            "ledger.community_created",
            self.community_id,
            name="Birches",
            base_currency="RUB",
            timezone="UTC",
        )
        for owner_id, username in owners.items():
            await self.publish(
                "ledger.owner_added",
                self.community_id,
                owner_id=owner_id,
                user_id=owner_id,
                display_name=username.title(),
                username=username,
                ownership_share="1",
            )

    async def period(
        self, name: str = "Nov", start: str = "2025-11-01", end: str = "2025-11-30"
    ) -> int:
        period_id = self.new_id()
        await self.publish(
            "ledger.period_created",
            period_id,
            period_id=period_id,
            name=name,
            start_date=start,
            end_date=end,
            status="OPEN",
        )
        return period_id

    async def contribution(self, period_id: int, owner_id: int, amount: str, **extra: Any) -> int:
        contribution_id = extra.pop("contribution_id", None) or self.new_id()
        await self.publish(
            "ledger.contribution_recorded",
            period_id,
            period_id=period_id,
            contribution_id=contribution_id,
            owner_id=owner_id,
            amount=amount,
            currency="RUB",
            date="2025-11-15T10:30:00Z",
            **extra,
        )
        return contribution_id

    async def expense(
        self,
        period_id: int,
        amount: str,
        allocations: dict[int, str],
        paid_by: int | None = None,
        payment_type: str = "Roads",
        **extra: Any,
    ) -> int:
        expense_id = self.new_id()
        await self.publish(
            "ledger.expense_recorded",
            period_id,
            period_id=period_id,
            expense_id=expense_id,
            paid_by_owner_id=paid_by,
            amount=amount,
            currency="RUB",
            payment_type=payment_type,
            date="2025-11-16T10:30:00Z",
            allocation_strategy="FIXED_FEE" if allocations else "NONE",
            allocations=[{"owner_id": o, "amount": a} for o, a in allocations.items()],
            **extra,
        )
        return expense_id

    async def carried(self, source: int, target: int, balances: dict[int, str]) -> None:
        """The carry-forward event, which the ledger sends before its opening entries."""
        total = sum((Decimal(b) for b in balances.values()), Decimal(0))
        await self.publish(
            "ledger.balances_carried_forward",
            source,
            from_period_id=source,
            to_period_id=target,
            balances={str(o): b for o, b in balances.items()},
            total_carried=f"{total:.2f}",
            currency="RUB",
        )

    async def two_months(self) -> tuple[int, int]:
        """November: Anna pays 1000, Boris 200, a 300.00 road split equally, 500.00 from the fund,
        Boris pays 100.00 snow clearing himself, a 50.00 penalty for Boris. December opens with
        November's balances carried forward; Anna pays 100 more."""
        await self.community({11: "anna", 12: "boris"})
        nov = await self.period("Nov", "2025-11-01", "2025-11-30")
        await self.contribution(nov, 11, "1000.00")
        await self.contribution(nov, 12, "200.00")
        await self.expense(nov, "300.00", {11: "150.00", 12: "150.00"})
        await self.expense(nov, "500.00", {})
        await self.expense(nov, "100.00", {11: "50.00", 12: "50.00"}, paid_by=12)
        await self.publish(
            "ledger.charge_recorded",
            nov,
            period_id=nov,
            charge_id=self.new_id(),
            owner_id=12,
            amount="50.00",
            currency="RUB",
            description="Penalty",
            date="2025-11-20T00:00:00Z",
        )
        await self.publish(
            "ledger.period_closed", nov, period_id=nov, closed_at="2025-12-01T00:00:00Z"
        )
        dec = await self.period("Dec", "2025-12-01", "2025-12-31")
        # Anna: 1000 − 150 − 50 = 800 credit; Boris: 200 + 100 − 150 − 50 − 50 = 50 credit.
        await self.carried(nov, dec, {11: "800.00", 12: "50.00"})
        await self.contribution(dec, 11, "800.00", kind="opening")
        await self.contribution(dec, 12, "50.00", kind="opening")
        await self.contribution(dec, 11, "100.00")
        return nov, dec


@pytest.fixture
async def ledger(infrastructure: Any, service_env: dict[str, str]) -> AsyncIterator[Ledger]:
    producer = AIOKafkaProducer(
        bootstrap_servers=infrastructure.kafka_bootstrap_servers, **client_options()
    )
    await producer.start()
    try:
        yield Ledger(producer, service_env["SOSENKI_TOPIC_PREFIX"])
    finally:
        await producer.stop()
