"""The recurring service."""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI
from sosenki_platform.service import Runtime, create_service_app

from recurring.adapters.tables import platform
from recurring.settings import Settings

MIGRATIONS = Path(__file__).parent / "migrations"


def create_app(settings: Settings | None = None) -> FastAPI:
    runtime = Runtime(settings or Settings(), platform, MIGRATIONS)
    return create_service_app(
        runtime,
        title="SOSenki recurring",
        description="Recurring schedules: patterns and their occurrences.",
        routers=[],
    )
