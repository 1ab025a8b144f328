"""Utility meters: the types, and consumption in a period from the readings.

Shared by the ledger (which bills and allocates by it) and reporting (which shows it from events),
so both always compute the same figure.

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


class MeterType(StrEnum):
    ELECTRICITY = "electricity"
    WATER = "water"
    GAS = "gas"


@dataclass(frozen=True)
class Reading:
    reading_date: date
    value: Decimal
    is_replacement: bool = False


def consumption(readings: Sequence[Reading], start: date, end: date) -> Decimal:
    ordered = sorted(readings, key=lambda r: r.reading_date)
    total = Decimal(0)
    for previous, current in pairwise(ordered):
        if start < current.reading_date <= end:
            total += current.value if current.is_replacement else current.value - previous.value
    return total
