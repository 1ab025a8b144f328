"""Periods as a treasurer names them (pure): ``/period November 2026``, ``/period Ноябрь``,
``/period Q4 2026-10-01 2026-12-31`` (a name, then the first and last day), and the period that
follows a closed one (the next month when the closed one was a month)."""

from __future__ import annotations

import calendar
import datetime as dt
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from bot_gateway.domain.parsing import Unreadable

MONTHS = {
    "en": [
        "January", "February", "March", "April", "May", "June",
        "July", "August", "September", "October", "November", "December",
    ],
    "ru": [
        "Январь", "Февраль", "Март", "Апрель", "Май", "Июнь",
        "Июль", "Август", "Сентябрь", "Октябрь", "Ноябрь", "Декабрь",
    ],
}  # fmt: skip
#: Month names (and their usual abbreviations and Russian cases) → month number.
_MONTH_WORDS: dict[str, int] = {}
for _names in MONTHS.values():
    for _number, _name in enumerate(_names, start=1):
        _MONTH_WORDS[_name.lower()] = _number
        _MONTH_WORDS[_name.lower()[:3]] = _number
for _number, _word in enumerate(
    ["января", "февраля", "марта", "апреля", "мая", "июня", "июля", "августа", "сентября",
     "октября", "ноября", "декабря"],
    start=1,
):  # fmt: skip
    _MONTH_WORDS[_word] = _number
_MONTH_WORDS["сен"] = 9
_MONTH_WORDS["sept"] = 9


@dataclass(frozen=True)
class Period:
    name: str
    start: dt.date
    end: dt.date


def read_date(word: str) -> dt.date:
    """``2026-11-01`` or ``01.11.2026``."""
    for pattern in ("%Y-%m-%d", "%d.%m.%Y"):
        try:
            return dt.datetime.strptime(word, pattern).date()
        except ValueError:
            continue
    raise Unreadable("usage_period")


def month_period(month: int, year: int, lang: str) -> Period:
    last = calendar.monthrange(year, month)[1]
    return Period(
        f"{MONTHS[lang][month - 1]} {year}", dt.date(year, month, 1), dt.date(year, month, last)
    )


def parse_period(args: str, today: dt.date) -> Period:
    """A month (``November``, ``ноябрь 2026``: the coming one when no year is given) or a name
    with its first and last day."""
    words = args.split()
    if not words:
        raise Unreadable("usage_period")
    if len(words) >= 3:
        start, end = read_date(words[-2]), read_date(words[-1])
        if end < start:
            raise Unreadable("period_backwards")
        return Period(" ".join(words[:-2]), start, end)
    month = _MONTH_WORDS.get(words[0].lower().rstrip("."))
    if month is None:
        raise Unreadable("usage_period")
    if len(words) == 2:
        if not re.fullmatch(r"\d{4}", words[1]):
            raise Unreadable("usage_period")
        year = int(words[1])
    else:
        year = today.year if month >= today.month - 1 else today.year + 1
    # Named in the language it was typed in.
    return month_period(month, year, "en" if words[0].isascii() else "ru")


def next_period(name: str, start: dt.date, end: dt.date, lang: str) -> Period:
    """What comes after a period: the next month when it was a whole month (named the way the
    treasurer names months), else a period as long as it, starting the next day."""
    first = end + dt.timedelta(days=1)
    whole_month = start.day == 1 and end == month_period(start.month, start.year, lang).end
    if whole_month:
        words = name.split()
        if words and words[0].lower() in _MONTH_WORDS:
            lang = "en" if words[0].isascii() else "ru"
        return month_period(first.month, first.year, lang)
    length = end - start
    return Period(f"{first.isoformat()} – {(first + length).isoformat()}", first, first + length)


def carry_target(
    closed_start: str, open_periods: Sequence[dict[str, Any]]
) -> dict[str, Any] | None:
    """After a close, the offer carries the balances into the first open period that starts
    after the closed one; when there is none (None), the offer opens the next period first."""
    later = [p for p in open_periods if str(p["start_date"]) > closed_start]
    return later[0] if later else None
