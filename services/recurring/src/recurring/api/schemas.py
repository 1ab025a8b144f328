"""Request and response bodies of the recurring service's REST API."""

from __future__ import annotations

from datetime import date, datetime

from pydantic import BaseModel, ConfigDict
from sosenki_contracts.bounds import ShortDescription
from sosenki_contracts.commands.recurring import PatternDefinition


class PatternIn(PatternDefinition):
    model_config = ConfigDict(extra="forbid", frozen=True)


class CancelIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    reason: ShortDescription | None = None


class OccurrencePreview(BaseModel):
    number: int
    occurrence_date: date
    #: Local date and time with the UTC offset of that day.
    local: datetime
    due_at: datetime
