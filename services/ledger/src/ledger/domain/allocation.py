"""How an expense is shared among owners.

``PROPORTIONAL`` by ownership share, ``FIXED_FEE`` equally, ``USAGE_BASED`` by meter consumption,
``NONE`` paid from the fund with nobody's share. Lines always sum exactly to the amount (largest
remainder, from the contracts library).
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from enum import StrEnum

from sosenki_contracts.allocation import allocate
from sosenki_contracts.error_codes import ErrorCode
from sosenki_platform.errors import BadRequest


class AllocationStrategy(StrEnum):
    PROPORTIONAL = "PROPORTIONAL"
    FIXED_FEE = "FIXED_FEE"
    USAGE_BASED = "USAGE_BASED"
    NONE = "NONE"


def allocate_expense(
    amount: Decimal,
    strategy: AllocationStrategy,
    *,
    shares: Mapping[int, Decimal],
    consumption: Mapping[int, Decimal] | None = None,
    minor_units: int = 2,
) -> dict[int, Decimal]:
    """Owner id → the owner's part of ``amount``. ``shares`` lists the owners taking part."""
    if strategy is AllocationStrategy.NONE:
        return {}
    if not shares:
        raise BadRequest("No active owners to allocate the expense to", ErrorCode.NO_OWNERS)
    owners = sorted(shares)
    if strategy is AllocationStrategy.PROPORTIONAL:
        weights = [(o, shares[o]) for o in owners]
    elif strategy is AllocationStrategy.FIXED_FEE:
        weights = [(o, Decimal(1)) for o in owners]
    else:
        usage = consumption or {}
        weights = [(o, usage.get(o, Decimal(0))) for o in owners]
        if sum((w for _, w in weights), Decimal(0)) <= 0:
            raise BadRequest(
                "Cannot allocate by usage: total consumption in the period is zero",
                ErrorCode.NOTHING_TO_BILL,
            )
    return allocate(amount, weights, minor_units=minor_units)
