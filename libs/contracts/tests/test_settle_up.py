"""The settle-up plan: exact, minimal and deterministic."""

from __future__ import annotations

import time
from collections.abc import Iterator
from decimal import Decimal

import pytest
from hypothesis import given, settings, strategies as st
from sosenki_contracts.settle_up import (
    EXACT_LIMIT,
    Transfer,
    _greedy,
    minimum_transfers,
    plan_settle_up,
)

pytestmark = pytest.mark.unit

D = Decimal


def apply(balances: dict[int, Decimal], plan: list[Transfer]) -> dict[int, Decimal]:
    left = dict(balances)
    for t in plan:
        left[t.from_user_id] += t.amount
        left[t.to_user_id] -= t.amount
    return left


def test_plus_80_minus_30_minus_50_takes_two_transfers() -> None:
    plan = plan_settle_up({1: D("80.00"), 2: D("-30.00"), 3: D("-50.00")})
    assert plan == [Transfer(2, 1, D("30.00")), Transfer(3, 1, D("50.00"))]


def test_plus_10_plus_90_minus_60_minus_40_takes_three_transfers() -> None:
    balances = {1: D("10.00"), 2: D("90.00"), 3: D("-60.00"), 4: D("-40.00")}
    plan = plan_settle_up(balances)
    assert len(plan) == 3
    assert all(v == 0 for v in apply(balances, plan).values())


def test_pairs_that_cancel_are_found_even_when_greedy_would_miss_them() -> None:
    # Greedy (largest debtor to largest creditor) needs 5 transfers here; two pairs and a
    # triple settle among themselves in 4.
    balances = {1: D("7"), 2: D("-7"), 3: D("5"), 4: D("-3"), 5: D("-2"), 6: D("6"), 7: D("-6")}
    plan = plan_settle_up(balances)
    assert len(plan) == 4
    assert all(v == 0 for v in apply(balances, plan).values())


def test_nothing_to_settle_and_unbalanced_input() -> None:
    assert plan_settle_up({1: D(0), 2: D(0)}) == []
    with pytest.raises(ValueError, match="sum to zero"):
        plan_settle_up({1: D("1.00")})


def test_twelve_members_are_planned_exactly_and_fast() -> None:
    cents = [1700, -300, 450, -1250, 820, -820, 60, -60, 999, -1000, 1, -600]
    assert sum(cents) == 0
    balances = {i + 1: D(c).scaleb(-2) for i, c in enumerate(cents)}
    started = time.monotonic()
    plan = plan_settle_up(balances)
    assert time.monotonic() - started < 5
    assert all(v == 0 for v in apply(balances, plan).values())
    assert len(plan) == minimum_transfers(balances)
    assert plan == plan_settle_up(dict(reversed(list(balances.items()))))


def _partitions(items: list[int]) -> Iterator[list[list[int]]]:
    if not items:
        yield []
        return
    first, rest = items[0], items[1:]
    for smaller in _partitions(rest):
        for i in range(len(smaller)):
            yield [*smaller[:i], [first, *smaller[i]], *smaller[i + 1 :]]
        yield [[first], *smaller]


def brute_force_minimum(balances: dict[int, Decimal]) -> int:
    """n − the most zero-sum blocks over every set partition (a different algorithm)."""
    people = [u for u, b in balances.items() if b != 0]
    best = 0
    for partition in _partitions(people):
        if all(sum(balances[u] for u in block) == 0 for block in partition):
            best = max(best, len(partition))
    return len(people) - best


balances_strategy = st.lists(
    st.integers(min_value=-5000, max_value=5000), min_size=1, max_size=7
).map(lambda xs: [*xs, -sum(xs)])


@settings(max_examples=300, deadline=None)
@given(cents=balances_strategy)
def test_every_plan_clears_all_balances_exactly_with_the_fewest_transfers(
    cents: list[int],
) -> None:
    balances = {i + 1: D(c).scaleb(-2) for i, c in enumerate(cents)}
    plan = plan_settle_up(balances)
    assert all(v == 0 for v in apply(balances, plan).values())
    assert all(t.amount >= D("0.01") and t.from_user_id != t.to_user_id for t in plan)
    assert len(plan) == brute_force_minimum(balances)
    assert plan == plan_settle_up(balances)


def test_fifteen_balances_in_five_zero_sum_triples_take_ten_transfers() -> None:
    cents: list[int] = []
    for k in range(5):
        cents += [120 + 11 * k, 130 + 13 * k, -(250 + 24 * k)]
    balances = {i + 1: D(c).scaleb(-2) for i, c in enumerate(cents)}
    plan = plan_settle_up(balances)
    assert len(plan) == 10
    assert all(v == 0 for v in apply(balances, plan).values())


def _worst_case_at_the_limit() -> dict[int, Decimal]:
    """EXACT_LIMIT members, no cancelling pair, many disjoint zero-sum triples: the most levels
    the exact search has to build (the slowest input we know)."""
    cents = ([100, 200, -300] * EXACT_LIMIT)[: EXACT_LIMIT - 1]
    cents.append(-sum(cents))
    return {i + 1: D(c).scaleb(-2) for i, c in enumerate(cents)}


def test_the_exact_limit_is_at_least_twenty_and_its_worst_case_takes_under_a_second() -> None:
    assert EXACT_LIMIT >= 20
    balances = _worst_case_at_the_limit()
    assert len([b for b in balances.values() if b != 0]) == EXACT_LIMIT
    started = time.perf_counter()
    plan = plan_settle_up(balances)
    elapsed = time.perf_counter() - started
    assert elapsed < 1.0, f"{elapsed:.3f}s"
    assert all(v == 0 for v in apply(balances, plan).values())
    # Six {1, 2, −3} triples and the last two members: 20 − 7 groups.
    assert len(plan) == EXACT_LIMIT - 7


def _planted(draw: st.DrawFn, members: int) -> tuple[dict[int, Decimal], int]:
    """Balances made of disjoint zero-sum groups (sizes 2–5) in a random user order, and how many
    groups were planted."""
    cents: list[list[int]] = []
    left = members
    while left >= 2:
        size = draw(st.integers(2, min(5, left)))
        if left - size == 1:
            size = left
        part = draw(
            st.lists(st.integers(-9000, 9000).filter(bool), min_size=size - 1, max_size=size - 1)
        )
        if sum(part) == 0:
            part[0] += 1
        cents.append([*part, -sum(part)])
        left -= size
    flat = [c for group in cents for c in group]
    ids = draw(st.permutations(list(range(1, len(flat) + 1))))
    return {ids[i]: D(c).scaleb(-2) for i, c in enumerate(flat)}, len(cents)


@settings(max_examples=60, deadline=None)
@given(data=st.data(), members=st.integers(2, EXACT_LIMIT))
def test_up_to_the_limit_the_plan_is_never_more_than_n_minus_the_planted_groups(
    data: st.DataObject, members: int
) -> None:
    balances, groups = _planted(data.draw, members)
    plan = plan_settle_up(balances)
    assert all(v == 0 for v in apply(balances, plan).values())
    assert all(t.amount > 0 and t.from_user_id != t.to_user_id for t in plan)
    n = len([b for b in balances.values() if b != 0])
    assert len(plan) <= n - groups
    assert len(plan) == minimum_transfers(balances)
    assert len(plan) <= len(_greedy(dict(balances)))


@settings(max_examples=40, deadline=None)
@given(
    cents=st.lists(st.integers(-100, 100), min_size=21, max_size=40).map(lambda xs: [*xs, -sum(xs)])
)
def test_beyond_the_exact_limit_the_plan_clears_everything_and_is_never_worse_than_greedy(
    cents: list[int],
) -> None:
    balances = {i + 1: D(c).scaleb(-2) for i, c in enumerate(cents)}
    plan = plan_settle_up(balances)
    assert all(v == 0 for v in apply(balances, plan).values())
    assert len(plan) <= max(0, len([c for c in cents if c != 0]) - 1)
    assert len(plan) <= len(_greedy({u: b for u, b in balances.items() if b != 0}))


def test_beyond_the_exact_limit_pairs_and_triples_are_taken_out_first() -> None:
    # 31 members: five cancelling pairs and seven zero-sum triples; 31 − 12 groups = 19
    # transfers, where greedy over everybody needs more.
    cents: list[int] = []
    for k in range(5):
        cents += [1000 + 7 * k, -(1000 + 7 * k)]
    for k in range(7):
        cents += [120 + 11 * k, 130 + 13 * k, -(250 + 24 * k)]
    balances = {i + 1: D(c).scaleb(-2) for i, c in enumerate(cents)}
    plan = plan_settle_up(balances)
    assert all(v == 0 for v in apply(balances, plan).values())
    assert len(plan) == 31 - 12
    assert len(_greedy(dict(balances))) == 25
