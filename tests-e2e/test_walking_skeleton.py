"""The first flow across real processes: a period created on the ledger reaches reporting
through the outbox and Kafka."""

from __future__ import annotations

import json
import signal

import httpx
import pytest
from sosenki_contracts import topics
from sosenki_platform.testing import eventually

pytestmark = pytest.mark.e2e

SERVICES = ["ledger", "splits", "recurring", "bot_gateway", "reporting"]


async def test_every_service_starts_and_serves_health_metrics_and_openapi(start_service) -> None:
    for module in SERVICES:
        service = await start_service(module)
        async with httpx.AsyncClient(base_url=service.url) as client:
            assert (await client.get("/health/live")).json() == {"status": "ok"}
            ready = (await client.get("/health/ready")).json()
            checks = ready.pop("checks")
            assert ready == {"status": "ok"}, module
            assert (checks.pop("database"), checks.pop("kafka")) == ("ok", "ok"), module
            assert checks.pop("consumers") == "ok", module  # no partition held by an outage
            if module == "reporting":  # freshness per event topic, from the consumer's gauges
                freshness = checks.pop("freshness")
                assert set(freshness) == set(topics.EVENT_TOPICS)
                assert all(
                    {"seconds_since_last_applied", "lag"} == set(f) for f in freshness.values()
                )
            assert checks == {}, module
            metrics = await client.get("/metrics")
            assert metrics.status_code == 200
            assert "http_requests_total" in metrics.text
            openapi = (await client.get("/openapi.json")).json()
            assert openapi["info"]["title"].startswith("SOSenki"), module


async def test_a_period_created_on_the_ledger_appears_in_reporting(
    start_service, make_token
) -> None:
    ledger = await start_service("ledger")
    reporting = await start_service("reporting")
    treasurer = {"Authorization": f"Bearer {make_token(501)}"}

    async with httpx.AsyncClient(base_url=ledger.url, headers=treasurer) as api:
        community = (await api.post("/api/payments/communities", json={"name": "Pines"})).json()
        scoped = {"Authorization": f"Bearer {make_token(501, communities=[community['id']])}"}
        created = await api.post(
            "/api/payments/periods",
            headers=scoped,
            json={
                "name": "November 2025",
                "start_date": "2025-11-01",
                "end_date": "2025-11-30",
                "description": "Monthly operational period",
            },
        )
    assert created.status_code == 201, created.text
    period = created.json()
    assert period["status"] == "OPEN" and period["closed_at"] is None

    async with httpx.AsyncClient(base_url=reporting.url, headers=scoped) as api:

        async def projected() -> dict[str, object] | None:
            response = await api.get(f"/api/payments/periods/{period['id']}")
            return response.json() if response.status_code == 200 else None

        seen = await eventually(projected, what="the period in reporting")
    assert seen == period

    # Logs are JSON lines that carry the request's trace.
    lines = [
        json.loads(line) for line in ledger.log_path.read_text().splitlines() if line[:1] == "{"
    ]
    requests = [line for line in lines if line.get("event") == "http_request"]
    assert any(r["route"] == "/api/payments/periods" and r["status"] == 201 for r in requests)
    assert all(len(r["trace_id"]) == 32 and r["service"] == "ledger" for r in requests)

    # SIGTERM: a graceful shutdown (uvicorn re-raises the signal once it has finished).
    assert ledger.stop() in (0, -signal.SIGTERM)
    events = [
        json.loads(x).get("event") for x in ledger.log_path.read_text().splitlines() if x[:1] == "{"
    ]
    assert events.index("service_stopping") < events.index("service_stopped")
