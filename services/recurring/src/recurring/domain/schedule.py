"""When a pattern's occurrences are due: RFC 5545 recurrence rules (``python-dateutil``'s
``rrule``) in the pattern's IANA timezone (``zoneinfo``). No calendar arithmetic by hand.

- MONTHLY keeps the start's day of month; a day the month lacks becomes the month's last day
  (``BYMONTHDAY=28..day;BYSETPOS=-1``): from Jan 31 → Feb 28/29, Mar 31, Apr 30, never drifting.
- YEARLY from Feb 29 gives Feb 28 in common years, the same way.
- WEEKLY repeats on ``days_of_week`` (default: the start's weekday) every ``interval`` weeks,
  weeks starting on Monday.
- An occurrence is due at ``time_of_day`` local time, whatever the UTC offset is that day (DST).

Occurrences are numbered from 1 in schedule order; the number never changes.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from enum import StrEnum
from itertools import islice
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from dateutil import rrule as rr  # type: ignore[import-untyped]
from sosenki_contracts.error_codes import ErrorCode
from sosenki_platform.errors import BadRequest


class Frequency(StrEnum):
    DAILY = "DAILY"
    WEEKLY = "WEEKLY"
    MONTHLY = "MONTHLY"
    YEARLY = "YEARLY"


class CatchUp(StrEnum):
    """After downtime: emit every missed occurrence in order, or only the latest."""

    ALL = "all"
    LATEST = "latest"


WEEKDAYS: tuple[str, ...] = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")
_DAY_NAMES = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
_FREQ = {
    Frequency.DAILY: rr.DAILY,
    Frequency.WEEKLY: rr.WEEKLY,
    Frequency.MONTHLY: rr.MONTHLY,
    Frequency.YEARLY: rr.YEARLY,
}
MAX_INTERVAL = 1000


@dataclass(frozen=True)
class Occurrence:
    number: int
    #: The local date and time in the pattern's timezone.
    local: datetime
    #: When it is due, in UTC.
    due_at: datetime

    @property
    def date(self) -> date:
        return self.local.date()


@dataclass(frozen=True)
class Schedule:
    frequency: Frequency
    interval: int
    start_date: date
    time_of_day: time
    timezone: str
    #: 0 = Monday … 6 = Sunday; only for weekly schedules.
    days_of_week: tuple[int, ...] | None = None
    end_date: date | None = None
    max_occurrences: int | None = None

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    def _rule(self, *, bounded: bool = True) -> rr.rrule:
        start = datetime.combine(self.start_date, self.time_of_day)
        options: dict[str, object] = {
            "dtstart": start,
            "interval": self.interval,
            "wkst": rr.MO,
        }
        day = self.start_date.day
        if self.frequency is Frequency.WEEKLY:
            days = self.days_of_week or (self.start_date.weekday(),)
            options["byweekday"] = tuple(sorted(days))
        elif self.frequency is Frequency.MONTHLY and day > 28:
            options["bymonthday"] = tuple(range(28, day + 1))
            options["bysetpos"] = -1
        elif self.frequency is Frequency.YEARLY and day > 28:
            options["bymonth"] = self.start_date.month
            options["bymonthday"] = tuple(range(28, day + 1))
            options["bysetpos"] = -1
        if bounded:
            if self.end_date is not None:
                options["until"] = datetime.combine(self.end_date, time.max)
            if self.max_occurrences is not None:
                options["count"] = self.max_occurrences
        return rr.rrule(_FREQ[self.frequency], **options)

    def _occurrence(self, number: int, local: datetime) -> Occurrence:
        aware = local.replace(tzinfo=self.zone)
        return Occurrence(number, aware, aware.astimezone(UTC))

    def occurrences(self, from_number: int = 1) -> Iterator[Occurrence]:
        """Every occurrence from ``from_number`` on, in order (endless without an end)."""
        for number, local in enumerate(self._rule(), start=1):
            if number >= from_number:
                yield self._occurrence(number, local)

    def occurrence(self, number: int) -> Occurrence | None:
        return next(self.occurrences(number), None)

    def first(self, count: int, from_number: int = 1) -> list[Occurrence]:
        return list(islice(self.occurrences(from_number), count))

    def due(self, now: datetime, from_number: int, limit: int | None = None) -> list[Occurrence]:
        """Occurrences from ``from_number`` on that are due at ``now``, in order (the first
        ``limit`` of them when given)."""
        found: list[Occurrence] = []
        for occurrence in self.occurrences(from_number):
            if occurrence.due_at > now or (limit is not None and len(found) >= limit):
                break
            found.append(occurrence)
        return found

    def last_day_of(self, occurrence: Occurrence) -> date:
        """The day before the following step of the schedule (ignoring its end): a period
        opened on this occurrence runs until then."""
        following = self._rule(bounded=False).after(occurrence.local.replace(tzinfo=None))
        if following is None:  # pragma: no cover - an unbounded rule always goes on
            return occurrence.date
        day: date = following.date()
        return day - timedelta(days=1)

    def to_rrule(self) -> str:
        """RFC 5545: ``DTSTART;TZID=<zone>:<local start>`` and the ``RRULE`` line."""
        lines = str(self._rule()).splitlines()
        rule = next(line for line in lines if line.startswith("RRULE:"))
        start = datetime.combine(self.start_date, self.time_of_day).strftime("%Y%m%dT%H%M%S")
        return f"DTSTART;TZID={self.timezone}:{start}\n{rule}"


def parse_weekday(value: str | int) -> int:
    if isinstance(value, int) and not isinstance(value, bool) and 0 <= value <= 6:
        return value
    text = str(value).strip().lower()
    for index, (code, name) in enumerate(zip(WEEKDAYS, _DAY_NAMES, strict=True)):
        if text in (code.lower(), name, name[:3]):
            return index
    raise BadRequest(
        f"Unknown weekday {value!r} in days_of_week: use MO, TU, WE, TH, FR, SA or SU",
        ErrorCode.SCHEDULE_INVALID,
    )


def build_schedule(
    *,
    frequency: str,
    interval: int,
    start_date: date,
    time_of_day: time,
    timezone: str,
    days_of_week: list[str] | list[int] | None,
    end_date: date | None,
    max_occurrences: int | None,
) -> Schedule:
    """A valid schedule, or BadRequest saying what is wrong."""
    try:
        freq = Frequency(frequency.upper())
    except ValueError:
        raise BadRequest(
            f"Unknown frequency {frequency!r}: use DAILY, WEEKLY, MONTHLY or YEARLY",
            ErrorCode.SCHEDULE_INVALID,
        ) from None
    if interval < 1:
        raise BadRequest(f"interval must be at least 1, not {interval}", ErrorCode.SCHEDULE_INVALID)
    if interval > MAX_INTERVAL:
        raise BadRequest(
            f"interval must be at most {MAX_INTERVAL}, not {interval}", ErrorCode.SCHEDULE_INVALID
        )
    if end_date is not None and end_date < start_date:
        raise BadRequest(
            f"end_date {end_date} is before start_date {start_date}", ErrorCode.SCHEDULE_INVALID
        )
    if max_occurrences is not None and max_occurrences < 1:
        raise BadRequest(
            f"max_occurrences must be at least 1, not {max_occurrences}", ErrorCode.SCHEDULE_INVALID
        )
    try:
        ZoneInfo(timezone)
    except (ZoneInfoNotFoundError, ValueError):
        raise BadRequest(
            f"Unknown timezone {timezone!r}: use an IANA name like Europe/Moscow",
            ErrorCode.SCHEDULE_INVALID,
        ) from None
    days: tuple[int, ...] | None = None
    if days_of_week is not None:
        if freq is not Frequency.WEEKLY:
            raise BadRequest(
                "days_of_week applies to WEEKLY patterns only", ErrorCode.SCHEDULE_INVALID
            )
        if not days_of_week:
            raise BadRequest("days_of_week must name at least one day", ErrorCode.SCHEDULE_INVALID)
        days = tuple(sorted({parse_weekday(d) for d in days_of_week}))
    schedule = Schedule(
        frequency=freq,
        interval=interval,
        start_date=start_date,
        time_of_day=time_of_day.replace(tzinfo=None),
        timezone=timezone,
        days_of_week=days,
        end_date=end_date,
        max_occurrences=max_occurrences,
    )
    if schedule.occurrence(1) is None:
        raise BadRequest(
            "The pattern has no occurrence between start_date and end_date",
            ErrorCode.SCHEDULE_INVALID,
        )
    return schedule


def weekday_codes(days: tuple[int, ...] | None) -> list[str] | None:
    return None if days is None else [WEEKDAYS[d] for d in days]
