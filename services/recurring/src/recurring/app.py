"""The recurring service: patterns, their occurrences, and the scheduler that emits them."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from fastapi import FastAPI
from sosenki_platform.service import Runtime, create_service_app

from recurring.adapters.tables import platform
from recurring.api.routes import router
from recurring.clock import Clock, clock_from
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
    app = create_service_app(
        runtime,
        title="SOSenki recurring",
        description="Recurring schedules: patterns, their occurrences and the scheduler.",
        routers=[router],
    )
    scheduler = Scheduler(
        runtime,
        clock,
        interval=settings.scheduler_interval_seconds,
        batch_size=settings.scheduler_batch_size,
    )
    app.state.clock = clock
    app.state.scheduler = scheduler

    # The platform's lifespan has start-up hooks but no shutdown hook: wrap it, so the scheduler
    # starts after the database is migrated and stops before the database and relay shut down.
    platform_lifespan = app.router.lifespan_context

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        async with platform_lifespan(app):
            if settings.scheduler_enabled:
                scheduler.start()
            try:
                yield
            finally:
                await scheduler.stop()

    app.router.lifespan_context = lifespan
    return app
