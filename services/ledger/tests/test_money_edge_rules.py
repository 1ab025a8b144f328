"""The pure rules behind issue 11: expense dates, shares in time, reversals, usage bills."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
from ledger.domain.expense_dates import expense_date
from ledger.domain.periods import Period, PeriodStatus
from ledger.domain.reversals import check_reversal
from ledger.domain.shares import scheduled, share_on
from ledger.domain.usage_billing import check_billable, usage_charges
from sosenki_platform.errors import BadRequest, Conflict

pytestmark = pytest.mark.unit

NOV = Period(7, 1, "Nov", date(2025, 11, 1), date(2025, 11, 30), None, PeriodStatus.OPEN, None)


def at(day: str) -> datetime:
    return datetime.fromisoformat(f"{day}T09:30:00+00:00")


def test_an_undated_expense_is_dated_inside_its_period() -> None:
    assert expense_date(NOV, None, at("2025-11-10")) == at("2025-11-10")
    assert expense_date(NOV, None, at("2025-12-05")) == datetime(2025, 11, 30, 12, tzinfo=UTC)
    assert expense_date(NOV, None, at("2025-10-20")) == datetime(2025, 11, 1, 12, tzinfo=UTC)
    assert expense_date(NOV, at("2025-11-30"), at("2025-12-05")) == at("2025-11-30")
    with pytest.raises(BadRequest, match="outside period 7"):
        expense_date(NOV, at("2025-12-01"), at("2025-12-05"))


def test_shares_in_force_and_scheduled() -> None:
    history = [(date(1, 1, 1), Decimal(1)), (date(2026, 1, 1), Decimal(3))]
    assert share_on(history, date(2025, 12, 5)) == 1
    assert share_on(history, date(2026, 1, 1)) == 3
    assert scheduled(history, date(2025, 12, 5)) == [(date(2026, 1, 1), Decimal(3))]
    assert scheduled(history, date(2026, 1, 1)) == []
    assert share_on([], date(2026, 1, 1)) is None


def test_what_a_reversal_may_correct() -> None:
    check_reversal("charge", 1, "charge", already_reversed=False)
    with pytest.raises(Conflict, match="opening balance"):
        check_reversal("contribution", 2, "opening", already_reversed=False)
    with pytest.raises(BadRequest, match="itself a reversal"):
        check_reversal("expense", 3, "reversal", already_reversed=False)
    with pytest.raises(Conflict, match="already been reversed"):
        check_reversal("charge", 4, "charge", already_reversed=True)


def test_usage_is_billed_at_the_tariff_half_up_and_nothing_is_not_a_bill() -> None:
    usage = [
        (1, Decimal(100), Decimal("5.5")),
        (2, Decimal("33.333"), Decimal("5.5")),
        (3, Decimal(50), None),  # no tariff
        (4, Decimal(0), Decimal(2)),  # nothing used
        (5, Decimal("0.001"), Decimal(1)),  # rounds to nothing
    ]
    bill = usage_charges(usage, 2)
    assert [(c.owner_id, str(c.amount)) for c in bill] == [(1, "550.00"), (2, "183.33")]
    check_billable(7, "electricity", bill, already_billed=False)
    with pytest.raises(Conflict, match="already billed"):
        check_billable(7, "electricity", bill, already_billed=True)
    with pytest.raises(BadRequest, match="Nothing to bill"):
        check_billable(7, "electricity", usage_charges(usage[2:], 2), already_billed=False)
