"""What time it is, for the scheduler. Tests control it; nothing sleeps for schedule time."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Protocol


class Clock(Protocol):
    def now(self) -> datetime: ...


class SystemClock:
    def now(self) -> datetime:
        return datetime.now(UTC)


class ManualClock:
    """A clock a test sets and moves."""

    def __init__(self, now: datetime) -> None:
        self._now = now

    def now(self) -> datetime:
        return self._now

    def set(self, now: datetime) -> None:
        self._now = now


class FileClock:
    """The time written (ISO 8601, with an offset) in a file: lets a test move the clock of a
    service process. Only for tests (``SOSENKI_CLOCK_FILE``); the system time while it is empty."""

    def __init__(self, path: str | Path) -> None:
        self._path = Path(path)

    def now(self) -> datetime:
        try:
            text = self._path.read_text().strip()
        except FileNotFoundError:
            text = ""
        if not text:
            return datetime.now(UTC)
        return datetime.fromisoformat(text).astimezone(UTC)


def clock_from(clock_file: str) -> Clock:
    return FileClock(clock_file) if clock_file else SystemClock()
