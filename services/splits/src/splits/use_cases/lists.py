"""Shopping lists and their items, and finalising a list's cost into one expense.

A group's list is its members' and uses the group's currency; a personal list is its owner's.
Items of a finalised list are frozen until the charging expense is deleted
(``domain/list_charge.py``: a list is charged once).
"""

from __future__ import annotations

from decimal import Decimal

from sosenki_contracts import topics
from sosenki_contracts.commands import splits as c
from sosenki_contracts.error_codes import ErrorCode
from sosenki_contracts.events import splits as ev
from sosenki_platform.errors import BadRequest, Conflict, NotFound

from splits import access
from splits.domain.splitting import check_amount
from splits.repository import Record
from splits.snapshots import ExpenseView, aggregate, item_snapshot
from splits.use_cases import SplitsContext
from splits.use_cases.expenses import create_expense


async def create_list(command: c.CreateList, ctx: SplitsContext) -> Record:
    name, group_id, currency = command.name, command.group_id, command.currency
    if not name.strip():
        raise BadRequest("List name must not be empty", ErrorCode.NAME_EMPTY)
    if group_id is not None:
        group = await access.require_group(ctx.repo, ctx.caller, group_id)
        if currency is not None and currency != group.base_currency:
            raise BadRequest(
                f"A group's list uses the group's currency ({group.base_currency})",
                ErrorCode.CURRENCY_MISMATCH,
            )
        currency = group.base_currency
        owner = ctx.caller.user_id
    else:
        owner = access.me(ctx.caller)
    row = await ctx.repo.add_list(
        {
            "group_id": group_id,
            "name": name.strip(),
            "description": command.description,
            "owner_user_id": owner,
            "currency": currency or c.DEFAULT_CURRENCY,
            "created_by": ctx.caller.actor.id,
        }
    )
    await ctx.publish(
        topics.SPLITS_EVENTS,
        aggregate(group_id, row.id),
        ev.ListCreated(
            list_id=row.id,
            group_id=group_id,
            name=row.name,
            description=command.description,
            owner_user_id=owner,
            currency=row.currency,
        ),
    )
    return row


async def _check_item_fields(
    ctx: SplitsContext, lst: Record, price: Decimal | None, assigned_to: int | None
) -> None:
    if lst.finalised_expense_id is not None:
        raise Conflict(
            f"List {lst.id} has been finalised into expense {lst.finalised_expense_id}",
            ErrorCode.LIST_FINALISED,
        )
    if price is not None:
        check_amount(price, lst.currency, "price")
    if assigned_to is not None and lst.group_id is not None:
        if assigned_to not in await access.member_ids(ctx.repo, lst.group_id):
            raise BadRequest(
                f"User {assigned_to} is not a member of group {lst.group_id}",
                ErrorCode.NOT_A_MEMBER,
            )


async def add_item(command: c.AddItem, ctx: SplitsContext) -> tuple[Record, Record]:
    """The item and its list."""
    lst = await access.shopping_list(ctx.repo, ctx.caller, command.list_id, for_update=True)
    if not command.name.strip():
        raise BadRequest("Item name must not be empty", ErrorCode.NAME_EMPTY)
    await _check_item_fields(ctx, lst, command.price, command.assigned_to)
    item = await ctx.repo.add_item(
        {
            "list_id": lst.id,
            "name": command.name.strip(),
            "price": command.price,
            "quantity": command.quantity,
            "added_by": ctx.caller.user_id,
            "assigned_to": command.assigned_to,
        }
    )
    added = ev.ItemAdded(**dict(item_snapshot(item, lst)))
    await ctx.publish(topics.SPLITS_EVENTS, aggregate(lst.group_id, lst.id), added)
    return item, lst


async def _item(ctx: SplitsContext, item_id: int, list_id: int | None) -> tuple[Record, Record]:
    """A live item the caller may change (on ``list_id`` when given), and its locked list."""
    item = await ctx.repo.get_item(item_id)
    if item is None or (list_id is not None and item.list_id != list_id):
        raise NotFound("Item not found", ErrorCode.ITEM_NOT_FOUND)
    return item, await access.shopping_list(ctx.repo, ctx.caller, item.list_id, for_update=True)


async def update_item(command: c.UpdateItem, ctx: SplitsContext) -> tuple[Record, Record]:
    """Only the fields present change (``price: null`` clears the price)."""
    item, lst = await _item(ctx, command.item_id, command.list_id)
    changes = command.model_dump(exclude_unset=True, exclude={"item_id", "list_id"})
    await _check_item_fields(ctx, lst, changes.get("price"), changes.get("assigned_to"))
    if "name" in changes:
        if changes["name"] is None or not str(changes["name"]).strip():
            raise BadRequest("Item name must not be empty", ErrorCode.NAME_EMPTY)
        changes["name"] = str(changes["name"]).strip()
    if "quantity" in changes and changes["quantity"] is None:
        raise BadRequest("quantity must be at least 1")
    after = await ctx.repo.update_item(item.id, changes) if changes else item
    await ctx.publish(
        topics.SPLITS_EVENTS,
        aggregate(lst.group_id, lst.id),
        ev.ItemUpdated(
            item_id=item.id,
            list_id=lst.id,
            group_id=lst.group_id,
            before=item_snapshot(item, lst),
            after=item_snapshot(after, lst),
        ),
    )
    return after, lst


async def remove_item(command: c.RemoveItem, ctx: SplitsContext) -> None:
    item, lst = await _item(ctx, command.item_id, command.list_id)
    await _check_item_fields(ctx, lst, None, None)
    await ctx.repo.update_item(item.id, {"removed_at": ctx.clock.now()})
    removed = ev.ItemRemoved(**dict(item_snapshot(item, lst)))
    await ctx.publish(topics.SPLITS_EVENTS, aggregate(lst.group_id, lst.id), removed)


async def finalise_list(command: c.FinaliseListCost, ctx: SplitsContext) -> ExpenseView:
    """The list's priced items become one ``ITEM_BASED`` expense, once."""
    # The list row lock makes "once" hold under concurrent requests.
    lst = await access.shopping_list(ctx.repo, ctx.caller, command.list_id, for_update=True)
    if lst.finalised_expense_id is not None:
        raise Conflict(
            f"List {lst.id} has already been finalised into expense {lst.finalised_expense_id}",
            ErrorCode.LIST_FINALISED,
        )
    expense = c.CreateExpense(
        description=command.description or f"Items of list {lst.name}",
        split_type="ITEM_BASED",
        list_id=lst.id,
        group_id=lst.group_id,
        paid_by_user_id=command.paid_by_user_id,
        expense_date=command.expense_date,
    )
    return await create_expense(expense, ctx)  # which finalises the list
