"""Money posted in a period: an owner sees their own contributions and charges (another's is
403), everyone who reads the community sees its expenses."""

from __future__ import annotations

from typing import Any

from sosenki_contracts.error_codes import ErrorCode
from sosenki_platform.errors import NotFound

from ledger import views as v
from ledger.ports import Ctx
from ledger.queries import shapes
from ledger.use_cases import access


async def contributions(ctx: Ctx, period_id: int, owner_id: int | None) -> list[v.ContributionOut]:
    found = await access.period(ctx, period_id)
    whose = await access.owner_filter(ctx, found.community_id, owner_id)
    return [shapes.contribution(r) for r in await ctx.repo.list_contributions(period_id, whose)]


async def charges(ctx: Ctx, period_id: int, owner_id: int | None) -> list[v.ChargeOut]:
    found = await access.period(ctx, period_id)
    whose = await access.owner_filter(ctx, found.community_id, owner_id)
    return [shapes.charge(r) for r in await ctx.repo.list_charges(period_id, whose)]


async def expense_view(ctx: Ctx, row: Any) -> v.ExpenseOut:
    return shapes.expense(row, (await ctx.repo.allocations_of([row.id]))[row.id])


async def expenses(ctx: Ctx, period_id: int) -> list[v.ExpenseOut]:
    await access.period(ctx, period_id)
    rows = await ctx.repo.list_expenses(period_id)
    allocations = await ctx.repo.allocations_of([r.id for r in rows])
    return [shapes.expense(r, allocations[r.id]) for r in rows]


async def expense(ctx: Ctx, period_id: int, expense_id: int) -> v.ExpenseOut:
    await access.period(ctx, period_id)
    row = await ctx.repo.get_entry("expense", period_id, expense_id)
    if row is None:
        raise NotFound("Expense not found", ErrorCode.ENTRY_NOT_FOUND)
    return await expense_view(ctx, row)
