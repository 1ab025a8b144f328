"""How far from today a pattern may start.

A pattern may start at most ``MAX_DAYS_BACK`` (366) days before today and at most
``MAX_YEARS_AHEAD`` (10) years after it; anything else is refused with 400 saying the window.
Why: a start in the past is caught up on (every missed occurrence is due at once), so a start in
1900 would mean tens of thousands of bills; and a start near year 1 or 9999 leaves the calendar
when its times are converted to UTC.

Worked example, today 2027-01-01: 2025-12-31 is accepted (366 days back), 2025-12-30 is refused
(367 days back), 2037-01-01 is accepted, 2037-01-02 is refused.
"""

from __future__ import annotations

from datetime import date, timedelta

from sosenki_contracts.error_codes import ErrorCode
from sosenki_platform.errors import BadRequest

MAX_DAYS_BACK = 366
MAX_YEARS_AHEAD = 10


def earliest_start(today: date) -> date:
    return today - timedelta(days=MAX_DAYS_BACK)


def latest_start(today: date) -> date:
    try:
        return today.replace(year=today.year + MAX_YEARS_AHEAD)
    except ValueError:  # Feb 29 in a common year
        return today.replace(year=today.year + MAX_YEARS_AHEAD, day=28)


def check_start(start_date: date, today: date) -> None:
    """BadRequest unless ``start_date`` lies within the window around ``today``."""
    first, last = earliest_start(today), latest_start(today)
    if start_date < first:
        raise BadRequest(
            f"start_date {start_date} is too far back: a pattern may start at most "
            f"{MAX_DAYS_BACK} days before today ({first} or later)",
            ErrorCode.SCHEDULE_INVALID,
        )
    if start_date > last:
        raise BadRequest(
            f"start_date {start_date} is too far ahead: a pattern may start at most "
            f"{MAX_YEARS_AHEAD} years after today ({last} or earlier)",
            ErrorCode.SCHEDULE_INVALID,
        )
