"""create_service_app's hooks: start-up and shutdown hooks run around the app's life, and extra
readiness checks decide /health/ready."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from sosenki_platform.service import Runtime, create_service_app
from sosenki_platform.settings import ServiceSettings
from sosenki_platform.tables import add_platform_tables
from sosenki_platform.testing import running_app
from sqlalchemy import MetaData

pytestmark = pytest.mark.integration

# Any service's migrations create the platform tables; the ledger's are at hand.
MIGRATIONS = Path(__file__).resolve().parents[3] / "services/ledger/src/ledger/migrations"


async def test_hooks_and_extra_readiness(new_database: Any, service_env: dict[str, str]) -> None:
    settings = ServiceSettings(
        service_name="hooks-test",
        database_url=await new_database("hooks"),
        kafka_bootstrap_servers=service_env["SOSENKI_KAFKA_BOOTSTRAP_SERVERS"],
        topic_prefix=service_env["SOSENKI_TOPIC_PREFIX"],
    )
    calls: list[str] = []
    healthy = {"value": True}

    async def started() -> None:
        calls.append("started")

    async def stopping() -> None:
        calls.append("stopping")

    async def scheduler_alive() -> None:
        if not healthy["value"]:
            raise RuntimeError("scheduler stopped")

    runtime = Runtime(settings, add_platform_tables(MetaData()), MIGRATIONS)
    app = create_service_app(
        runtime,
        title="SOSenki hooks",
        routers=[],
        on_startup=[started],
        on_shutdown=[stopping],
        extra_readiness={"scheduler": scheduler_alive},
    )
    async with running_app(app) as client:
        assert calls == ["started"]
        ready = await client.get("/health/ready")
        assert ready.status_code == 200
        assert ready.json()["checks"] == {
            "database": "ok",
            "scheduler": "ok",
            "kafka": "ok",
            "consumers": "ok",
        }
        healthy["value"] = False
        not_ready = await client.get("/health/ready")
        assert not_ready.status_code == 503
        assert not_ready.json()["checks"]["scheduler"] == "unavailable: scheduler stopped"
    assert calls == ["started", "stopping"]
