"""Settings of the recurring service (environment variables prefixed ``SOSENKI_``)."""

from __future__ import annotations

from pydantic import Field
from sosenki_platform.settings import ServiceSettings


class Settings(ServiceSettings):
    service_name: str = "recurring"
    #: Run the scheduler in this process (any number of instances may run it).
    scheduler_enabled: bool = True
    scheduler_interval_seconds: float = 1.0
    #: Patterns claimed per transaction.
    scheduler_batch_size: int = 1000
    #: Occurrences of one pattern sent per transaction when many are due (the rest follow).
    scheduler_catch_up_limit: int = Field(default=100, ge=1)
    #: A pass ends once it has written this many occurrences (the claimed patterns it did not
    #: reach stay due for the next pass), so the relay publishes while the scheduler goes on.
    scheduler_occurrences_per_pass: int = Field(default=5000, ge=1)
    #: Timezone of patterns created from a splits recurring expense (groups have none).
    default_timezone: str = "Europe/Moscow"
    #: Tests only: read "now" from this file (ISO 8601) instead of the system clock.
    clock_file: str = ""
