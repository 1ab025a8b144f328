"""Expenses, their history, and the payments against one split."""

from __future__ import annotations

from datetime import date

from sosenki_contracts.error_codes import ErrorCode
from sosenki_platform.errors import BadRequest, NotFound
from sosenki_platform.use_case import Caller

from splits import access, views
from splits.repository import Repository
from splits.snapshots import ExpenseView


async def get_expense(repo: Repository, caller: Caller, expense_id: int) -> views.ExpenseOut:
    return views.expense_out(await access.expense(repo, caller, expense_id))


async def list_expenses(
    repo: Repository,
    caller: Caller,
    *,
    group_id: int | None,
    list_id: int | None,
    paid_by: int | None,
    start_date: date | None,
    end_date: date | None,
    is_recurring: bool | None,
    include_deleted: bool,
    limit: int,
    offset: int,
) -> views.ExpenseList:
    """The expenses the caller sees (their groups'; outside any group, those they paid, share or
    own the list of), newest first."""
    if group_id is not None:
        await access.require_group(repo, caller, group_id)
    if list_id is not None:
        await access.shopping_list(repo, caller, list_id)
    if start_date and end_date and end_date < start_date:
        raise BadRequest("end_date must not be before start_date", ErrorCode.BAD_REQUEST)
    rows, total = await repo.list_expenses(
        visible_to=caller.user_id,
        visible_groups=await access.visible_group_ids(repo, caller),
        group_id=group_id,
        list_id=list_id,
        paid_by=paid_by,
        start_date=start_date,
        end_date=end_date,
        is_recurring=is_recurring,
        include_deleted=include_deleted,
        limit=limit,
        offset=offset,
    )
    ids = [r.id for r in rows]
    payers, splits = await repo.payers_of(ids), await repo.splits_of(ids)
    return views.ExpenseList(
        expenses=[views.expense_out(ExpenseView(r, payers[r.id], splits[r.id])) for r in rows],
        total=total,
        limit=limit,
        offset=offset,
    )


async def history(repo: Repository, caller: Caller, expense_id: int) -> list[views.HistoryEntryOut]:
    await access.expense(repo, caller, expense_id)
    return [views.history_out(h) for h in await repo.history_of(expense_id)]


async def split_activities(
    repo: Repository, caller: Caller, split_id: int
) -> list[views.SettlementActivityOut]:
    split = await repo.get_split(split_id)
    if split is None:
        raise NotFound("Expense split not found", ErrorCode.SPLIT_NOT_FOUND)
    view = await access.expense(repo, caller, split.expense_id)
    currency = view.row.currency
    return [views.activity_out(a, currency) for a in await repo.activities_of(split_id)]
