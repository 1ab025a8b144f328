"""Carrying a closed period's balances into the next period.

Credits become opening contributions, debts become opening service charges, zero balances carry
nothing; the sum carried equals the sum of the source balances. A source is carried at most once.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal

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


def check_carry_forward(source: Period, target: Period) -> None:
    if source.id == target.id:
        raise BadRequest("from_period_id and to_period_id must differ")
    if source.community_id != target.community_id:
        raise BadRequest("Both periods must belong to the same community")
    if source.status is not PeriodStatus.CLOSED:
        raise Conflict("Source period must be CLOSED to carry forward")
    if source.carried_forward:
        raise Conflict(f"Period {source.id} has already been carried forward")
    if target.status is not PeriodStatus.OPEN:
        raise Conflict("Target period must be OPEN to carry forward into")


def plan_carry_forward(balances: Mapping[int, Decimal]) -> CarryForwardPlan:
    return CarryForwardPlan({o: b for o, b in sorted(balances.items()) if b != 0})
