"""The ledger service: the community treasury."""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI
from sosenki_platform.service import Runtime, create_service_app
from sosenki_platform.use_case import Clock, clock_from

from ledger.adapters.tables import platform
from ledger.api.routes import router
from ledger.commands import register_commands
from ledger.settings import Settings

MIGRATIONS = Path(__file__).parent / "migrations"


def create_app(settings: Settings | None = None, clock: Clock | None = None) -> FastAPI:
    settings = settings or Settings()
    clock = clock or clock_from(settings.clock_file)
    runtime = Runtime(settings, platform, MIGRATIONS)
    register_commands(runtime, clock)
    app = create_service_app(
        runtime,
        title="SOSenki ledger",
        description="Community treasury: periods, contributions, expenses, balances.",
        routers=[router],
    )
    app.state.clock = clock
    return app
