"""Group balances (ARCHITECTURE.md, "Splits semantics"), all in the group's base currency.

net = paid for expenses − share of expenses + settlements paid − settlements received

A positive net means the group owes the member money; the nets of a group sum to zero. Deleted
(reversed) expenses count nowhere; settlement activities and settlements are transfers that
happened and always count.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal

ZERO = Decimal(0)


@dataclass
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


def group_balances(
    members: Iterable[int],
    paid: Iterable[tuple[int, Decimal]],
    owed: Iterable[tuple[int, Decimal]],
    transfers: Iterable[tuple[int, int, Decimal]],
) -> list[MemberBalance]:
    """Every member, and anyone else with entries, sorted by user id.

    ``paid``/``owed`` are (user, base amount) lines of live expenses; ``transfers`` are
    (from user, to user, base amount) of settlement activities and settlements.
    """
    balances: dict[int, MemberBalance] = {}

    def of(user_id: int) -> MemberBalance:
        if user_id not in balances:
            balances[user_id] = MemberBalance(user_id)
        return balances[user_id]

    for user_id in members:
        of(user_id)
    for user_id, amount in paid:
        of(user_id).total_paid_for_expenses += amount
    for user_id, amount in owed:
        of(user_id).total_share_of_expenses += amount
    for from_user, to_user, amount in transfers:
        of(from_user).total_settlements_paid += amount
        of(to_user).total_settlements_received += amount
    return [balances[u] for u in sorted(balances)]
