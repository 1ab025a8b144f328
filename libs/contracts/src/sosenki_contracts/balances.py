"""The balance formulas, once for every service (ARCHITECTURE.md, "Ledger semantics" and
"Splits semantics"). The ledger and splits compute them from their own tables; reporting
computes them from events; both must agree, so both use these.

Owner balance in a community's service period::

    balance = contributions + expenses the owner paid personally
              − the owner's allocated share of expenses − service charges

Example: an owner contributes 1000.00, pays a 300.00 plumber's bill personally, is allocated
250.00 of the period's expenses and charged 100.00: balance = 1000 + 300 − 250 − 100 = 950.00.

>>> OwnerTotals(1, None, Decimal("1000.00"), Decimal("250.00"), Decimal("100.00"),
...             Decimal("300.00")).balance
Decimal('950.00')

Member's net balance in a group (in the group's base currency)::

    net = paid for expenses − share of expenses + settlements paid − settlements received

Positive: the group owes the member. A group's nets sum to zero. Example: Ann (1) pays a
90.00 dinner split equally with Bob (2) and Cy (3), then Bob pays Ann 30.00: Ann is at
90 − 30 − 30 = +30.00, Bob at −30 + 30 = 0, Cy at −30.00.

>>> [b.net_balance for b in group_balances(
...     [1, 2, 3], paid=[(1, Decimal("90.00"))],
...     owed=[(1, Decimal("30.00")), (2, Decimal("30.00")), (3, Decimal("30.00"))],
...     transfers=[(2, 1, Decimal("30.00"))])]
[Decimal('30.00'), Decimal('0.00'), Decimal('-30.00')]
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal

ZERO = Decimal(0)


@dataclass(frozen=True)
class OwnerTotals:
    """One owner's totals in one period, and the balance they make."""

    owner_id: int
    username: str | None = None
    total_contributions: Decimal = ZERO
    total_expenses: Decimal = ZERO
    total_charges: Decimal = ZERO
    total_paid_expenses: Decimal = ZERO
    #: Carried forward from the previous period; already inside the totals (as an opening
    #: contribution or charge), shown apart only so a statement can say where it came from.
    opening_balance: Decimal = ZERO

    @property
    def balance(self) -> Decimal:
        return (
            self.total_contributions
            + self.total_paid_expenses
            - self.total_expenses
            - self.total_charges
        )


@dataclass
class MemberBalance:
    """One member's totals in one group, and the net they make."""

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

    ``paid``/``owed`` are (user, base amount) lines of live expenses (a deleted expense counts
    nowhere); ``transfers`` are (from user, to user, base amount) of settlement activities and
    settlements, which happened and always count.
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
