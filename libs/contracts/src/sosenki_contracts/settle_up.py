"""The settle-up plan: the fewest transfers that clear every balance, exactly.

Shared by the splits service (which owns the balances) and reporting (which rebuilds them from
events), so both always propose the same plan.

Balances are signed (positive: the member is owed money) and sum to zero. A plan with k transfers
among n members with non-zero balances splits them into n − k groups that settle among
themselves, each summing to zero; so the fewest transfers is n − (the largest number of disjoint
zero-sum groups the members can be split into). We find that number exactly with a dynamic
programme over subsets (O(2^n · n)) for up to ``EXACT_LIMIT`` non-zero balances, then settle each
zero-sum group greedily (largest debtor pays largest creditor), which takes at most size − 1
transfers. Above the limit the plan is the greedy one over everybody (at most n − 1 transfers,
not always minimal).

Deterministic: members are considered in user-id order and ties go to the lower id. Every
transfer is at least one minor unit (balances are whole minor units and transfers are never zero).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal

EXACT_LIMIT = 14


@dataclass(frozen=True, order=True)
class Transfer:
    from_user_id: int
    to_user_id: int
    amount: Decimal


def plan_settle_up(balances: Mapping[int, Decimal]) -> list[Transfer]:
    """Transfers (sorted by payer, then payee) that bring every balance to exactly zero."""
    if sum(balances.values(), Decimal(0)) != 0:
        raise ValueError("balances must sum to zero")
    people = sorted(u for u, b in balances.items() if b != 0)
    if not people:
        return []
    if len(people) > EXACT_LIMIT:
        groups = [people]
    else:
        groups = _zero_sum_groups(people, balances)
    transfers: list[Transfer] = []
    for group in groups:
        transfers += _greedy({u: balances[u] for u in group})
    return sorted(transfers)


def minimum_transfers(balances: Mapping[int, Decimal]) -> int:
    """How many transfers the best plan needs (exact; for tests and small groups)."""
    people = sorted(u for u, b in balances.items() if b != 0)
    return len(people) - len(_zero_sum_groups(people, balances)) if people else 0


def _zero_sum_groups(people: list[int], balances: Mapping[int, Decimal]) -> list[list[int]]:
    """The largest partition of ``people`` into groups whose balances sum to zero."""
    n = len(people)
    full = (1 << n) - 1
    total = [Decimal(0)] * (full + 1)
    for mask in range(1, full + 1):
        low = (mask & -mask).bit_length() - 1
        total[mask] = total[mask & (mask - 1)] + balances[people[low]]
    # best[mask]: the most zero-sum groups along any chain of single removals from mask to ∅;
    # it equals the largest zero-sum partition of mask when total[mask] is zero.
    best = [0] * (full + 1)
    for mask in range(1, full + 1):
        most = 0
        rest = mask
        while rest:
            bit = rest & -rest
            rest ^= bit
            most = max(most, best[mask ^ bit])
        best[mask] = most + (1 if total[mask] == 0 else 0)
    # Walk back from everyone, removing one member at a time along a best chain; every zero-sum
    # mask on the way closes a group. Lowest index first on ties, for determinism.
    groups: list[list[int]] = []
    current: list[int] = []
    mask = full
    while mask:
        wanted = best[mask] - (1 if total[mask] == 0 else 0)
        for i in range(n):
            bit = 1 << i
            if mask & bit and best[mask ^ bit] == wanted:
                current.append(people[i])
                mask ^= bit
                break
        if total[mask] == 0:
            groups.append(sorted(current))
            current = []
    return groups


def _greedy(balances: dict[int, Decimal]) -> list[Transfer]:
    """Largest debtor pays largest creditor (ties: lower id) until all is clear."""
    left = dict(balances)
    transfers: list[Transfer] = []
    while True:
        debtors = [u for u in sorted(left) if left[u] < 0]
        creditors = [u for u in sorted(left) if left[u] > 0]
        if not debtors or not creditors:
            return transfers
        debtor = min(debtors, key=lambda u: (left[u], u))
        creditor = min(creditors, key=lambda u: (-left[u], u))
        amount = min(-left[debtor], left[creditor])
        transfers.append(Transfer(debtor, creditor, amount))
        left[debtor] += amount
        left[creditor] -= amount
