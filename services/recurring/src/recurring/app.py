"""The recurring service: patterns, their occurrences, and the scheduler that emits them."""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI
from sosenki_platform.service import Runtime, create_service_app
from sosenki_platform.use_case import Clock, clock_from

from recurring.adapters.tables import platform
from recurring.api.routes import router
from recurring.commands import register_commands
from recurring.results import register_results
from recurring.scheduler import Scheduler
from recurring.settings import Settings

MIGRATIONS = Path(__file__).parent / "migrations"


def create_app(settings: Settings | None = None, clock: Clock | None = None) -> FastAPI:
    settings = settings or Settings()
    clock = clock or clock_from(settings.clock_file)
    runtime = Runtime(settings, platform, MIGRATIONS)
    register_commands(runtime, clock)
    register_results(runtime, clock, settings.default_timezone)
    scheduler = Scheduler(
        runtime,
        clock,
        interval=settings.scheduler_interval_seconds,
        batch_size=settings.scheduler_batch_size,
        catch_up_limit=settings.scheduler_catch_up_limit,
        occurrences_per_pass=settings.scheduler_occurrences_per_pass,
    )

    async def start_scheduler() -> None:
        # After the database is migrated; stopped before the database and relay shut down.
        if settings.scheduler_enabled:
            scheduler.start()

    app = create_service_app(
        runtime,
        title="SOSenki recurring",
        description="Recurring schedules: patterns, their occurrences and the scheduler.",
        routers=[router],
        on_startup=[start_scheduler],
        on_shutdown=[scheduler.stop],
    )
    app.state.clock = clock
    app.state.scheduler = scheduler
    return app
