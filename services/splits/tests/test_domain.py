"""The pure rules of shared expenses: splits that sum exactly, payers, currency conversion,
split payments and group balances."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given, strategies as st
from sosenki_contracts.settle_up import plan_settle_up
from sosenki_platform.errors import BadRequest, Conflict
from splits.domain import payments
from splits.domain.balances import group_balances
from splits.domain.cost_summary import PricedItem, cost_summary, item_lines
from splits.domain.payments import SplitStatus
from splits.domain.splitting import (
    Participant,
    SplitType,
    compute_shares,
    in_base,
    resolve_payers,
    to_base,
)

pytestmark = pytest.mark.unit

D = Decimal


def owed(shares: list[object]) -> list[str]:
    return [str(s.owed_amount) for s in shares]  # type: ignore[attr-defined]


def test_equal_100_over_three_gives_33_34_33_33_33_33() -> None:
    shares = compute_shares(
        D("100.00"), "RUB", SplitType.EQUAL, [Participant(u) for u in (3, 1, 2)]
    )
    assert [(s.user_id, str(s.owed_amount)) for s in shares] == [
        (1, "33.34"),
        (2, "33.33"),
        (3, "33.33"),
    ]


def test_percentage_33_33_33_33_33_34_of_10_gives_3_33_3_33_3_34() -> None:
    people = [
        Participant(1, share_percentage=D("33.33")),
        Participant(2, share_percentage=D("33.33")),
        Participant(3, share_percentage=D("33.34")),
    ]
    assert owed(compute_shares(D("10.00"), "RUB", SplitType.PERCENTAGE, people)) == [
        "3.33",
        "3.33",
        "3.34",
    ]


def test_shares_1_2_3_of_100_gives_16_67_33_33_50_00() -> None:
    people = [Participant(u, share_units=u) for u in (1, 2, 3)]
    assert owed(compute_shares(D("100.00"), "RUB", SplitType.SHARES, people)) == [
        "16.67",
        "33.33",
        "50.00",
    ]


def test_exact_amounts_must_sum_to_the_total() -> None:
    people = [Participant(1, owed_amount=D("400")), Participant(2, owed_amount=D("400"))]
    with pytest.raises(BadRequest) as refused:
        compute_shares(D("1000.00"), "RUB", SplitType.EXACT_AMOUNTS, people)
    assert refused.value.detail == (
        "EXACT_AMOUNTS splits sum to 800.00, but the expense total is 1000.00"
    )
    fine = compute_shares(
        D("1000.00"),
        "RUB",
        SplitType.EXACT_AMOUNTS,
        [*people, Participant(3, owed_amount=D("200.00"))],
    )
    assert owed(fine) == ["400", "400", "200.00"]


@pytest.mark.parametrize(
    ("split_type", "people", "members", "detail"),
    [
        (SplitType.EQUAL, [], None, "An expense needs at least one participant"),
        (SplitType.EQUAL, [Participant(1), Participant(1)], None, "Participant 1 appears more"),
        (SplitType.EQUAL, [Participant(1), Participant(9)], [1, 2], "Not members of this group"),
        (
            SplitType.PERCENTAGE,
            [Participant(1, share_percentage=D(50)), Participant(2, share_percentage=D(49))],
            None,
            "Percentages must sum to 100, not 99",
        ),
        (SplitType.PERCENTAGE, [Participant(1)], None, "needs share_percentage"),
        (SplitType.SHARES, [Participant(1, share_units=0)], None, "share_units of at least 1"),
        (SplitType.EXACT_AMOUNTS, [Participant(1)], None, "needs owed_amount"),
        (
            SplitType.EXACT_AMOUNTS,
            [Participant(1, owed_amount=D("10.001"))],
            None,
            "more than 2 decimal places",
        ),
    ],
)
def test_bad_splits_are_refused_with_a_clear_detail(
    split_type: SplitType, people: list[Participant], members: list[int] | None, detail: str
) -> None:
    with pytest.raises(BadRequest) as refused:
        compute_shares(D("10.00"), "RUB", split_type, people, members=members)
    assert detail in refused.value.detail


def test_item_based_follows_the_items_and_must_match_the_total() -> None:
    items = [
        PricedItem(1, D("30.00"), added_by=1, assigned_to=None),
        PricedItem(2, D("20.00"), added_by=1, assigned_to=2),
        PricedItem(3, None, added_by=3, assigned_to=None),
        PricedItem(4, D("5.50"), added_by=2, assigned_to=None),
    ]
    lines = item_lines(items)
    assert lines == {1: D("30.00"), 2: D("25.50")}
    shares = compute_shares(D("55.50"), "RUB", SplitType.ITEM_BASED, [], item_lines=lines)
    assert owed(shares) == ["30.00", "25.50"]
    with pytest.raises(BadRequest, match="must equal the sum of the list's priced items"):
        compute_shares(D("60.00"), "RUB", SplitType.ITEM_BASED, [], item_lines=lines)


@given(
    total_cents=st.integers(min_value=1, max_value=10**9),
    weights=st.lists(st.integers(min_value=1, max_value=1000), min_size=1, max_size=15),
    kind=st.sampled_from([SplitType.EQUAL, SplitType.SHARES, SplitType.PERCENTAGE]),
)
def test_any_split_sums_exactly_to_the_total(
    total_cents: int, weights: list[int], kind: SplitType
) -> None:
    total = D(total_cents).scaleb(-2)
    if kind is SplitType.PERCENTAGE:
        # Percentages with two places that sum to exactly 100.
        raw = [D(w) * D(10000) // D(sum(weights)) for w in weights]
        raw[0] += D(10000) - sum(raw)
        if raw[0] < 0:
            return
        people = [Participant(i + 1, share_percentage=p.scaleb(-2)) for i, p in enumerate(raw)]
    else:
        people = [Participant(i + 1, share_units=w) for i, w in enumerate(weights)]
    shares = compute_shares(total, "RUB", kind, people)
    assert sum(s.owed_amount for s in shares) == total
    assert all(s.owed_amount >= 0 and s.owed_amount.as_tuple().exponent == -2 for s in shares)


def test_several_payers_must_cover_the_total() -> None:
    payers = resolve_payers(
        D("100.00"), "RUB", paid_by_user_id=None, payers=[(2, D("60.00")), (1, D("40.00"))]
    )
    assert payers == {1: D("40.00"), 2: D("60.00")}
    with pytest.raises(BadRequest, match=r"Payer amounts sum to 90\.00, but the expense total"):
        resolve_payers(
            D("100.00"), "RUB", paid_by_user_id=None, payers=[(1, D("40")), (2, D("50"))]
        )
    with pytest.raises(BadRequest, match="either paid_by_user_id or payers"):
        resolve_payers(D("1"), "RUB", paid_by_user_id=1, payers=[(1, D("1"))])
    with pytest.raises(BadRequest, match="Payers must be members"):
        resolve_payers(D("1"), "RUB", paid_by_user_id=7, payers=None, members=[1])


def test_foreign_currency_needs_a_rate_and_base_lines_sum_to_the_converted_total() -> None:
    assert to_base(D("10.00"), "RUB", "RUB", None) == D("10.00")
    with pytest.raises(BadRequest, match="exchange_rate must not be given"):
        to_base(D("10.00"), "RUB", "RUB", D("1"))
    with pytest.raises(BadRequest, match="exchange_rate is required for an expense in USD"):
        to_base(D("10.00"), "USD", "RUB", None)
    with pytest.raises(BadRequest, match="exchange_rate must be positive"):
        to_base(D("10.00"), "USD", "RUB", D("0"))
    base_total = to_base(D("100.00"), "USD", "RUB", D("92.3456"))
    assert base_total == D("9234.56")
    shares = compute_shares(
        D("100.00"), "USD", SplitType.EQUAL, [Participant(u) for u in (1, 2, 3)]
    )
    base = in_base(base_total, {s.user_id: s.owed_amount for s in shares}, "RUB")
    assert sum(base.values()) == base_total
    assert base == {1: D("3078.80"), 2: D("3077.88"), 3: D("3077.88")}


def test_split_status_and_overpayment() -> None:
    assert payments.split_status(D("10"), D("0")) is SplitStatus.UNPAID
    assert payments.split_status(D("10"), D("4")) is SplitStatus.PARTIALLY_PAID
    assert payments.split_status(D("10"), D("10")) is SplitStatus.PAID
    assert payments.expense_status([SplitStatus.PAID, SplitStatus.UNPAID]) is (
        SplitStatus.PARTIALLY_PAID
    )
    assert payments.expense_status([SplitStatus.UNPAID]) is SplitStatus.UNPAID
    assert payments.expense_status([SplitStatus.PAID, SplitStatus.PAID]) is SplitStatus.PAID
    with pytest.raises(Conflict) as refused:
        payments.check_within_share(7, 2, D("33.33"), D("20.00"), "RUB", paying=D("13.34"))
    assert refused.value.detail == (
        "Expense split 7 of user 2 cannot be paid 33.34 RUB in all: its share is 33.33 RUB, "
        "20.00 RUB is already paid (remaining amount: 13.33 RUB)"
    )
    payments.check_within_share(7, 2, D("33.33"), D("20.00"), "RUB", paying=D("13.33"))
    with pytest.raises(Conflict, match=r"remaining amount: 0\.00 RUB"):
        payments.check_within_share(7, 2, D("1.00"), D("1.00"), "RUB", paying=D("0.01"))
    # The same rule when a share shrinks below what was paid (nothing paid now).
    with pytest.raises(Conflict, match=r"cannot be paid 33\.33 RUB in all: its share is 30\.00"):
        payments.check_within_share(7, 2, D("30.00"), D("33.33"), "RUB")
    payments.check_within_share(7, 2, D("33.33"), D("33.33"), "RUB")


def test_a_pays_100_01_for_three_then_b_pays_a_10() -> None:
    """User 1 (A) pays 100.01 split equally among 1, 2, 3; then 2 (B) pays A 10.00."""
    shares = compute_shares(
        D("100.01"), "RUB", SplitType.EQUAL, [Participant(u) for u in (1, 2, 3)]
    )
    assert owed(shares) == ["33.34", "33.34", "33.33"]
    balances = group_balances(
        [1, 2, 3],
        paid=[(1, D("100.01"))],
        owed=[(s.user_id, s.owed_amount) for s in shares],
        transfers=[(2, 1, D("10.00"))],
    )
    nets = {b.user_id: b.net_balance for b in balances}
    assert nets == {1: D("56.67"), 2: D("-23.34"), 3: D("-33.33")}
    assert sum(nets.values()) == 0
    plan = plan_settle_up(nets)
    assert [(t.from_user_id, t.to_user_id, str(t.amount)) for t in plan] == [
        (2, 1, "23.34"),
        (3, 1, "33.33"),
    ]


def test_cost_summary_shares_the_total_equally() -> None:
    summary = cost_summary([1, 2, 3], {1: D("70.00"), 2: D("30.01")}, "RUB")
    assert summary.total_list_cost == D("100.01")
    assert summary.equal_share_per_user == D("33.34")
    assert [(u.user_id, str(u.amount_due), str(u.balance)) for u in summary.users] == [
        (1, "33.34", "36.66"),
        (2, "33.34", "-3.33"),
        (3, "33.33", "-33.33"),
    ]
