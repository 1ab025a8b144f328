"""Settings of the ledger service (environment variables prefixed ``SOSENKI_``)."""

from __future__ import annotations

from sosenki_platform.settings import ServiceSettings


class Settings(ServiceSettings):
    service_name: str = "ledger"
    #: Tests only: a file holding the time the service believes it is (empty: the system clock).
    clock_file: str = ""
