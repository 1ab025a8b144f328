"""Group balances: the formula is shared with reporting, so it lives once in
``sosenki_contracts.balances`` (with a worked example), all in the group's base currency.

net = paid for expenses − share of expenses + settlements paid − settlements received

A positive net means the group owes the member money; the nets of a group sum to zero. Deleted
(reversed) expenses count nowhere; settlement activities and settlements are transfers that
happened and always count.
"""

from __future__ import annotations

from sosenki_contracts.balances import ZERO, MemberBalance, group_balances

__all__ = ["ZERO", "MemberBalance", "group_balances"]
