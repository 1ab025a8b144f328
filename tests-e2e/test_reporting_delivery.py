"""Reporting as a real process: a redelivered event is applied once, poison goes to the
dead-letter topic, and the consumer keeps going."""

from __future__ import annotations

import asyncio
from decimal import Decimal

import httpx
import pytest
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer
from sosenki_contracts import topics
from sosenki_contracts.envelope import EventEnvelope
from sosenki_platform.kafka_security import client_options
from sosenki_platform.testing import eventually

pytestmark = pytest.mark.e2e

COMMUNITY, PERIOD, OWNER = 9001, 9001, 42


def _event(event_type: str, payload: dict[str, object]) -> EventEnvelope:
    return EventEnvelope(
        event_type=event_type, producer="ledger", aggregate_id=str(PERIOD), payload=payload
    )


def _contribution(contribution_id: int, amount: str) -> EventEnvelope:
    return _event(
        "ledger.contribution_recorded",
        {
            "community_id": COMMUNITY,
            "period_id": PERIOD,
            "contribution_id": contribution_id,
            "owner_id": OWNER,
            "amount": amount,
            "currency": "RUB",
            "date": "2025-11-15T10:30:00Z",
            "comment": None,
        },
    )


async def test_duplicates_and_poison_on_the_ledger_topic(
    start_service, make_token, infrastructure, topic_prefix
) -> None:
    reporting = await start_service("reporting")
    topic = topic_prefix + topics.LEDGER_EVENTS
    setup = [
        _event(
            "ledger.community_created",
            {"community_id": COMMUNITY, "name": "Elms", "base_currency": "RUB", "timezone": "UTC"},
        ),
        _event(
            "ledger.owner_added",
            {
                "community_id": COMMUNITY,
                "owner_id": OWNER,
                "user_id": OWNER,
                "display_name": "Olga",
                "username": "olga",
                "ownership_share": "1",
            },
        ),
        _event(
            "ledger.period_created",
            {
                "community_id": COMMUNITY,
                "period_id": PERIOD,
                "name": "Nov",
                "start_date": "2025-11-01",
                "end_date": "2025-11-30",
                "status": "OPEN",
            },
        ),
    ]
    twice = _contribution(1, "1000.00")
    after_poison = _contribution(2, "0.01")
    unknown = _event("ledger.something_new", {"x": 1})
    messages = [
        *(e.to_json_bytes() for e in setup),
        twice.to_json_bytes(),
        twice.to_json_bytes(),  # redelivered: same event_id
        b"{not an envelope",
        unknown.to_json_bytes(),
        after_poison.to_json_bytes(),
    ]
    producer = AIOKafkaProducer(
        bootstrap_servers=infrastructure.kafka_bootstrap_servers, **client_options()
    )
    await producer.start()
    try:
        for value in messages:
            await producer.send_and_wait(topic, value, key=str(PERIOD).encode())
    finally:
        await producer.stop()

    token = make_token(OWNER, communities=[COMMUNITY])
    async with httpx.AsyncClient(
        base_url=reporting.url, headers={"Authorization": f"Bearer {token}"}
    ) as api:

        async def balance() -> dict[str, str] | None:
            r = await api.get(f"/api/payments/periods/{PERIOD}/owner-balance/{OWNER}")
            if r.status_code == 200 and r.json()["total_contributions"] == "1000.01":
                return dict(r.json())
            return None

        body = await eventually(balance, what="contributions applied once each")
        sheet = (await api.get(f"/api/payments/periods/{PERIOD}/balance-sheet")).json()
    assert Decimal(body["balance"]) == Decimal("1000.01")
    assert sheet["entries"][0]["username"] == "olga"
    assert sheet["total_period_balance"] == "1000.01"

    dead = AIOKafkaConsumer(
        topic + ".dlq",
        bootstrap_servers=infrastructure.kafka_bootstrap_servers,
        auto_offset_reset="earliest",
        enable_auto_commit=False,
        **client_options(),
    )
    await dead.start()
    records = []
    try:
        async with asyncio.timeout(20):
            while len(records) < 2:
                for part in (await dead.getmany(timeout_ms=500)).values():
                    records.extend(part)
    finally:
        await dead.stop()
    reasons = sorted(dict(r.headers)["x-dlq-reason"].decode() for r in records)
    assert reasons == ["undecodable", "unknown_type"]
    assert {dict(r.headers)["x-dlq-source-topic"].decode() for r in records} == {topic}
