"""The reporting service: read models built from every event topic."""

from __future__ import annotations

import gc

from fastapi import FastAPI
from sosenki_platform.service import Runtime, create_service_app

from reporting.adapters.tables import platform
from reporting.api import audit, exports, freshness, groups
from reporting.api.routes import router
from reporting.business_metrics import BusinessMetrics
from reporting.projections import register_projections
from reporting.settings import MIGRATIONS, Settings

__all__ = ["MIGRATIONS", "create_app"]


def create_app(settings: Settings | None = None) -> FastAPI:
    runtime = Runtime(settings or Settings(), platform, MIGRATIONS)
    register_projections(runtime)
    business = BusinessMetrics(runtime.db)
    return create_service_app(
        runtime,
        title="SOSenki reporting",
        description=(
            "Balance sheets, owner balances, settle-up plans and a tamper-evident audit log, "
            "built from events."
        ),
        routers=[
            router,
            exports.router,
            groups.router,
            audit.router,
            audit.short_router,
            freshness.router,
        ],
        on_startup=[
            lambda: freshness.seed_last_applied_gauge(runtime),
            business.start,
            _freeze_startup_objects,
        ],
        on_shutdown=[business.stop],
        extra_readiness={"freshness": freshness.readiness_check(runtime)},
    )


async def _freeze_startup_objects() -> None:
    """What start-up loaded lives as long as the process: keep the collector from scanning it
    again and again while batches of events allocate (py-spy showed the pauses)."""
    gc.freeze()
