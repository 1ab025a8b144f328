"""How much one catch-up sends at once.

After downtime (or for a pattern that started in the past) many occurrences can be due
together. One scheduler transaction handles at most ``limit`` of them per pattern (the setting
``SOSENKI_SCHEDULER_CATCH_UP_LIMIT``, 100 by default); the pattern stays due and the rest follow
in later batches, in order, so nothing is lost and no transaction grows without bound.

- ``all``: the first ``limit`` due occurrences are sent.
- ``latest``: while more than ``limit`` are due, the first ``limit`` are recorded as skipped; once
  the rest fits, all but the latest are skipped and the latest is sent.

Worked example, limit 100, a daily pattern with 250 due: ``all`` sends 1–100, then 101–200, then
201–250 (three transactions); ``latest`` skips 1–100, then 101–200, then skips 201–249 and sends
250.
"""

from __future__ import annotations

from dataclasses import dataclass

from recurring.domain.schedule import CatchUp, Occurrence


@dataclass(frozen=True)
class Batch:
    skip: list[Occurrence]
    send: list[Occurrence]


def next_batch(due: list[Occurrence], catch_up: CatchUp, limit: int) -> Batch:
    """``due``: the due occurrences in order, at most ``limit + 1`` of them (one more tells
    whether the rest would fit)."""
    if limit < 1:
        raise ValueError("the catch-up limit must be at least 1")
    more = len(due) > limit
    due = due[:limit]
    if catch_up is CatchUp.ALL:
        return Batch([], due)
    if more:
        return Batch(due, [])
    return Batch(due[:-1], due[-1:])
