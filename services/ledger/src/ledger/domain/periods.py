"""Service periods: a community's accounting months (or quarters), OPEN until the treasurer
closes them."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime
from enum import StrEnum

from sosenki_contracts.error_codes import ErrorCode
from sosenki_platform.errors import BadRequest, Conflict


class PeriodStatus(StrEnum):
    OPEN = "OPEN"
    CLOSED = "CLOSED"


@dataclass(frozen=True)
class Period:
    id: int
    community_id: int
    name: str
    start_date: date
    end_date: date
    description: str | None
    status: PeriodStatus
    closed_at: datetime | None
    carried_forward: bool = False


def validate_new_period(name: str, start_date: date, end_date: date) -> None:
    if not name.strip():
        raise BadRequest("Period name must not be empty", ErrorCode.NAME_EMPTY)
    if end_date < start_date:
        raise BadRequest(
            "Period end_date must not be before start_date", ErrorCode.PERIOD_DATES_INVALID
        )


def ensure_open_for(period: Period, what: str) -> None:
    """Money is recorded only into an OPEN period; ``what`` is e.g. "contributions"."""
    if period.status is not PeriodStatus.OPEN:
        raise BadRequest(f"Period {period.id} is not open for {what}", ErrorCode.PERIOD_NOT_OPEN)


def close(period: Period, now: datetime) -> Period:
    if period.status is PeriodStatus.CLOSED:
        raise Conflict(f"Period {period.id} is already closed", ErrorCode.PERIOD_CLOSED)
    return replace(period, status=PeriodStatus.CLOSED, closed_at=now)


def reopen(period: Period) -> Period:
    """A closed period may reopen only while its balances have not been carried forward."""
    if period.status is not PeriodStatus.CLOSED:
        raise Conflict(f"Period {period.id} is not closed", ErrorCode.PERIOD_NOT_CLOSED)
    if period.carried_forward:
        raise Conflict(
            f"Period {period.id} has been carried forward and cannot be reopened",
            ErrorCode.PERIOD_CARRIED_FORWARD,
        )
    return replace(period, status=PeriodStatus.OPEN, closed_at=None)


def check_no_overlap(start_date: date, end_date: date, others: Sequence[Period]) -> None:
    """A community's periods never share a day (both ends are inclusive).

    With November 1–30 in place, December 1–31 is accepted and November 15 – December 15 is
    refused (409), naming November. The database holds the same rule as an exclusion
    constraint, so two concurrent creations cannot both get through.
    """
    for other in sorted(others, key=lambda p: p.start_date):
        if other.start_date <= end_date and start_date <= other.end_date:
            raise Conflict(
                f"Period {start_date.isoformat()} – {end_date.isoformat()} overlaps period "
                f"{other.id} '{other.name}' ({other.start_date.isoformat()} – "
                f"{other.end_date.isoformat()}); a community's periods must not overlap",
                ErrorCode.PERIOD_OVERLAPS,
            )
