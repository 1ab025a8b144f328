"""The balance formulas, shared by the ledger, splits and reporting: the same objects in every
service, and each equal to the rule as ARCHITECTURE.md states it."""

from __future__ import annotations

import doctest
from decimal import Decimal

import pytest
import sosenki_contracts.balances as balances
from hypothesis import given, settings, strategies as st
from ledger.domain import balances as ledger_balances
from reporting.domain import balances as reporting_balances, groups as reporting_groups
from sosenki_contracts.balances import MemberBalance, OwnerTotals, group_balances
from splits.domain import balances as splits_balances

pytestmark = pytest.mark.unit

amounts = st.decimals(min_value=0, max_value=10**9, places=2, allow_nan=False)
users = st.integers(min_value=1, max_value=6)


def test_the_worked_examples_in_the_docstring_hold() -> None:
    assert doctest.testmod(balances, raise_on_error=True).attempted >= 2


def test_every_service_uses_the_one_formula() -> None:
    assert ledger_balances.OwnerTotals is OwnerTotals
    assert reporting_balances.OwnerTotals is OwnerTotals
    assert splits_balances.MemberBalance is MemberBalance
    assert splits_balances.group_balances is group_balances
    assert reporting_groups.MemberBalance is MemberBalance


@given(amounts, amounts, amounts, amounts, amounts)
@settings(max_examples=200, deadline=None)
def test_owner_balance_is_contributions_plus_paid_minus_share_minus_charges(
    contributions: Decimal, expenses: Decimal, charges: Decimal, paid: Decimal, opening: Decimal
) -> None:
    totals = OwnerTotals(1, None, contributions, expenses, charges, paid, opening)
    # The opening balance is inside the totals already: it never counts a second time.
    assert totals.balance == contributions + paid - expenses - charges


@given(
    st.lists(st.tuples(users, amounts), max_size=8),
    st.lists(st.tuples(users, users, amounts), max_size=8),
)
@settings(max_examples=200, deadline=None)
def test_group_nets_are_paid_minus_owed_plus_sent_minus_received_and_sum_to_zero(
    expenses: list[tuple[int, Decimal]], transfers: list[tuple[int, int, Decimal]]
) -> None:
    # Each expense is paid by one user and owed wholly by the next one (round the table).
    paid = expenses
    owed = [(user % 6 + 1, amount) for user, amount in expenses]
    result = group_balances([1, 2], paid, owed, transfers)
    assert [b.user_id for b in result] == sorted({b.user_id for b in result})
    assert {1, 2} <= {b.user_id for b in result}
    for b in result:
        expected = (
            sum((a for u, a in paid if u == b.user_id), Decimal(0))
            - sum((a for u, a in owed if u == b.user_id), Decimal(0))
            + sum((a for f, _, a in transfers if f == b.user_id), Decimal(0))
            - sum((a for _, to, a in transfers if to == b.user_id), Decimal(0))
        )
        assert b.net_balance == expected
    assert sum((b.net_balance for b in result), Decimal(0)) == 0
