"""Group balances (ARCHITECTURE.md, "Splits semantics"), in the group's base currency. The net
balance formula is splits' own, shared in ``sosenki_contracts.balances``; the settle-up plan
(``sosenki_contracts.settle_up``, shared too) clears the nets in the fewest transfers."""

from __future__ import annotations

from collections.abc import Iterable

from sosenki_contracts.balances import MemberBalance
from sosenki_contracts.settle_up import Transfer, plan_settle_up


def settle_up(balances: Iterable[MemberBalance]) -> list[Transfer]:
    return plan_settle_up({b.user_id: b.net_balance for b in balances})
