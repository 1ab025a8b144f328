"""A list is charged once.

An ``ITEM_BASED`` expense charges list items: the whole list (``list_id``) or one item
(``item_id``). Every item is charged by at most one live expense, whichever way it is recorded:

- An ``ITEM_BASED`` expense for the whole list, through ``POST /financials/expenses`` or by
  finalising the cost summary, finalises the list (items frozen); a second one is 409.
- An ``ITEM_BASED`` expense for one item charges that item; the item cannot be charged again,
  and a later whole-list charge leaves it out.
- Deleting the expense that charged them (a reversal) uncharges them: a finalised list opens
  again (items editable, its summary from the items again) and can be charged anew.
- An expense cannot switch to or from ``ITEM_BASED`` (delete it and record it again).

Worked example: list "Party" with Cake 30.00 (Alice) and Wine 20.00 (Bob). Bob records an
``ITEM_BASED`` expense for the Wine (20.00). Finalising the list then charges the Cake only
(30.00): 50.00 in all, never 100.00. Deleting the list's expense opens the list again; Bob's
Wine expense stays.
"""

from __future__ import annotations

from collections.abc import Mapping

from sosenki_contracts.error_codes import ErrorCode
from sosenki_platform.errors import BadRequest, Conflict


def check_charge(
    list_id: int,
    finalised_expense_id: int | None,
    item_id: int | None,
    charged_items: Mapping[int, int],
) -> None:
    """Conflict when the list, or the one item, has already been charged.

    ``charged_items``: item id → the live single-item expense that charged it."""
    if finalised_expense_id is not None:
        raise Conflict(
            f"List {list_id} has already been finalised into expense {finalised_expense_id}",
            ErrorCode.LIST_FINALISED,
        )
    if item_id is not None and item_id in charged_items:
        raise Conflict(
            f"Item {item_id} has already been charged by expense {charged_items[item_id]}",
            ErrorCode.LIST_FINALISED,
        )


def check_split_type_change(before: str, after: str) -> None:
    if (before == "ITEM_BASED") != (after == "ITEM_BASED"):
        raise BadRequest(
            f"An expense cannot change from {before} to {after}: ITEM_BASED expenses charge "
            "list items; delete the expense and record it again"
        )
