"""Whether the expense a pattern repeats is its occurrence 1.

A recurring splits expense (the template) already exists when its pattern is made. It stands
for occurrence 1 only when its date *is* the schedule's first date; otherwise occurrence 1 is
the schedule's first date after it and is sent like every other, so no scheduled date is lost.
``max_occurrences`` counts scheduled dates, the template included only when it is one of them.

Worked example: a template dated Wednesday 2027-01-06, weekly on Mondays. The schedule's first
date is Monday 2027-01-11, not the template's date: occurrence 1 (Jan 11) is sent, then Jan 18,
and so on. Dated Monday 2027-01-04 instead, the template is occurrence 1 and Jan 11 is
occurrence 2.
"""

from __future__ import annotations

from datetime import date

from recurring.domain.schedule import Schedule


def template_is_first(schedule: Schedule, template_date: date) -> bool:
    first = schedule.occurrence(1)
    return first is not None and first.date == template_date
