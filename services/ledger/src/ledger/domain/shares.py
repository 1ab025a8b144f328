"""Ownership shares in time: a share change applies from its ``effective_from`` day on.

The share an owner has today is the latest change on or before today; changes dated after today
are scheduled, shown apart, and take over on their day. Example: share 1 since the beginning and a
change to 3 effective January 1 seen on December 5: the current share is 1 and 3 is scheduled
from January 1; seen on January 1, the current share is 3 and nothing is scheduled.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from decimal import Decimal


def share_on(history: Sequence[tuple[date, Decimal]], day: date) -> Decimal | None:
    """``history``: (effective_from, share) of one owner; None before the first change."""
    valid = [(start, share) for start, share in history if start <= day]
    return max(valid, key=lambda v: v[0])[1] if valid else None


def scheduled(history: Sequence[tuple[date, Decimal]], today: date) -> list[tuple[date, Decimal]]:
    """The changes still to come, earliest first."""
    return sorted((start, share) for start, share in history if start > today)
