"""Utility meters: the types, and consumption in a period from the readings.

Shared by the ledger (which bills and allocates by it) and reporting (which shows it from events),
so both always compute the same figure.

A reading dated ``d`` is what the meter showed when day ``d`` began, so the increase up to it was
used on the days before ``d``: it belongs to the period that holds ``d - 1``. Consumption in the
inclusive period [start, end] is therefore the sum of the increases between consecutive readings
whose later reading falls in (start, end + 1 day]. A replacement reading starts a new meter from
zero, so its increase is its own value.

Worked example, periods Nov 1–30 and Dec 1–31, readings Nov 1 = 100, Dec 1 = 150, Jan 1 = 230:
November is 150 − 100 = 50 (the Nov 1 reading is its baseline, the Dec 1 reading closes it) and
December is 230 − 150 = 80. Over adjacent periods the intervals (start, end + 1] tile the whole
stretch, so every unit lands in exactly one period and the periods add up to the meter's advance.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from enum import StrEnum
from itertools import pairwise


class MeterType(StrEnum):
    ELECTRICITY = "electricity"
    WATER = "water"
    GAS = "gas"


@dataclass(frozen=True)
class Reading:
    reading_date: date
    value: Decimal
    is_replacement: bool = False


def advance(previous: Reading, current: Reading) -> Decimal:
    """What the meter counted between two consecutive readings."""
    return current.value if current.is_replacement else current.value - previous.value


def consumption(readings: Sequence[Reading], start: date, end: date) -> Decimal:
    ordered = sorted(readings, key=lambda r: r.reading_date)
    # The next period's first-day reading closes this one.
    closes = end + timedelta(days=1) if end < date.max else end
    total = Decimal(0)
    for previous, current in pairwise(ordered):
        if start < current.reading_date <= closes:
            total += advance(previous, current)
    return total
