"""Owner statements and the community fund (ARCHITECTURE.md, "Ledger semantics"). The owner
balance itself is the ledger's formula, shared in ``sosenki_contracts.balances``.

fund = regular contributions − expenses paid from the fund
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from sosenki_contracts.balances import ZERO, OwnerTotals


@dataclass(frozen=True)
class PeriodInfo:
    period_id: int
    name: str
    start_date: date
    end_date: date
    status: str
    carried_forward: bool = False


@dataclass(frozen=True)
class StatementLine:
    period: PeriodInfo
    totals: OwnerTotals


@dataclass(frozen=True)
class Statement:
    """One owner's balances period by period, oldest first.

    What the owner stands at is the sum of the balances of the periods not carried forward: a
    carried balance reappears as the next period's opening balance (counting it again would count
    it twice), and a balance not carried yet appears nowhere else (leaving it out would hide it).
    Example: November closes at −300, December opens and the owner pays 100 there; until November
    is carried forward the owner stands at −300 + 100 = −200, and after it still at −200
    (December: opening −300 + 100).
    """

    owner_id: int
    lines: list[StatementLine] = field(default_factory=list)

    @property
    def current_balance(self) -> Decimal:
        return sum(
            (line.totals.balance for line in self.lines if not line.period.carried_forward), ZERO
        )


def statement(owner_id: int, lines: list[StatementLine]) -> Statement:
    return Statement(
        owner_id,
        sorted(lines, key=lambda line: (line.period.start_date, line.period.period_id)),
    )


@dataclass(frozen=True)
class FundSummary:
    period: PeriodInfo
    total_contributions: Decimal
    total_fund_expenses: Decimal

    @property
    def fund_balance(self) -> Decimal:
        return self.total_contributions - self.total_fund_expenses
