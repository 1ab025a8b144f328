"""Owner balances (ARCHITECTURE.md, "Ledger semantics").

balance = contributions + expenses the owner paid personally − allocated share of expenses
          − service charges
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

ZERO = Decimal(0)


@dataclass(frozen=True)
class OwnerTotals:
    owner_id: int
    username: str | None
    total_contributions: Decimal = ZERO
    total_expenses: Decimal = ZERO
    total_charges: Decimal = ZERO
    total_paid_expenses: Decimal = ZERO

    @property
    def balance(self) -> Decimal:
        return (
            self.total_contributions
            + self.total_paid_expenses
            - self.total_expenses
            - self.total_charges
        )
