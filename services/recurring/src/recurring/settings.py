"""Settings of the recurring service (environment variables prefixed ``SOSENKI_``)."""

from __future__ import annotations

from sosenki_platform.settings import ServiceSettings


class Settings(ServiceSettings):
    service_name: str = "recurring"
