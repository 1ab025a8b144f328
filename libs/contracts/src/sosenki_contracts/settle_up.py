"""The settle-up plan: the fewest transfers that clear every balance, exactly.

Shared by the splits service (which owns the balances) and reporting (which rebuilds them from
events), so both always propose the same plan.

Balances are signed (positive: the member is owed money) and sum to zero. A plan with k transfers
among n members with non-zero balances splits them into n − k groups that settle among
themselves, each summing to zero; so the fewest transfers is n − (the largest number of disjoint
zero-sum groups the members can be split into). Each group is then settled greedily (largest
debtor pays largest creditor), which takes at most size − 1 transfers.

How the groups are found:

1. Every pair that cancels out (+x and −x) is its own group. This never costs optimality: in a
   best partition, x and −x either share a group (split them off: no fewer groups) or sit in two
   groups A and B (regroup as {x, −x} and the rest of A ∪ B: as many groups).
2. If at most ``EXACT_LIMIT`` (20) members are left, the largest zero-sum partition of them is
   found exactly: a dynamic programme over the 2^n subsets run on bitsets (one Python integer per
   level holds a bit per subset), with the zero-sum subsets found by meeting in the middle.
   ``tests/test_settle_up.py`` holds it under one second in the worst case we know.
3. Beyond that, every zero-sum triple is taken out too (lowest ids first), and the rest is one
   greedy group. If plain greedy over everybody happens to need fewer transfers, that plan is
   used, so the result is never worse than greedy (at most n − 1 transfers).

Worked example: +5, +4, +6, −5, −3, −1, −6 (users 1..7). Pairs: {1, 4} (+5 −5) and {3, 7}
(+6 −6); the rest {2, 5, 6} (+4 −3 −1) sums to zero: three groups, 7 − 3 = 4 transfers
(4→1 5.00, 7→3 6.00, 5→2 3.00, 6→2 1.00), where greedy over everybody needs 5.

Deterministic: members are considered in user-id order and ties go to the lower id. Every
transfer is at least one minor unit (balances are whole minor units and transfers are never zero).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal

EXACT_LIMIT = 20


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
    transfers: list[Transfer] = []
    for group in zero_sum_groups(balances):
        transfers += _greedy({u: balances[u] for u in group})
    greedy = _greedy({u: balances[u] for u in people})
    if len(greedy) < len(transfers):
        transfers = greedy
    return sorted(transfers)


def minimum_transfers(balances: Mapping[int, Decimal]) -> int:
    """How many transfers the best plan needs (exact while at most ``EXACT_LIMIT`` members are
    left once cancelling pairs are taken out)."""
    people = [u for u, b in balances.items() if b != 0]
    return len(people) - len(zero_sum_groups(balances))


def zero_sum_groups(balances: Mapping[int, Decimal]) -> list[list[int]]:
    """Disjoint groups of the members with non-zero balances, each summing to zero, covering
    them all: the most such groups (see the module's steps 1–3)."""
    people = sorted(u for u, b in balances.items() if b != 0)
    groups, rest = _take_pairs(people, balances)
    if len(rest) <= EXACT_LIMIT:
        return groups + _largest_partition(rest, balances)
    triples, rest = _take_triples(rest, balances)
    return groups + triples + ([rest] if rest else [])


def _take_pairs(
    people: list[int], balances: Mapping[int, Decimal]
) -> tuple[list[list[int]], list[int]]:
    """Every +x with a −x (lowest ids first), and who is left."""
    by_amount: dict[Decimal, list[int]] = {}
    for u in people:
        by_amount.setdefault(balances[u], []).append(u)
    taken: set[int] = set()
    pairs: list[list[int]] = []
    for u in people:
        if u in taken:
            continue
        for v in by_amount.get(-balances[u], ()):
            if v not in taken:
                taken |= {u, v}
                pairs.append(sorted((u, v)))
                break
    return pairs, [u for u in people if u not in taken]


def _take_triples(
    people: list[int], balances: Mapping[int, Decimal]
) -> tuple[list[list[int]], list[int]]:
    """Zero-sum triples, lowest ids first, until none is left."""
    by_amount: dict[Decimal, list[int]] = {}
    for u in people:
        by_amount.setdefault(balances[u], []).append(u)
    taken: set[int] = set()
    triples: list[list[int]] = []
    for i, u in enumerate(people):
        for v in people[i + 1 :]:
            if u in taken:
                break
            if v in taken:
                continue
            for w in by_amount.get(-(balances[u] + balances[v]), ()):
                if w > v and w not in taken:
                    taken |= {u, v, w}
                    triples.append([u, v, w])
                    break
    return triples, [u for u in people if u not in taken]


def _largest_partition(people: list[int], balances: Mapping[int, Decimal]) -> list[list[int]]:
    """The largest partition of ``people`` into groups whose balances sum to zero.

    best(mask): the most zero-sum subsets along a chain of single removals from mask to ∅; it is
    the largest zero-sum partition of mask when mask sums to zero. Level k is the bitset of the
    masks with best ≥ k: the supersets of the zero-sum masks that are one member more than a
    mask of level k − 1. Each level is a few dozen operations on one 2^n-bit integer.
    """
    n = len(people)
    if n == 0:
        return []
    size = 1 << n
    everything = (1 << size) - 1
    zero = _zero_sum_masks(people, balances)
    lacking = [_masks_lacking(i, n) & everything for i in range(n)]

    def one_more(x: int) -> int:
        out = 0
        for i in range(n):
            out |= (x & lacking[i]) << (1 << i)
        return out

    def supersets(x: int) -> int:
        for i in range(n):
            x |= (x & lacking[i]) << (1 << i)
        return x

    full = size - 1
    levels = [everything]
    while True:
        level = supersets(zero & one_more(levels[-1]))
        if not (level >> full) & 1:
            break
        levels.append(level)
    nbytes = max(1, size // 8)
    bits = [lv.to_bytes(nbytes, "little") for lv in levels]
    zero_bits = zero.to_bytes(nbytes, "little")

    def has(table: bytes, mask: int) -> bool:
        return bool(table[mask >> 3] >> (mask & 7) & 1)

    # Walk back from everyone, removing one member at a time along a best chain; every zero-sum
    # mask on the way closes a group. Lowest index first on ties, for determinism.
    groups: list[list[int]] = []
    current: list[int] = []
    mask, best = full, len(levels) - 1
    while mask:
        wanted = best - (1 if has(zero_bits, mask) else 0)
        for i in range(n):
            bit = 1 << i
            if mask & bit and has(bits[wanted], mask ^ bit):
                current.append(people[i])
                mask ^= bit
                best = wanted
                break
        if mask == 0 or has(zero_bits, mask):
            groups.append(sorted(current))
            current = []
    return groups


def _zero_sum_masks(people: list[int], balances: Mapping[int, Decimal]) -> int:
    """Bitset of the non-empty subsets (bit ``mask``) whose balances sum to zero, found by
    meeting in the middle: the sums of each half's subsets, matched through a dictionary."""
    n = len(people)
    half = n // 2

    def subset_sums(members: list[int]) -> list[Decimal]:
        sums = [Decimal(0)] * (1 << len(members))
        for mask in range(1, len(sums)):
            low = (mask & -mask).bit_length() - 1
            sums[mask] = sums[mask & (mask - 1)] + balances[members[low]]
        return sums

    low_sums = subset_sums(people[:half])
    by_sum: dict[Decimal, list[int]] = {}
    for a, s in enumerate(low_sums):
        by_sum.setdefault(s, []).append(a)
    table = bytearray(max(1, (1 << n) // 8))
    for b, s in enumerate(subset_sums(people[half:])):
        for a in by_sum.get(-s, ()):
            mask = (b << half) | a
            if mask:
                table[mask >> 3] |= 1 << (mask & 7)
    return int.from_bytes(table, "little")


def _masks_lacking(i: int, n: int) -> int:
    """Bitset of the masks below 2^n without member ``i`` (bit ``mask`` set when mask & 2^i is
    0)."""
    size = 1 << n
    if i < 3:
        byte = (0x55, 0x33, 0x0F)[i]
        return int.from_bytes(bytes([byte]) * max(1, size // 8), "little")
    run = (1 << i) // 8
    return int.from_bytes((b"\xff" * run + b"\x00" * run) * (size >> (i + 1)), "little")


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
