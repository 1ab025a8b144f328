"""Meter readings and consumption: pure rules."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from ledger.domain.meters import Reading, check_new_reading, consumption
from sosenki_platform.errors import BadRequest

pytestmark = pytest.mark.unit

D = Decimal


def test_consumption_counts_increases_after_the_period_start() -> None:
    readings = [
        Reading(date(2025, 10, 31), D("100")),
        Reading(date(2025, 11, 15), D("160")),
        Reading(date(2025, 11, 30), D("250")),
        Reading(date(2025, 12, 31), D("400")),
    ]
    assert consumption(readings, date(2025, 11, 1), date(2025, 11, 30)) == D("150")
    assert consumption(readings, date(2025, 12, 1), date(2025, 12, 31)) == D("150")


def test_a_replacement_starts_a_new_meter_from_zero() -> None:
    readings = [
        Reading(date(2025, 11, 1), D("9990")),
        Reading(date(2025, 11, 20), D("15"), is_replacement=True),
        Reading(date(2025, 11, 30), D("40")),
    ]
    assert consumption(readings, date(2025, 11, 1), date(2025, 11, 30)) == D("40")


def test_a_reading_lower_than_the_previous_is_refused_unless_a_replacement() -> None:
    existing = [Reading(date(2025, 11, 1), D("100"))]
    with pytest.raises(BadRequest, match="lower than the previous reading 100"):
        check_new_reading(existing, Reading(date(2025, 11, 2), D("99")))
    check_new_reading(existing, Reading(date(2025, 11, 2), D("5"), is_replacement=True))
    with pytest.raises(BadRequest, match="already a reading"):
        check_new_reading(existing, Reading(date(2025, 11, 1), D("150")))
    with pytest.raises(BadRequest, match="higher than the next reading"):
        check_new_reading(existing, Reading(date(2025, 10, 1), D("200")))
