"""Rules of what the bot reads out: who may see a community's balance sheet, which period is
"the current one", and a balance carried in from the previous period shown as carried, never as
paid or charged in the new one.

>>> may_see_report(frozenset({"owner"}), owners_see_balance_sheet=True)
True
>>> may_see_report(frozenset(), owners_see_balance_sheet=True)
False
>>> from decimal import Decimal as D
>>> paid_and_charged(D("1500"), D("200"), opening=D("500"))  # 500 carried in as a credit
(Decimal('1000'), Decimal('200'))
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal
from typing import Any

_ZERO = Decimal(0)


def may_see_report(roles: frozenset[str], owners_see_balance_sheet: bool) -> bool:
    """The read policy of ``/report``: a treasurer; an owner when the community shows owners its
    balance sheet; nobody else (a chat member who is no owner sees nothing of it)."""
    return "treasurer" in roles or ("owner" in roles and owners_see_balance_sheet)


def current_period(periods: Sequence[dict[str, Any]]) -> dict[str, Any] | None:
    """The latest open period, else the latest one (``periods`` oldest first)."""
    open_ = [p for p in periods if p["status"] == "OPEN"]
    candidates = open_ or list(periods)
    return candidates[-1] if candidates else None


def paid_and_charged(
    total_contributions: Decimal, total_charges: Decimal, opening: Decimal
) -> tuple[Decimal, Decimal]:
    """What was paid and charged in the period itself: a carried balance is inside the totals
    (an opening contribution when in credit, an opening charge when in debt) and is taken out."""
    return (
        total_contributions - max(opening, _ZERO),
        total_charges - max(-opening, _ZERO),
    )
