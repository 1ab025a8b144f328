"""The schedule rules, from the issue's examples: month ends, Feb 29, weekly days, local time
across DST, counts and ends, and the clear refusals."""

from __future__ import annotations

from datetime import UTC, date, datetime, time

import pytest
from recurring.domain.schedule import Schedule, build_schedule
from sosenki_platform.errors import BadRequest

pytestmark = pytest.mark.unit


def schedule(frequency: str, start: date, **options: object) -> Schedule:
    values: dict[str, object] = {
        "interval": 1,
        "time_of_day": time(0, 0),
        "timezone": "UTC",
        "days_of_week": None,
        "end_date": None,
        "max_occurrences": None,
    }
    values.update(options)
    return build_schedule(frequency=frequency, start_date=start, **values)  # type: ignore[arg-type]


def dates(s: Schedule, count: int) -> list[date]:
    return [o.date for o in s.first(count)]


def test_monthly_from_the_31st_clamps_to_month_ends_and_never_drifts() -> None:
    s = schedule("MONTHLY", date(2027, 1, 31))
    assert dates(s, 4) == [
        date(2027, 1, 31),
        date(2027, 2, 28),
        date(2027, 3, 31),
        date(2027, 4, 30),
    ]
    assert dates(s, 14)[-2:] == [date(2028, 1, 31), date(2028, 2, 29)]
    assert s.to_rrule().endswith("RRULE:FREQ=MONTHLY;BYSETPOS=-1;BYMONTHDAY=28,29,30,31")


def test_monthly_from_the_30th_keeps_the_30th_where_it_exists() -> None:
    s = schedule("MONTHLY", date(2027, 1, 30))
    assert dates(s, 4) == [
        date(2027, 1, 30),
        date(2027, 2, 28),
        date(2027, 3, 30),
        date(2027, 4, 30),
    ]


def test_monthly_from_an_ordinary_day_and_every_three_months() -> None:
    assert dates(schedule("MONTHLY", date(2027, 1, 15), interval=3), 3) == [
        date(2027, 1, 15),
        date(2027, 4, 15),
        date(2027, 7, 15),
    ]


def test_yearly_from_feb_29_gives_feb_28_in_common_years() -> None:
    s = schedule("YEARLY", date(2028, 2, 29))
    assert dates(s, 5) == [
        date(2028, 2, 29),
        date(2029, 2, 28),
        date(2030, 2, 28),
        date(2031, 2, 28),
        date(2032, 2, 29),
    ]


def test_weekly_on_monday_and_wednesday_every_two_weeks() -> None:
    # 2027-03-01 is a Monday.
    s = schedule("WEEKLY", date(2027, 3, 1), interval=2, days_of_week=["MO", "WE"])
    assert dates(s, 6) == [
        date(2027, 3, 1),
        date(2027, 3, 3),
        date(2027, 3, 15),
        date(2027, 3, 17),
        date(2027, 3, 29),
        date(2027, 3, 31),
    ]
    assert s.to_rrule() == (
        "DTSTART;TZID=UTC:20270301T000000\nRRULE:FREQ=WEEKLY;INTERVAL=2;BYDAY=MO,WE"
    )


def test_weekly_starting_midweek_begins_at_the_next_listed_day() -> None:
    # 2027-03-02 is a Tuesday: the first occurrence is Wednesday, then Monday two weeks on.
    s = schedule("WEEKLY", date(2027, 3, 2), interval=2, days_of_week=["monday", "wednesday"])
    assert dates(s, 3) == [date(2027, 3, 3), date(2027, 3, 15), date(2027, 3, 17)]


def test_nine_o_clock_in_berlin_stays_nine_o_clock_across_the_dst_change() -> None:
    # Berlin switches to summer time on 2027-03-28.
    s = schedule("DAILY", date(2027, 3, 27), time_of_day=time(9, 0), timezone="Europe/Berlin")
    first, second, third = s.first(3)
    assert [o.local.hour for o in (first, second, third)] == [9, 9, 9]
    assert first.due_at == datetime(2027, 3, 27, 8, 0, tzinfo=UTC)
    assert second.due_at == datetime(2027, 3, 28, 7, 0, tzinfo=UTC)
    assert third.due_at == datetime(2027, 3, 29, 7, 0, tzinfo=UTC)
    # and back on 2027-10-31
    october = schedule("DAILY", date(2027, 10, 30), time_of_day=time(9), timezone="Europe/Berlin")
    assert [o.due_at.hour for o in october.first(2)] == [7, 8]


def test_nine_o_clock_in_moscow_is_six_utc_all_year() -> None:
    # Moscow has no DST: the same weekends as Berlin's changes are 06:00 UTC.
    s = schedule("DAILY", date(2027, 3, 27), time_of_day=time(9, 0), timezone="Europe/Moscow")
    assert [o.due_at for o in s.first(3)] == [
        datetime(2027, 3, 27, 6, 0, tzinfo=UTC),
        datetime(2027, 3, 28, 6, 0, tzinfo=UTC),
        datetime(2027, 3, 29, 6, 0, tzinfo=UTC),
    ]


def test_max_occurrences_three_gives_exactly_three() -> None:
    s = schedule("MONTHLY", date(2027, 1, 31), max_occurrences=3)
    assert [o.number for o in s.occurrences()] == [1, 2, 3]
    assert s.occurrence(4) is None
    assert "COUNT=3" in s.to_rrule()


def test_end_date_is_inclusive() -> None:
    s = schedule("DAILY", date(2027, 1, 1), end_date=date(2027, 1, 3))
    assert [o.date for o in s.occurrences()] == [
        date(2027, 1, 1),
        date(2027, 1, 2),
        date(2027, 1, 3),
    ]


def test_due_gives_the_missed_occurrences_in_order() -> None:
    s = schedule("MONTHLY", date(2027, 1, 31))
    due = s.due(datetime(2027, 4, 30, 0, 0, tzinfo=UTC), from_number=2)
    assert [(o.number, o.date) for o in due] == [
        (2, date(2027, 2, 28)),
        (3, date(2027, 3, 31)),
        (4, date(2027, 4, 30)),
    ]


def test_a_period_runs_to_the_day_before_the_next_occurrence() -> None:
    s = schedule("MONTHLY", date(2027, 1, 1), max_occurrences=1)
    (only,) = s.occurrences()
    assert s.last_day_of(only) == date(2027, 1, 31)


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"interval": 0}, "interval must be at least 1, not 0"),
        ({"end_date": date(2026, 12, 31)}, "end_date 2026-12-31 is before start_date 2027-01-01"),
        ({"days_of_week": ["MO", "XX"]}, "Unknown weekday 'XX' in days_of_week"),
        ({"timezone": "Mars/Olympus"}, "Unknown timezone 'Mars/Olympus'"),
        ({"max_occurrences": 0}, "max_occurrences must be at least 1"),
    ],
)
def test_invalid_schedules_are_refused_with_the_reason(
    options: dict[str, object], message: str
) -> None:
    frequency = "WEEKLY" if "days_of_week" in options else "MONTHLY"
    with pytest.raises(BadRequest, match=message):
        schedule(frequency, date(2027, 1, 1), **options)


def test_days_of_week_only_for_weekly() -> None:
    with pytest.raises(BadRequest, match="days_of_week applies to WEEKLY patterns only"):
        schedule("MONTHLY", date(2027, 1, 1), days_of_week=["MO"])


def test_a_weekly_pattern_with_no_day_before_its_end_is_refused() -> None:
    # 2027-03-02 is a Tuesday; only Mondays until Sunday 2027-03-07: none.
    with pytest.raises(BadRequest, match="no occurrence"):
        schedule("WEEKLY", date(2027, 3, 2), days_of_week=["MO"], end_date=date(2027, 3, 7))
