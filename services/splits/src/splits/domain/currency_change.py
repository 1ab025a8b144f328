"""An expense's currency and exchange rate are fixed once anyone has paid towards it.

A settlement activity pays a split in the expense's currency and is booked in the group's
currency at the expense's rate. Changing the currency or the rate afterwards would mix amounts
paid in the old currency into shares in the new one, so it is refused (409) once a payment
exists; delete the expense (the payments stay, they were real transfers) and record it again.
Without payments the change recomputes every split and payer from the new total, exactly. The
total, splits and payers may still change after payments (in the same currency and rate).

Worked example: 100.00 EUR at 99 RUB split between Anna and Boris; Boris pays his 50.00 EUR
(4,950.00 RUB). Changing the expense to 5,000.00 RUB is refused: Boris's split would show
4,950 remaining although he has paid it, and his next payment would be booked as 0 RUB.
"""

from __future__ import annotations

from decimal import Decimal

from sosenki_contracts.error_codes import ErrorCode
from sosenki_platform.errors import Conflict


def check_currency_change(
    expense_id: int,
    before: tuple[str, Decimal | None],
    after: tuple[str, Decimal | None],
    has_payments: bool,
) -> None:
    """``before``/``after``: (currency, exchange rate); ``has_payments``: a settlement activity
    has been recorded against one of the expense's splits."""
    if not has_payments or _same(before, after):
        return
    raise Conflict(
        f"Expense {expense_id} has payments recorded against it in {before[0]}: its currency "
        "and exchange rate can no longer change (delete it and record it again)",
        ErrorCode.ALREADY_PAID,
    )


def _same(a: tuple[str, Decimal | None], b: tuple[str, Decimal | None]) -> bool:
    if a[0] != b[0]:
        return False
    if a[1] is None or b[1] is None:
        return a[1] is None and b[1] is None
    return Decimal(a[1]) == Decimal(b[1])
