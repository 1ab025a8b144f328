"""Utility meter readings never go backwards unless the meter was replaced. (Meter types and
consumption in a period are shared with reporting: ``sosenki_contracts.meters``.)"""

from __future__ import annotations

from collections.abc import Sequence

from sosenki_contracts.error_codes import ErrorCode
from sosenki_contracts.meters import MeterType, Reading, consumption
from sosenki_platform.errors import BadRequest

__all__ = ["MeterType", "Reading", "check_new_reading", "consumption"]


def check_new_reading(existing: Sequence[Reading], new: Reading) -> None:
    """Refuse a reading that would make the meter run backwards (unless it is a replacement)."""
    if new.value < 0:
        raise BadRequest("A meter reading must not be negative", ErrorCode.READING_INVALID)
    if any(r.reading_date == new.reading_date for r in existing):
        raise BadRequest(
            f"There is already a reading on {new.reading_date.isoformat()}",
            ErrorCode.READING_INVALID,
        )
    before = [r for r in existing if r.reading_date < new.reading_date]
    after = [r for r in existing if r.reading_date > new.reading_date]
    if before and not new.is_replacement:
        previous = max(before, key=lambda r: r.reading_date)
        if new.value < previous.value:
            raise BadRequest(
                f"Reading {new.value} is lower than the previous reading {previous.value} "
                f"on {previous.reading_date.isoformat()}; flag it as a meter replacement if the "
                "meter was replaced",
                ErrorCode.READING_INVALID,
            )
    if after:
        following = min(after, key=lambda r: r.reading_date)
        if not following.is_replacement and following.value < new.value:
            raise BadRequest(
                f"Reading {new.value} is higher than the next reading {following.value} "
                f"on {following.reading_date.isoformat()}",
                ErrorCode.READING_INVALID,
            )
