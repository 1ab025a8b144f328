"""Owner balances: the formula is shared with reporting, so it lives once in
``sosenki_contracts.balances`` (with a worked example).

balance = contributions + expenses the owner paid personally − allocated share of expenses
          − service charges
"""

from __future__ import annotations

from sosenki_contracts.balances import ZERO, OwnerTotals

__all__ = ["ZERO", "OwnerTotals"]
