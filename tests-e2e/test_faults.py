"""Faults across real processes: Kafka going away while the ledger keeps accepting writes."""

from __future__ import annotations

import asyncio
from pathlib import Path

import httpx
import pytest
from sosenki_platform.testing import eventually

from deploy.local.kafka import DisposableBroker

pytestmark = pytest.mark.e2e


@pytest.fixture
def broker(tmp_path: Path):
    broker = DisposableBroker(tmp_path / "kafka")
    broker.start()
    yield broker
    broker.stop()


async def test_writes_made_while_kafka_is_down_arrive_once_kafka_is_back(
    broker: DisposableBroker, start_service, make_token
) -> None:
    # The throwaway broker is open (no SASL): whatever credentials the run uses, none here.
    kafka = {
        "SOSENKI_KAFKA_BOOTSTRAP_SERVERS": broker.bootstrap,
        "SOSENKI_KAFKA_SECURITY_PROTOCOL": "PLAINTEXT",
    }
    ledger = await start_service("ledger", **kafka)
    reporting = await start_service("reporting", **kafka)
    token = make_token(777)
    async with httpx.AsyncClient(
        base_url=ledger.url, headers={"Authorization": f"Bearer {token}"}
    ) as api:
        community = (await api.post("/api/payments/communities", json={"name": "Oaks"})).json()
        cid = community["id"]
        api.headers["Authorization"] = f"Bearer {make_token(777, communities=[cid])}"
        await api.post(
            f"/api/payments/communities/{cid}/owners",
            json={"user_id": 777, "display_name": "Treasurer", "ownership_share": "1"},
        )
        period = (
            await api.post(
                "/api/payments/periods",
                json={"name": "Dec", "start_date": "2025-12-01", "end_date": "2025-12-31"},
            )
        ).json()

        await asyncio.to_thread(broker.stop)
        amounts = ["100.00", "20.50", "0.01", "5000.00", "79.49"]
        for amount in amounts:
            response = await api.post(
                f"/api/payments/periods/{period['id']}/contributions",
                json={"user_id": 777, "amount": amount},
            )
            assert response.status_code == 201, response.text
        await asyncio.to_thread(broker.start)

    expected = "5200.00"
    async with httpx.AsyncClient(
        base_url=reporting.url, headers={"Authorization": f"Bearer {token}"}
    ) as api:
        api.headers["Authorization"] = f"Bearer {make_token(777, communities=[cid])}"

        async def balance() -> dict[str, str] | None:
            r = await api.get(f"/api/payments/periods/{period['id']}/owner-balance/777")
            body = r.json()
            return (
                body if r.status_code == 200 and body["total_contributions"] == expected else None
            )

        await eventually(balance, timeout=90, what="contributions made during the outage")
        await asyncio.sleep(2)  # a doubled event would arrive right behind: give it the chance
        final = (await api.get(f"/api/payments/periods/{period['id']}/owner-balance/777")).json()
    assert final["total_contributions"] == expected
    assert final["balance"] == expected
