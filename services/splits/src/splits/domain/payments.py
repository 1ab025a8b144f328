"""Paying a split: ``unpaid`` → ``partially_paid`` → ``paid``, never more than is owed
(:func:`check_within_share`).

A participant who also paid towards the expense has that part of their share covered from the
start (a sole payer's own split is ``paid`` at once); settlement activities pay the rest.
"""

from __future__ import annotations

from collections.abc import Iterable
from decimal import ROUND_HALF_UP, Decimal
from enum import StrEnum

from sosenki_contracts.error_codes import ErrorCode
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


def check_within_share(
    split_id: int,
    user_id: int,
    owed: Decimal,
    paid: Decimal,
    currency: str,
    *,
    paying: Decimal = ZERO,
) -> None:
    """A split is never paid beyond its share: what is already ``paid`` plus what is ``paying``
    now is at most what is ``owed`` (409 naming the remaining amount).

    One rule for both ways it could break: a payment against the split (``paying``), and a change
    of the expense that shrinks the share below what its participant has already paid. It holds
    under concurrent requests because both lock the expense row first
    (``use_cases/payments.py``, ``use_cases/expenses.py``).

    Worked example: a share of 20.00 RUB with 5.00 paid takes a payment of 15.00 (then ``paid``);
    16.00 is refused: "Expense split 7 of user 2 cannot be paid 21.00 RUB in all: its share is
    20.00 RUB, 5.00 RUB is already paid (remaining amount: 15.00 RUB)".
    """
    if paid + paying <= owed:
        return

    def shown(amount: Decimal) -> str:
        return f"{format_amount(amount, currency)} {currency}"

    raise Conflict(
        f"Expense split {split_id} of user {user_id} cannot be paid {shown(paid + paying)} in "
        f"all: its share is {shown(owed)}, {shown(paid)} is already paid (remaining amount: "
        f"{shown(max(owed - paid, ZERO))})",
        ErrorCode.PAYMENT_EXCEEDS_DEBT,
    )


def check_may_leave(expense_id: int, user_id: int, *, paid: bool) -> None:
    """A participant who has paid towards an expense stays in it: the payment was real."""
    if paid:
        raise Conflict(
            f"User {user_id} has already paid towards expense {expense_id} and cannot be removed "
            "from it",
            ErrorCode.ALREADY_PAID,
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
