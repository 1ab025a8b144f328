"""Consumption across adjacent periods: every unit the meter counted lands in exactly one period."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from itertools import pairwise

import pytest
from hypothesis import given, settings, strategies as st
from sosenki_contracts.meters import Reading, advance, consumption

pytestmark = pytest.mark.unit

D = Decimal
FAST = settings(max_examples=200, deadline=None)
NOV, DEC = (date(2025, 11, 1), date(2025, 11, 30)), (date(2025, 12, 1), date(2025, 12, 31))


def test_a_reading_on_a_first_day_closes_the_previous_period() -> None:
    readings = [
        Reading(date(2025, 11, 1), D(100)),
        Reading(date(2025, 12, 1), D(150)),
        Reading(date(2026, 1, 1), D(230)),
    ]
    assert consumption(readings, *NOV) == D(50)
    assert consumption(readings, *DEC) == D(80)


def test_a_baseline_on_the_first_day_and_a_reading_on_the_last() -> None:
    readings = [Reading(date(2025, 11, 1), D(0)), Reading(date(2025, 11, 30), D(100))]
    assert consumption(readings, *NOV) == D(100)
    assert consumption(readings, *DEC) == 0


@st.composite
def periods_and_readings(draw: st.DrawFn) -> tuple[list[tuple[date, date]], list[Reading]]:
    """Adjacent periods (each starts the day after the previous ends) and a meter's readings,
    some before, inside, on the edges of and after the stretch, with replacements now and then."""
    first = date(2025, 1, 1) + timedelta(days=draw(st.integers(0, 60)))
    lengths = draw(st.lists(st.integers(1, 40), min_size=1, max_size=6))
    periods = []
    start = first
    for length in lengths:
        periods.append((start, start + timedelta(days=length - 1)))
        start += timedelta(days=length)
    span = (start - first).days
    days = draw(st.sets(st.integers(-10, span + 10), min_size=0, max_size=15))
    readings, value = [], D(draw(st.integers(0, 1000)))
    for day in sorted(days):
        replaced = draw(st.booleans()) and draw(st.booleans())
        step = D(draw(st.integers(0, 10_000))) / 10
        value = step if replaced else value + step
        readings.append(Reading(first + timedelta(days=day), value, replaced))
    return periods, readings


@FAST
@given(periods_and_readings())
def test_adjacent_periods_add_up_to_the_meters_advance(
    case: tuple[list[tuple[date, date]], list[Reading]],
) -> None:
    periods, readings = case
    first_day, last_day = periods[0][0], periods[-1][1]
    ordered = sorted(readings, key=lambda r: r.reading_date)
    # The advance over the stretch: from the last reading on or before its first day to the
    # first reading on or after the day after it ends.
    expected = sum(
        (
            advance(a, b)
            for a, b in pairwise(ordered)
            if first_day < b.reading_date <= last_day + timedelta(days=1)
        ),
        D(0),
    )
    assert sum((consumption(readings, *p) for p in periods), D(0)) == expected
    # Every increase is counted by exactly one period inside the stretch, by none outside it.
    for a, b in pairwise(ordered):
        if advance(a, b) != 0:
            counted = [p for p in periods if consumption([a, b], *p) == advance(a, b)]
            inside = first_day < b.reading_date <= last_day + timedelta(days=1)
            assert len(counted) == (1 if inside else 0)
            assert all(consumption([a, b], *p) in (0, advance(a, b)) for p in periods)


@FAST
@given(
    st.integers(0, 1000),
    st.lists(st.integers(0, 500), min_size=1, max_size=12),
)
def test_month_readings_on_first_days_bill_each_month_its_own_use(
    baseline: int, uses: list[int]
) -> None:
    """Readings on the first of each month: month n's consumption is exactly its own use."""
    months = []
    for n in range(len(uses)):
        start = date(2025 + n // 12, n % 12 + 1, 1)
        following = date(2025 + (n + 1) // 12, (n + 1) % 12 + 1, 1)
        months.append((start, following - timedelta(days=1)))
    readings = [Reading(months[0][0], D(baseline))]
    for n, used in enumerate(uses):
        readings.append(Reading(months[n][1] + timedelta(days=1), readings[-1].value + used))
    assert [consumption(readings, *m) for m in months] == [D(u) for u in uses]
