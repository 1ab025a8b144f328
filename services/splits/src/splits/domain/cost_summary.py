"""A list's cost: its priced items, who they are for, and what an equal share would be.

An item's ``price`` is the price of the whole line. For ``ITEM_BASED`` splits each priced item is
owed by the person it is for (``assigned_to``), else by whoever added it. The summary also shows
each person's balance if whoever added items bought them and the total were shared equally.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from sosenki_contracts.allocation import allocate
from sosenki_contracts.money import minor_units

ZERO = Decimal(0)


@dataclass(frozen=True)
class PricedItem:
    item_id: int
    price: Decimal | None
    added_by: int | None
    assigned_to: int | None

    @property
    def owed_by(self) -> int | None:
        return self.assigned_to if self.assigned_to is not None else self.added_by


def item_lines(items: Iterable[PricedItem]) -> dict[int, Decimal]:
    """User id → the value of the priced items that are for them."""
    lines: dict[int, Decimal] = {}
    for item in items:
        if item.price is not None and item.owed_by is not None:
            lines[item.owed_by] = lines.get(item.owed_by, ZERO) + item.price
    return dict(sorted(lines.items()))


@dataclass(frozen=True)
class UserCost:
    user_id: int
    items_added_value: Decimal
    amount_due: Decimal

    @property
    def balance(self) -> Decimal:
        return self.items_added_value - self.amount_due


@dataclass(frozen=True)
class CostSummary:
    total_list_cost: Decimal
    equal_share_per_user: Decimal
    users: list[UserCost]


def cost_summary(
    participants: Iterable[int], added_values: Mapping[int, Decimal], currency: str
) -> CostSummary:
    """``added_values``: user → value of the items they added (or, once finalised, their share
    of the expense). Everyone listed shares the total equally; the shares sum exactly."""
    people = sorted(set(participants) | set(added_values))
    total = sum(added_values.values(), ZERO)
    units = minor_units(currency)
    if not people:
        return CostSummary(total, ZERO, [])
    due = allocate(total, [(u, 1) for u in people], units)
    step = Decimal(1).scaleb(-units)
    equal = (total / len(people)).quantize(step, rounding=ROUND_HALF_UP)
    return CostSummary(
        total,
        equal,
        [UserCost(u, added_values.get(u, ZERO), due[u]) for u in people],
    )
