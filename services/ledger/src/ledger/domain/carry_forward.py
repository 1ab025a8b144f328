"""Carrying a closed period's balances into the next period.

Credits become opening contributions, debts become opening service charges, zero balances carry
nothing; the sum carried equals the sum of the source balances. A source is carried at most once.

Carry-forward goes forward, into the source's next period: the community's period that starts
first after the source ends. With November (Nov 1–30), December (Dec 1–31) and January (Jan 1–31),
November goes into December only: into an earlier period is 400, past December into January is
409 (December comes first).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal

from sosenki_contracts.error_codes import ErrorCode
from sosenki_platform.errors import BadRequest, Conflict

from ledger.domain.periods import Period, PeriodStatus

OPENING_CONTRIBUTION_COMMENT = "Opening balance from previous period"
OPENING_CHARGE_DESCRIPTION = "Opening debt from previous period"


@dataclass(frozen=True)
class CarryForwardPlan:
    #: owner id -> signed balance carried (zero balances left out)
    balances: dict[int, Decimal]

    @property
    def credits(self) -> dict[int, Decimal]:
        return {o: b for o, b in self.balances.items() if b > 0}

    @property
    def debts(self) -> dict[int, Decimal]:
        return {o: -b for o, b in self.balances.items() if b < 0}

    @property
    def total(self) -> Decimal:
        return sum(self.balances.values(), Decimal(0))


def check_carry_forward(source: Period, target: Period, next_period: Period | None) -> None:
    """``next_period``: the community's first period starting after ``source`` ends."""
    if source.id == target.id:
        raise BadRequest(
            "from_period_id and to_period_id must differ", ErrorCode.CARRY_FORWARD_INVALID
        )
    if source.community_id != target.community_id:
        raise BadRequest(
            "Both periods must belong to the same community", ErrorCode.CARRY_FORWARD_INVALID
        )
    if target.start_date <= source.end_date:
        raise BadRequest(
            f"Carry-forward goes forward: period {target.id} starts "
            f"{target.start_date.isoformat()}, not after period {source.id} ends "
            f"({source.end_date.isoformat()})",
            ErrorCode.CARRY_FORWARD_INVALID,
        )
    if next_period is not None and next_period.id != target.id:
        raise Conflict(
            f"Period {source.id} carries forward into its next period {next_period.id} "
            f"'{next_period.name}' ({next_period.start_date.isoformat()} – "
            f"{next_period.end_date.isoformat()}), not into period {target.id}",
            ErrorCode.CARRY_FORWARD_INVALID,
        )
    if source.status is not PeriodStatus.CLOSED:
        raise Conflict("Source period must be CLOSED to carry forward", ErrorCode.PERIOD_NOT_CLOSED)
    if source.carried_forward:
        raise Conflict(
            f"Period {source.id} has already been carried forward", ErrorCode.PERIOD_CARRIED_FORWARD
        )
    if target.status is not PeriodStatus.OPEN:
        raise Conflict(
            "Target period must be OPEN to carry forward into", ErrorCode.PERIOD_NOT_OPEN
        )


def plan_carry_forward(balances: Mapping[int, Decimal]) -> CarryForwardPlan:
    return CarryForwardPlan({o: b for o, b in sorted(balances.items()) if b != 0})
