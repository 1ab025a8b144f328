"""Group balances (ARCHITECTURE.md, "Splits semantics"), in the group's base currency.

net = paid for expenses − share of expenses + settlements paid − settlements received

Positive: the group owes the member money. A group's nets sum to zero, and the settle-up plan
(``sosenki_contracts.settle_up``, shared with the splits service) clears them in the fewest
transfers.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal

from sosenki_contracts.settle_up import Transfer, plan_settle_up

ZERO = Decimal(0)


@dataclass(frozen=True)
class MemberBalance:
    user_id: int
    total_paid_for_expenses: Decimal = ZERO
    total_share_of_expenses: Decimal = ZERO
    total_settlements_paid: Decimal = ZERO
    total_settlements_received: Decimal = ZERO

    @property
    def net_balance(self) -> Decimal:
        return (
            self.total_paid_for_expenses
            - self.total_share_of_expenses
            + self.total_settlements_paid
            - self.total_settlements_received
        )


def settle_up(balances: Iterable[MemberBalance]) -> list[Transfer]:
    return plan_settle_up({b.user_id: b.net_balance for b in balances})
