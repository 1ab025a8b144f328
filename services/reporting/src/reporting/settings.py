"""Settings of the reporting service (environment variables prefixed ``SOSENKI_``)."""

from __future__ import annotations

from pathlib import Path

from sosenki_platform.settings import ServiceSettings

#: Reporting's Alembic migrations (here, not in ``app``: the rebuild runs them without importing
#: the web app).
MIGRATIONS = Path(__file__).parent / "migrations"


class Settings(ServiceSettings):
    service_name: str = "reporting"
