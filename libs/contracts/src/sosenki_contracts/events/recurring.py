"""Events published by the recurring service on ``recurring.events.v1``.

Every change of a pattern and every occurrence is an event, keyed by the pattern id. An occurrence
is ``emitted`` (its command was sent to the target), then ``done`` (the target's event arrived) or
``refused`` (the target's rejection, with its reason); with the ``latest`` catch-up policy, missed
occurrences are ``skipped``.

Tolerant readers: unknown fields are ignored; a breaking change gets ``version=2``.
"""

from __future__ import annotations

from datetime import date, time
from typing import Any

from pydantic import AwareDatetime, BaseModel, ConfigDict

from sosenki_contracts.registry import event

_CONFIG = ConfigDict(extra="ignore", frozen=True)


class PatternSnapshot(BaseModel):
    model_config = _CONFIG

    pattern_id: str
    name: str
    frequency: str
    interval: int
    days_of_week: list[str] | None = None
    start_date: date
    time_of_day: time
    timezone: str
    end_date: date | None = None
    max_occurrences: int | None = None
    catch_up: str
    #: What an occurrence sends: ``kind`` and its fields (see ``commands/recurring.py``).
    target: dict[str, Any]
    #: The schedule as RFC 5545 lines (``DTSTART;TZID=…`` and ``RRULE:…``).
    rrule: str
    status: str
    next_number: int | None = None
    next_due_at: AwareDatetime | None = None


@event("recurring.pattern_created", version=1)
class PatternCreated(PatternSnapshot):
    pass


@event("recurring.pattern_paused", version=1)
class PatternPaused(BaseModel):
    """Paused by someone, or by the service when the target refused an occurrence (``reason``
    says why and ``occurrence_number`` which): tell ``created_by``, the pattern's creator."""

    model_config = _CONFIG

    pattern_id: str
    reason: str | None = None
    occurrence_number: int | None = None
    created_by: str | None = None
    #: The refusal's ``ErrorCode`` when the target refused: what a client translates (``reason``
    #: is the target's English detail).
    reason_code: str | None = None


@event("recurring.pattern_resumed", version=1)
class PatternResumed(BaseModel):
    """Occurrences that fell due while the pattern was paused are skipped, not sent."""

    model_config = _CONFIG

    pattern_id: str
    next_number: int | None = None
    next_due_at: AwareDatetime | None = None


@event("recurring.pattern_cancelled", version=1)
class PatternCancelled(BaseModel):
    model_config = _CONFIG

    pattern_id: str
    reason: str | None = None


@event("recurring.pattern_finished", version=1)
class PatternFinished(BaseModel):
    """The schedule has no further occurrences (its end date or count was reached)."""

    model_config = _CONFIG

    pattern_id: str
    last_number: int


class OccurrenceSnapshot(BaseModel):
    model_config = _CONFIG

    pattern_id: str
    number: int
    due_at: AwareDatetime
    #: The occurrence's date in the pattern's timezone.
    occurrence_date: date
    #: ``recurring:<pattern id>:<number>``: the targets apply a command id once.
    command_id: str
    command_type: str
    status: str
    status_code: int | None = None
    detail: str | None = None


@event("recurring.occurrence_emitted", version=1)
class OccurrenceEmitted(OccurrenceSnapshot):
    pass


@event("recurring.occurrence_skipped", version=1)
class OccurrenceSkipped(OccurrenceSnapshot):
    pass


@event("recurring.occurrence_done", version=1)
class OccurrenceDone(OccurrenceSnapshot):
    pass


@event("recurring.occurrence_refused", version=1)
class OccurrenceRefused(OccurrenceSnapshot):
    pass


@event("recurring.command_rejected", version=1)
class CommandRejected(BaseModel):
    """A command on ``recurring.commands.v1`` was refused; ``detail`` is the HTTP-style message."""

    model_config = _CONFIG

    command_id: str
    command_type: str
    status_code: int
    detail: str
    #: A stable ``ErrorCode`` value for clients to translate (absent from older producers).
    code: str | None = None


__all__ = [
    "CommandRejected",
    "OccurrenceDone",
    "OccurrenceEmitted",
    "OccurrenceRefused",
    "OccurrenceSkipped",
    "OccurrenceSnapshot",
    "PatternCancelled",
    "PatternCreated",
    "PatternFinished",
    "PatternPaused",
    "PatternResumed",
    "PatternSnapshot",
]
