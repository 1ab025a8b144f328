"""Utility meters: readings never go backwards unless the meter was replaced, and consumption in a
period is computed from the readings.

Consumption in [start, end] is the sum of the increases between consecutive readings whose later
reading falls after ``start`` and on or before ``end``; the baseline is the last reading on or
before ``start``. A replacement reading starts a new meter from zero, so it counts its own value.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from enum import StrEnum
from itertools import pairwise

from sosenki_platform.errors import BadRequest


class MeterType(StrEnum):
    ELECTRICITY = "electricity"
    WATER = "water"
    GAS = "gas"


@dataclass(frozen=True)
class Reading:
    reading_date: date
    value: Decimal
    is_replacement: bool = False


def check_new_reading(existing: Sequence[Reading], new: Reading) -> None:
    """Refuse a reading that would make the meter run backwards (unless it is a replacement)."""
    if new.value < 0:
        raise BadRequest("A meter reading must not be negative")
    if any(r.reading_date == new.reading_date for r in existing):
        raise BadRequest(f"There is already a reading on {new.reading_date.isoformat()}")
    before = [r for r in existing if r.reading_date < new.reading_date]
    after = [r for r in existing if r.reading_date > new.reading_date]
    if before and not new.is_replacement:
        previous = max(before, key=lambda r: r.reading_date)
        if new.value < previous.value:
            raise BadRequest(
                f"Reading {new.value} is lower than the previous reading {previous.value} "
                f"on {previous.reading_date.isoformat()}; flag it as a meter replacement if the "
                "meter was replaced"
            )
    if after:
        following = min(after, key=lambda r: r.reading_date)
        if not following.is_replacement and following.value < new.value:
            raise BadRequest(
                f"Reading {new.value} is higher than the next reading {following.value} "
                f"on {following.reading_date.isoformat()}"
            )


def consumption(readings: Sequence[Reading], start: date, end: date) -> Decimal:
    ordered = sorted(readings, key=lambda r: r.reading_date)
    total = Decimal(0)
    for previous, current in pairwise(ordered):
        if start < current.reading_date <= end:
            total += current.value if current.is_replacement else current.value - previous.value
    return total
