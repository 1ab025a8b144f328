"""Group balances' rules, without a database."""

from __future__ import annotations

from decimal import Decimal

import pytest
from reporting.domain.groups import settle_up
from sosenki_contracts.balances import MemberBalance

pytestmark = pytest.mark.unit


def test_net_is_paid_minus_owed_plus_settlements_paid_minus_received() -> None:
    b = MemberBalance(
        1,
        total_paid_for_expenses=Decimal("100.00"),
        total_share_of_expenses=Decimal("40.00"),
        total_settlements_paid=Decimal("5.00"),
        total_settlements_received=Decimal("65.00"),
    )
    assert b.net_balance == 0


def test_the_plan_clears_every_balance_in_the_fewest_transfers() -> None:
    balances = [
        MemberBalance(1, total_paid_for_expenses=Decimal("90.00")),
        MemberBalance(2, total_share_of_expenses=Decimal("30.00")),
        MemberBalance(3, total_share_of_expenses=Decimal("60.00")),
    ]
    plan = settle_up(balances)
    assert [(t.from_user_id, t.to_user_id, t.amount) for t in plan] == [
        (2, 1, Decimal("30.00")),
        (3, 1, Decimal("60.00")),
    ]
