"""A period's budget items, and planned against actually spent per category."""

from __future__ import annotations

from decimal import Decimal

from sosenki_contracts.money import format_amount

from ledger import views as v
from ledger.ports import Ctx
from ledger.queries import shapes
from ledger.queries.balances import currency_of
from ledger.use_cases import access


async def budget_items(ctx: Ctx, period_id: int) -> list[v.BudgetItemOut]:
    await access.period(ctx, period_id)
    return [shapes.budget_item(r) for r in await ctx.repo.list_budget_items(period_id)]


async def budget_vs_actual(ctx: Ctx, period_id: int) -> v.BudgetVsActualOut:
    """Per category (of budget items and expenses' payment types): planned, spent, remaining."""
    period = await access.period(ctx, period_id)
    planned: dict[str, Decimal] = {}
    for item in await ctx.repo.list_budget_items(period.id):
        planned[item.category] = planned.get(item.category, Decimal(0)) + item.planned_amount
    spent = await ctx.repo.spent_by_category(period.id)
    currency = await currency_of(ctx, period)
    zero = Decimal(0)
    lines = []
    for category in sorted(set(planned) | set(spent)):
        plan, actual = planned.get(category, zero), spent.get(category, zero)
        lines.append(
            v.BudgetLineOut(
                category=category,
                planned=format_amount(plan, currency),
                actual=format_amount(actual, currency),
                remaining=format_amount(plan - actual, currency),
            )
        )
    return v.BudgetVsActualOut(period_id=period_id, currency=currency, categories=lines)
