"""Degrade, don't fall over: a service process whose database goes away answers 503 with
Retry-After (never a reset connection or a 500) and comes back by itself; a broker outage leaves
the service ready (Kafka is only a detail of readiness, the outbox holds the writes)."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from sosenki_platform.testing import eventually

from deploy.local.kafka import DisposableBroker
from deploy.local.postgres import DisposablePostgres

pytestmark = pytest.mark.e2e


@pytest.fixture
def postgres() -> Iterator[DisposablePostgres]:
    server = DisposablePostgres()
    server.start()
    yield server
    server.stop()


@pytest.fixture
def broker(tmp_path: Path) -> Iterator[DisposableBroker]:
    broker = DisposableBroker(tmp_path / "kafka")
    broker.start()
    yield broker
    broker.stop()


async def _treasurer_with_a_period(api: httpx.AsyncClient, make_token) -> tuple[int, int]:
    community = await api.post("/api/payments/communities", json={"name": "Oaks"})
    assert community.status_code == 201, community.text
    cid = community.json()["id"]
    api.headers["Authorization"] = f"Bearer {make_token(777, communities=[cid])}"
    owner = await api.post(
        f"/api/payments/communities/{cid}/owners",
        json={"user_id": 777, "display_name": "Treasurer", "ownership_share": "1"},
    )
    assert owner.status_code == 201, owner.text
    period = await api.post(
        "/api/payments/periods",
        json={"name": "Dec", "start_date": "2025-12-01", "end_date": "2025-12-31"},
    )
    assert period.status_code == 201, period.text
    return cid, period.json()["id"]


async def test_with_its_database_down_a_service_answers_503_and_recovers_by_itself(
    postgres: DisposablePostgres, start_service, make_token
) -> None:
    ledger = await start_service("ledger", SOSENKI_DATABASE_URL=postgres.url())
    async with httpx.AsyncClient(
        base_url=ledger.url, headers={"Authorization": f"Bearer {make_token(777)}"}, timeout=30
    ) as api:
        _, period_id = await _treasurer_with_a_period(api, make_token)
        contributions = f"/api/payments/periods/{period_id}/contributions"
        pay = {"user_id": 777, "amount": "100.00"}
        once = {"Idempotency-Key": "outage-1"}

        await asyncio.to_thread(postgres.kill)
        read = await api.get(contributions)
        write = await api.post(contributions, json=pay)
        keyed = await api.post(contributions, json=pay, headers=once)
        for response in (read, write, keyed):
            assert response.status_code == 503, response.text
            assert int(response.headers["Retry-After"]) > 0
            assert "database" in response.json()["detail"]
        ready = await api.get("/health/ready")
        assert ready.status_code == 503
        assert ready.json()["checks"]["database"].startswith("unavailable")
        assert (await api.get("/health/live")).status_code == 200

        await asyncio.to_thread(postgres.start)

        async def accepted() -> httpx.Response | None:
            response = await api.post(contributions, json=pay, headers=once)
            return response if response.status_code == 201 else None

        first = await eventually(accepted, timeout=30, what="the write accepted again")
        again = await api.post(contributions, json=pay, headers=once)
        assert again.headers.get("Idempotent-Replayed") == "true"
        assert again.json() == first.json()
        recorded = await api.get(contributions)
        assert recorded.status_code == 200
        # The keyed write applied once; the unkeyed one made during the outage never happened.
        assert [c["amount"] for c in recorded.json()] == ["100.00"]
        assert (await api.get("/health/ready")).status_code == 200


async def test_a_service_stays_ready_and_takes_writes_while_kafka_is_unreachable(
    broker: DisposableBroker, start_service, make_token
) -> None:
    ledger = await start_service(
        "ledger",
        SOSENKI_KAFKA_BOOTSTRAP_SERVERS=broker.bootstrap,
        SOSENKI_KAFKA_SECURITY_PROTOCOL="PLAINTEXT",  # the throwaway broker is open
    )
    async with httpx.AsyncClient(
        base_url=ledger.url, headers={"Authorization": f"Bearer {make_token(777)}"}, timeout=30
    ) as api:
        _, period_id = await _treasurer_with_a_period(api, make_token)
        await asyncio.to_thread(broker.stop)

        async def kafka_shown_unreachable() -> dict[str, object] | None:
            response = await api.get("/health/ready")
            assert response.status_code == 200, response.text
            checks: dict[str, object] = response.json()["checks"]
            return checks if checks["kafka"] == "unreachable" else None

        checks = await eventually(kafka_shown_unreachable, timeout=30, what="kafka shown away")
        assert checks["database"] == "ok"
        write = await api.post(
            f"/api/payments/periods/{period_id}/contributions",
            json={"user_id": 777, "amount": "5.00"},
        )
        assert write.status_code == 201, write.text


async def test_a_service_started_while_kafka_is_away_serves_and_joins_kafka_later(
    tmp_path: Path, start_service, make_token
) -> None:
    from aiokafka import AIOKafkaConsumer
    from aiokafka.admin import AIOKafkaAdminClient

    broker = DisposableBroker(tmp_path / "late-kafka")  # not started yet
    try:
        ledger = await start_service(
            "ledger",
            ready_timeout=120,
            SOSENKI_KAFKA_BOOTSTRAP_SERVERS=broker.bootstrap,
            SOSENKI_KAFKA_STARTUP_WAIT_SECONDS="1",
            SOSENKI_KAFKA_SECURITY_PROTOCOL="PLAINTEXT",  # the throwaway broker is open
        )
        async with httpx.AsyncClient(
            base_url=ledger.url, headers={"Authorization": f"Bearer {make_token(777)}"}, timeout=30
        ) as api:
            ready = await api.get("/health/ready")
            assert ready.status_code == 200
            assert ready.json()["checks"]["kafka"] != "ok"
            community = await api.post("/api/payments/communities", json={"name": "Late"})
            assert community.status_code == 201, community.text

            await asyncio.to_thread(broker.start)

            async def kafka_ok() -> bool:
                return bool((await api.get("/health/ready")).json()["checks"]["kafka"] == "ok")

            await eventually(kafka_ok, timeout=120, what="the service connected to Kafka")

        admin = AIOKafkaAdminClient(bootstrap_servers=broker.bootstrap)
        await admin.start()
        try:

            async def consumers_joined() -> bool:
                (group,) = await admin.describe_consumer_groups(
                    [ledger.env["SOSENKI_TOPIC_PREFIX"] + "ledger"]
                )
                return bool(group.groups[0][5])  # members

            await eventually(consumers_joined, timeout=120, what="the ledger's consumers joined")
        finally:
            await admin.close()

        prefix = ledger.env["SOSENKI_TOPIC_PREFIX"]
        consumer = AIOKafkaConsumer(
            prefix + "ledger.events.v1",
            bootstrap_servers=broker.bootstrap,
            auto_offset_reset="earliest",
        )
        await consumer.start()
        try:

            async def published() -> list[object] | None:
                batch = await consumer.getmany(timeout_ms=1000)
                return [r for records in batch.values() for r in records] or None

            records = await eventually(published, timeout=60, what="the outbox published")
        finally:
            await consumer.stop()
        assert b"ledger.community_created" in records[0].value  # type: ignore[attr-defined]
    finally:
        broker.stop()
