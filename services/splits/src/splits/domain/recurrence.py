"""The recurring flag: a recurring expense carries a pattern the recurring service schedules."""

from __future__ import annotations

from datetime import date

from sosenki_contracts.commands.splits import RecurrencePattern
from sosenki_contracts.error_codes import ErrorCode
from sosenki_platform.errors import BadRequest


def check_recurrence(
    is_recurring: bool, pattern: RecurrencePattern | None, start_date: date
) -> None:
    if is_recurring and pattern is None:
        raise BadRequest(
            "A recurring expense needs a recurrence pattern", ErrorCode.RECURRENCE_INVALID
        )
    if pattern is None:
        return
    if not is_recurring:
        raise BadRequest(
            "recurrence is given but is_recurring is false", ErrorCode.RECURRENCE_INVALID
        )
    if pattern.end_date is not None and pattern.end_date < start_date:
        raise BadRequest(
            "recurrence end_date must not be before the expense date", ErrorCode.RECURRENCE_INVALID
        )
    if pattern.days_of_week is not None:
        if pattern.type != "weekly":
            raise BadRequest(
                "days_of_week applies to weekly recurrences only", ErrorCode.RECURRENCE_INVALID
            )
        if not pattern.days_of_week or any(d < 0 or d > 6 for d in pattern.days_of_week):
            raise BadRequest(
                "days_of_week must list days from 0 (Monday) to 6 (Sunday)",
                ErrorCode.RECURRENCE_INVALID,
            )
