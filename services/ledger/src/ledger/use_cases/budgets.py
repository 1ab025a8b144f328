"""Budgets: a planned amount per category (matching expenses' ``payment_type``); applying an item
turns it into per-owner service charges, once."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from sosenki_contracts.commands import ledger as c
from sosenki_contracts.error_codes import ErrorCode
from sosenki_contracts.events import ledger as ev
from sosenki_contracts.money import minor_units, quantize
from sosenki_platform.errors import BadRequest, Conflict, NotFound

from ledger.domain.allocation import AllocationStrategy, allocate_expense
from ledger.domain.meters import MeterType
from ledger.ports import Ctx
from ledger.use_cases import access
from ledger.use_cases.entries import check_amount, open_period_for, post_charge, publish
from ledger.use_cases.meters import usage_by_owner


async def create_budget_item(command: c.CreateBudgetItem, ctx: Ctx) -> Any:
    strategy = access.choice(AllocationStrategy, command.allocation_strategy, "allocation_strategy")
    meter_type = (
        access.choice(MeterType, command.meter_type, "meter_type") if command.meter_type else None
    )
    period, currency = await open_period_for(ctx, command.period_id, "budget items")
    check_amount(command.planned_amount, currency, "Planned")
    if not command.category.strip():
        raise BadRequest("Budget category must not be empty", ErrorCode.NAME_EMPTY)
    if strategy is AllocationStrategy.USAGE_BASED and meter_type is None:
        raise BadRequest("USAGE_BASED allocation needs a meter_type", ErrorCode.METER_TYPE_REQUIRED)
    row = await ctx.repo.add_budget_item(
        period,
        {
            "category": command.category.strip(),
            "planned_amount": command.planned_amount,
            "currency": currency,
            "allocation_strategy": strategy.value,
            "meter_type": meter_type.value if meter_type else None,
            "description": command.description,
            "created_by": ctx.caller.actor.id,
        },
    )
    await publish(
        ctx,
        period.community_id,
        ev.BudgetItemCreated(
            community_id=period.community_id,
            period_id=period.id,
            budget_item_id=row.id,
            category=row.category,
            planned_amount=quantize(command.planned_amount, currency),
            currency=currency,
            allocation_strategy=strategy.value,
        ),
    )
    return row


async def apply_budget_item(command: c.ApplyBudgetItem, ctx: Ctx) -> list[Any]:
    """Turn a budget item into per-owner service charges, once."""
    period, currency = await open_period_for(ctx, command.period_id, "charges")
    item = await ctx.repo.get_budget_item(period.id, command.budget_item_id)
    if item is None:
        raise NotFound("Budget item not found", ErrorCode.BUDGET_ITEM_NOT_FOUND)
    if item.applied_at is not None:
        raise Conflict(
            f"Budget item {command.budget_item_id} has already been applied",
            ErrorCode.ALREADY_APPLIED,
        )
    strategy = AllocationStrategy(item.allocation_strategy)
    if strategy is AllocationStrategy.NONE:
        raise BadRequest(
            "A budget item allocated NONE is paid from the fund: nothing to charge",
            ErrorCode.NO_OWNERS,
        )
    usage = None
    if strategy is AllocationStrategy.USAGE_BASED:
        usage = await usage_by_owner(ctx, period, item.meter_type)
    shares = await ctx.repo.shares_on(period.community_id, period.start_date)
    lines = allocate_expense(
        Decimal(item.planned_amount),
        strategy,
        shares=shares,
        consumption=usage,
        minor_units=minor_units(currency),
    )
    charges = [
        await post_charge(
            ctx,
            period,
            currency,
            {"owner_id": owner, "amount": amount, "description": f"Budget: {item.category}"},
        )
        for owner, amount in lines.items()
        if amount > 0
    ]
    await ctx.repo.mark_budget_item_applied(item.id, ctx.clock.now())
    await publish(
        ctx,
        period.community_id,
        ev.BudgetItemApplied(
            community_id=period.community_id,
            period_id=period.id,
            budget_item_id=item.id,
            charge_ids=[charge.id for charge in charges],
        ),
    )
    return charges
