"""Commands the recurring service accepts on ``recurring.commands.v1``.

A pattern is a schedule (frequency, interval, start, end or count, timezone) plus a target: what
to send when an occurrence is due. The REST API takes the same bodies. A refused command produces
a ``recurring.command_rejected`` event carrying the ``command_id``.

Strings in a target's text fields may use the placeholders ``{date}`` (the occurrence's local date,
``2027-02-28``), ``{month}`` (``2027-02``), ``{year}`` and ``{number}`` (the occurrence number).
"""

from __future__ import annotations

from datetime import date, time
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field

from sosenki_contracts.bounds import (
    MAX_ID,
    MAX_INT32,
    Description,
    Id,
    Line,
    Name,
    RequiredDescription,
    ShortDescription,
    Timezone,
)
from sosenki_contracts.registry import command

_CONFIG = ConfigDict(extra="ignore", frozen=True)

Frequency = Literal["DAILY", "WEEKLY", "MONTHLY", "YEARLY"]
#: After downtime: emit every missed occurrence in order, or only the latest one.
CatchUp = Literal["all", "latest"]


class SplitsExpenseTarget(BaseModel):
    """Each occurrence asks the splits service to repeat a template (``is_recurring``) expense."""

    model_config = _CONFIG

    kind: Literal["splits_expense"] = "splits_expense"
    template_expense_id: Id


class LedgerChargeTarget(BaseModel):
    """Each occurrence charges owners (every active owner by default) in the community's open
    period that covers the occurrence's date, e.g. a monthly fee."""

    model_config = _CONFIG

    kind: Literal["ledger_charge"] = "ledger_charge"
    community_id: Id
    owner_ids: list[Id] | None = Field(default=None, max_length=10000)
    amount: Annotated[str, Field(max_length=40)]
    description: RequiredDescription


class LedgerPeriodTarget(BaseModel):
    """Each occurrence opens a ledger service period from its date to the day before the next."""

    model_config = _CONFIG

    kind: Literal["ledger_period"] = "ledger_period"
    community_id: Id
    name: Name
    description: Description | None = None


class ReminderTarget(BaseModel):
    """Each occurrence sends a reminder through the bot gateway."""

    model_config = _CONFIG

    kind: Literal["reminder"] = "reminder"
    chat_id: int | None = Field(default=None, ge=-MAX_ID, le=MAX_ID)
    user_id: Id | None = None
    text: Annotated[Line, Field(min_length=1)]


Target = Annotated[
    SplitsExpenseTarget | LedgerChargeTarget | LedgerPeriodTarget | ReminderTarget,
    Field(discriminator="kind"),
]


class PatternDefinition(BaseModel):
    """A schedule and its target. The service checks it as a whole (400 with the reason)."""

    model_config = _CONFIG

    name: Name
    frequency: Frequency
    interval: int = 1
    #: Weekly patterns: MO TU WE TH FR SA SU (or full English names); default: the start's weekday.
    days_of_week: list[Annotated[str, Field(max_length=20)]] | None = Field(
        default=None, max_length=7
    )
    start_date: date
    #: Local time of day the occurrence is due, in ``timezone``.
    time_of_day: time = time(0, 0)
    #: IANA timezone name, e.g. ``Europe/Moscow``.
    timezone: Timezone = "Europe/Moscow"
    end_date: date | None = None
    max_occurrences: int | None = Field(default=None, le=MAX_INT32)
    catch_up: CatchUp = "all"
    target: Target


@command("recurring.create_pattern", version=1)
class CreatePattern(PatternDefinition):
    pass


@command("recurring.pause_pattern", version=1)
class PausePattern(BaseModel):
    model_config = _CONFIG

    pattern_id: Annotated[str, Field(min_length=1, max_length=100)]


@command("recurring.resume_pattern", version=1)
class ResumePattern(BaseModel):
    model_config = _CONFIG

    pattern_id: Annotated[str, Field(min_length=1, max_length=100)]


@command("recurring.cancel_pattern", version=1)
class CancelPattern(BaseModel):
    model_config = _CONFIG

    pattern_id: Annotated[str, Field(min_length=1, max_length=100)]
    reason: ShortDescription | None = None


__all__ = [
    "CancelPattern",
    "CatchUp",
    "CreatePattern",
    "Frequency",
    "LedgerChargeTarget",
    "LedgerPeriodTarget",
    "PatternDefinition",
    "PausePattern",
    "ReminderTarget",
    "ResumePattern",
    "SplitsExpenseTarget",
    "Target",
]
