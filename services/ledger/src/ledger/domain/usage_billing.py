"""Billing metered usage: each owner's consumption in the period at the meter's tariff.

The amount is consumption × tariff rounded half up to the currency's minor unit (the one place
money is rounded); a meter without a tariff or without consumption bills nothing. A period's
usage of one meter type is billed once: while any of its usage charges stands unreversed, billing
again is 409. Billing nothing claims nothing, and once every charge of a bill is reversed the
usage can be billed again.

Example: electricity at tariff 5.5, owner 1 used 100 and owner 2 used 33.333 → charges 550.00 and
183.33. With no readings yet the answer is 400 "nothing to bill", and a later call (after the
readings) bills; after both charges are reversed, billing again charges anew.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from sosenki_contracts.error_codes import ErrorCode
from sosenki_platform.errors import BadRequest, Conflict


@dataclass(frozen=True)
class UsageCharge:
    owner_id: int
    used: Decimal
    tariff: Decimal
    amount: Decimal


def usage_charges(
    usage: Iterable[tuple[int, Decimal, Decimal | None]], minor_units: int
) -> list[UsageCharge]:
    """``usage``: (owner id, consumption, tariff) per meter, in meter order."""
    unit = Decimal(1).scaleb(-minor_units)
    charges = []
    for owner_id, used, tariff in usage:
        if tariff is None or used <= 0:
            continue
        amount = (used * tariff).quantize(unit, rounding=ROUND_HALF_UP)
        if amount > 0:
            charges.append(UsageCharge(owner_id, used, tariff, amount))
    return charges


def check_billable(
    period_id: int, meter_type: str, charges: list[UsageCharge], already_billed: bool
) -> None:
    if already_billed:
        raise Conflict(
            f"{meter_type} usage of period {period_id} is already billed; reverse its charges "
            "to bill it again",
            ErrorCode.ALREADY_APPLIED,
        )
    if not charges:
        raise BadRequest(
            f"Nothing to bill: no {meter_type} consumption at a tariff in period {period_id} yet",
            ErrorCode.NOTHING_TO_BILL,
        )
