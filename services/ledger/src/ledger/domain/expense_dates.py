"""An expense's date lies inside its period, and it picks the ownership shares used.

An expense without a date is dated today when today falls inside its period, at the period's end
when the period is already over, and at its start when it has not begun; a date outside the
period is refused (400). The expense is allocated with the shares in force on that date.

Example: November (Nov 1–30) still open on December 5, when owner 2's share changed from 1 to 3
on December 1. An expense recorded on December 5 for November without a date is dated November 30
and split 1 : 1, not 1 : 3 (December's shares). A date of December 5 for it is refused.
"""

from __future__ import annotations

from datetime import UTC, datetime, time

from sosenki_contracts.error_codes import ErrorCode
from sosenki_platform.errors import BadRequest

from ledger.domain.periods import Period


def expense_date(period: Period, requested: datetime | None, now: datetime) -> datetime:
    if requested is not None:
        day = requested.date()
        if not period.start_date <= day <= period.end_date:
            raise BadRequest(
                f"Expense date {day.isoformat()} is outside period {period.id} "
                f"({period.start_date.isoformat()} – {period.end_date.isoformat()})",
                ErrorCode.PERIOD_DATES_INVALID,
            )
        return requested
    today = now.date()
    if today > period.end_date:
        return datetime.combine(period.end_date, time(12), UTC)
    if today < period.start_date:
        return datetime.combine(period.start_date, time(12), UTC)
    return now
