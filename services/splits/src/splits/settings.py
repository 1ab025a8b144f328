"""Settings of the splits service (environment variables prefixed ``SOSENKI_``)."""

from __future__ import annotations

from sosenki_platform.settings import ServiceSettings


class Settings(ServiceSettings):
    service_name: str = "splits"
    #: Tests only: a file holding the time the service takes as now (empty: the system clock).
    clock_file: str = ""
