"""Paying a split: ``unpaid`` → ``partially_paid`` → ``paid``, never more than is owed.

A participant who also paid towards the expense has that part of their share covered from the
start (a sole payer's own split is ``paid`` at once); settlement activities pay the rest.
"""

from __future__ import annotations

from collections.abc import Iterable
from decimal import ROUND_HALF_UP, Decimal
from enum import StrEnum

from sosenki_contracts.money import format_amount, minor_units
from sosenki_platform.errors import Conflict

ZERO = Decimal(0)


class SplitStatus(StrEnum):
    UNPAID = "unpaid"
    PARTIALLY_PAID = "partially_paid"
    PAID = "paid"


def split_status(owed: Decimal, paid: Decimal) -> SplitStatus:
    if paid >= owed:
        return SplitStatus.PAID
    if paid > 0:
        return SplitStatus.PARTIALLY_PAID
    return SplitStatus.UNPAID


def expense_status(statuses: Iterable[SplitStatus]) -> SplitStatus:
    """Paid when every split is paid, unpaid when none has any payment, else partially paid."""
    seen = set(statuses)
    if not seen or seen == {SplitStatus.PAID}:
        return SplitStatus.PAID
    if seen == {SplitStatus.UNPAID}:
        return SplitStatus.UNPAID
    return SplitStatus.PARTIALLY_PAID


def covered(owed: Decimal, paid_towards_expense: Decimal) -> Decimal:
    """The part of a participant's share they settled by paying for the expense themselves."""
    return min(owed, paid_towards_expense)


def check_payment(
    split_id: int, owed: Decimal, paid: Decimal, amount: Decimal, currency: str
) -> None:
    """Refuse a payment that exceeds what remains (409 naming the remaining amount)."""
    remaining = owed - paid
    if remaining <= 0:
        raise Conflict(
            f"Expense split {split_id} is already paid in full (remaining amount: "
            f"{format_amount(ZERO, currency)} {currency})"
        )
    if amount > remaining:
        raise Conflict(
            f"Payment of {format_amount(amount, currency)} {currency} exceeds the remaining "
            f"amount of {format_amount(remaining, currency)} {currency} on expense split "
            f"{split_id}"
        )


def payment_in_base(
    amount: Decimal,
    *,
    owed: Decimal,
    paid_after: Decimal,
    base_owed: Decimal,
    base_paid_before: Decimal,
    exchange_rate: Decimal | None,
    base_currency: str,
) -> Decimal:
    """A payment in the expense currency, in the group's currency. The payment that completes a
    split takes exactly what is left of the split's base amount, so paid splits clear exactly."""
    if paid_after >= owed:
        return base_owed - base_paid_before
    if exchange_rate is None:
        return amount
    step = Decimal(1).scaleb(-minor_units(base_currency))
    converted = (amount * exchange_rate).quantize(step, rounding=ROUND_HALF_UP)
    return min(converted, base_owed - base_paid_before)
