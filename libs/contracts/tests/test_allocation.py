from __future__ import annotations

import itertools
import math
from decimal import Decimal
from fractions import Fraction
from typing import Any

import pytest
from hypothesis import assume, given, settings, strategies as st
from sosenki_contracts.allocation import allocate, allocate_equally

pytestmark = pytest.mark.unit

FAST = settings(max_examples=300, deadline=None)
D = Decimal


def d(values: str) -> list[Decimal]:
    return [Decimal(v) for v in values.split()]


# --- the examples from the design ---------------------------------------------------------------


def test_seven_equal_owners() -> None:
    parts = allocate_equally(D("100.00"), [1, 2, 3, 4, 5, 6, 7])
    assert list(parts.values()) == d("14.29 14.29 14.29 14.29 14.28 14.28 14.28")


def test_seven_equal_owners_given_in_any_order() -> None:
    parts = allocate_equally(D("100.00"), [7, 3, 5, 1, 6, 2, 4])
    assert list(parts) == [7, 3, 5, 1, 6, 2, 4]  # input order kept
    assert {k for k, v in parts.items() if v == D("14.29")} == {1, 2, 3, 4}


def test_thirds_that_sum_to_100_percent() -> None:
    parts = allocate(D("1000.00"), [(1, D("33.3")), (2, D("33.3")), (3, D("33.4"))])
    assert parts == {1: D("333.00"), 2: D("333.00"), 3: D("334.00")}


def test_100_over_3_lowest_id_gets_the_cent() -> None:
    assert allocate_equally(D("100.00"), [1, 2, 3]) == {1: D("33.34"), 2: D("33.33"), 3: D("33.33")}
    assert allocate_equally(D("100.00"), [3, 2, 1]) == {3: D("33.33"), 2: D("33.33"), 1: D("33.34")}


def test_ten_by_percentages() -> None:
    parts = allocate(D("10.00"), [(1, D("33.33")), (2, D("33.33")), (3, D("33.34"))])
    assert list(parts.values()) == d("3.33 3.33 3.34")


def test_one_two_three() -> None:
    parts = allocate(D("100.00"), [(1, 1), (2, 2), (3, 3)])
    assert list(parts.values()) == d("16.67 33.33 50.00")


def test_exact_split_needs_no_rounding() -> None:
    parts = allocate(D("120.00"), [(1, 100), (2, 200), (3, 200)])
    assert list(parts.values()) == d("24.00 48.00 48.00")


# --- more rules ---------------------------------------------------------------------------------


def test_tie_goes_to_larger_weight() -> None:
    # exact shares 0.5 and 1.5 cents: equal remainders, the larger weight gets the cent
    assert allocate(D("0.02"), [(1, 1), (2, 3)]) == {1: D("0.00"), 2: D("0.02")}
    # the lower id would have won if weights were equal
    assert allocate(D("0.01"), [(2, 1), (1, 1)]) == {2: D("0.00"), 1: D("0.01")}


def test_string_ids_tie_by_lowest_id() -> None:
    parts = allocate_equally(D("0.02"), ["carol", "alice", "bob"])
    assert parts == {"carol": D("0.00"), "alice": D("0.01"), "bob": D("0.01")}


def test_negative_total_is_the_mirror_image() -> None:
    parts = allocate(D("-100.00"), [(1, 1), (2, 1), (3, 1)])
    assert parts == {1: D("-33.34"), 2: D("-33.33"), 3: D("-33.33")}


def test_zero_weight_gets_zero() -> None:
    parts = allocate(D("10.00"), [(1, 0), (2, 1), (3, 2)])
    assert parts == {1: D("0.00"), 2: D("3.33"), 3: D("6.67")}


def test_zero_total() -> None:
    assert allocate(D("0"), [(1, 1), (2, 1)]) == {1: D("0.00"), 2: D("0.00")}
    assert str(allocate(D("-0.00"), [(1, 1)])[1]) == "0.00"


def test_other_minor_units() -> None:
    assert allocate_equally(D("100"), [1, 2, 3], minor_units=0) == {1: 34, 2: 33, 3: 33}
    assert allocate_equally(D("1.000"), [1, 2, 3], minor_units=3) == {
        1: D("0.334"),
        2: D("0.333"),
        3: D("0.333"),
    }
    assert str(allocate_equally(D("3"), [1], minor_units=3)[1]) == "3.000"


def test_huge_numbers_stay_exact() -> None:
    total = D("123456789012345678901234567890.12")
    parts = allocate(total, [(1, D("1E+30")), (2, D("0.000000000000000000001")), (3, 7)])
    # (a plain Decimal sum would round to 28 digits, so add them as fractions)
    assert sum(Fraction(p) for p in parts.values()) == Fraction(total)


@pytest.mark.parametrize(
    ("total", "weights", "minor_units", "error", "message"),
    [
        (D("10.001"), [(1, 1)], 2, ValueError, "total 10.001 has more than 2 decimal places"),
        (D("10.5"), [(1, 1)], 0, ValueError, "more than 0 decimal places"),
        (D("10"), [], 2, ValueError, "weights must not be empty"),
        (D("10"), [(1, 1), (1, 2)], 2, ValueError, "participant 1 appears more than once"),
        (D("10"), [(1, -1), (2, 2)], 2, ValueError, "weight of participant 1 must not be negative"),
        (D("10"), [(1, 0), (2, D("0.00"))], 2, ValueError, "weights must sum to more than zero"),
        (D("10"), [(1, D("NaN"))], 2, ValueError, "must be a finite number"),
        (D("Infinity"), [(1, 1)], 2, ValueError, "total must be a finite number"),
        (10.0, [(1, 1)], 2, TypeError, "total must be a Decimal or an int, not float"),
        (D("10"), [(1, 0.5)], 2, TypeError, "weight of participant 1 must be a Decimal or an int"),
        (D("10"), [(1, True)], 2, TypeError, "not bool"),
        (D("10"), [(1, 1)], -1, ValueError, "minor_units must be a whole number"),
    ],
)
def test_invalid_input(
    total: Any, weights: Any, minor_units: int, error: type[Exception], message: str
) -> None:
    with pytest.raises(error, match=message):
        allocate(total, weights, minor_units)


# --- properties ---------------------------------------------------------------------------------

weight_values = st.one_of(
    st.integers(min_value=0, max_value=1000),
    st.integers(min_value=0, max_value=10**9),
    st.decimals(min_value=0, max_value=10000, places=2),
    st.decimals(min_value=0, max_value=100, places=4),
    st.just(Decimal(0)),
)


@st.composite
def allocation_inputs(draw: st.DrawFn) -> tuple[Decimal, list[tuple[Any, Decimal | int]], int]:
    minor_units = draw(st.sampled_from([2, 2, 0, 3]))
    largest = 10**9 * 10**minor_units
    units = draw(st.one_of(st.integers(0, 50), st.integers(0, largest)))
    total = Decimal(units).scaleb(-minor_units)
    size = draw(st.integers(min_value=1, max_value=12))
    ids: list[Any] = draw(
        st.one_of(
            st.lists(st.integers(-(10**6), 10**6), min_size=size, max_size=size, unique=True),
            st.lists(st.text(max_size=4), min_size=size, max_size=size, unique=True),
        )
    )
    # Often all weights alike or small, so that ties really happen.
    weights = draw(
        st.one_of(
            st.lists(weight_values, min_size=size, max_size=size),
            st.lists(st.integers(0, 4), min_size=size, max_size=size),
            st.integers(1, 5).map(lambda w: [w] * size),
        )
    )
    assume(any(w > 0 for w in weights))
    return total, list(zip(ids, weights, strict=True)), minor_units


@st.composite
def tie_heavy_inputs(draw: st.DrawFn) -> tuple[Decimal, list[tuple[Any, Decimal | int]], int]:
    """Totals chosen so that two participants with different weights have equal remainders."""
    size = draw(st.integers(min_value=2, max_value=6))
    ids = draw(st.lists(st.integers(0, 50), min_size=size, max_size=size, unique=True))
    weights = draw(st.lists(st.integers(0, 6), min_size=size, max_size=size))
    assume(len(set(weights)) > 1)
    low, high = sorted(
        draw(st.lists(st.sampled_from(weights), min_size=2, max_size=2, unique=True))
    )
    weight_sum = sum(weights)
    # units * (high - low) / weight_sum is a whole number, so both remainders are equal.
    step = weight_sum // math.gcd(weight_sum, high - low)
    units = step * draw(st.integers(0, 30)) + draw(st.sampled_from([0, 0, 0, 1]))
    return Decimal(units).scaleb(-2), list(zip(ids, weights, strict=True)), 2


def exact_units(total: Decimal, weights: list[tuple[Any, Decimal | int]], minor_units: int) -> Any:
    """Each participant's exact share, in minor units, as a Fraction (independent arithmetic)."""
    weight_sum = sum(Fraction(w) for _, w in weights)
    scale = 10**minor_units
    return {k: Fraction(total) * scale * Fraction(w) / weight_sum for k, w in weights}


def to_units(part: Decimal, minor_units: int) -> int:
    scaled = Fraction(part) * 10**minor_units
    assert scaled.denominator == 1, f"{part} has more than {minor_units} decimal places"
    return int(scaled)


@FAST
@given(allocation_inputs())
def test_parts_sum_exactly_and_are_never_negative(
    case: tuple[Decimal, list[tuple[Any, Decimal | int]], int],
) -> None:
    total, weights, minor_units = case
    parts = allocate(total, weights, minor_units)
    assert list(parts) == [k for k, _ in weights]
    assert sum(parts.values(), Decimal(0)) == total
    assert all(part >= 0 for part in parts.values())
    for part in parts.values():
        assert part.as_tuple().exponent == -minor_units  # exactly minor_units places
    for k, w in weights:
        if w == 0:
            assert parts[k] == 0


@FAST
@given(allocation_inputs(), st.randoms(use_true_random=False))
def test_deterministic_and_independent_of_order(
    case: tuple[Decimal, list[tuple[Any, Decimal | int]], int], rnd: Any
) -> None:
    total, weights, minor_units = case
    first = allocate(total, weights, minor_units)
    assert allocate(total, list(weights), minor_units) == first
    shuffled = list(weights)
    rnd.shuffle(shuffled)
    again = allocate(total, shuffled, minor_units)
    assert again == first
    assert list(again) == [k for k, _ in shuffled]


@FAST
@given(allocation_inputs())
def test_each_part_is_within_one_minor_unit_of_its_exact_share(
    case: tuple[Decimal, list[tuple[Any, Decimal | int]], int],
) -> None:
    total, weights, minor_units = case
    parts = allocate(total, weights, minor_units)
    for k, exact in exact_units(total, weights, minor_units).items():
        got = to_units(parts[k], minor_units)
        assert abs(got - exact) < 1
        assert got in (math.floor(exact), math.floor(exact) + 1)


@FAST
@given(st.one_of(allocation_inputs(), tie_heavy_inputs()))
def test_leftover_goes_by_largest_remainder_then_weight_then_id(
    case: tuple[Decimal, list[tuple[Any, Decimal | int]], int],
) -> None:
    check_leftover_rule(case)


def check_leftover_rule(case: tuple[Decimal, list[tuple[Any, Decimal | int]], int]) -> None:
    """Whoever got an extra unit comes before whoever did not, by (remainder, weight, id)."""
    total, weights, minor_units = case
    parts = allocate(total, weights, minor_units)
    exact = exact_units(total, weights, minor_units)
    weight_of = {k: Fraction(w) for k, w in weights}
    remainder = {k: e - math.floor(e) for k, e in exact.items()}
    extra = {k: to_units(parts[k], minor_units) - math.floor(e) for k, e in exact.items()}
    winners = [k for k in exact if extra[k] == 1]
    losers = [k for k in exact if extra[k] == 0]
    for i in winners:
        for j in losers:
            assert (-remainder[i], -weight_of[i], i) < (-remainder[j], -weight_of[j], j), (
                f"{i!r} got the extra unit before {j!r}"
            )


def test_leftover_rule_exhaustively_on_small_cases() -> None:
    for size in (1, 2, 3, 4):
        for weights in itertools.product(range(4), repeat=size):
            if not any(weights):
                continue
            for ids in (list(range(size)), list(range(size))[::-1]):
                pairs: list[tuple[Any, Decimal | int]] = list(zip(ids, weights, strict=True))
                for units in range(0, 25):
                    check_leftover_rule((Decimal(units).scaleb(-2), pairs, 2))


@FAST
@given(allocation_inputs())
def test_negative_total_is_negated_allocation(
    case: tuple[Decimal, list[tuple[Any, Decimal | int]], int],
) -> None:
    total, weights, minor_units = case
    positive = allocate(total, weights, minor_units)
    negative = allocate(-total, weights, minor_units)
    assert negative == {k: -v for k, v in positive.items()}
    assert sum(negative.values(), Decimal(0)) == -total
