"""An expense: dated inside its period (``domain/expense_dates.py``), allocated among the owners
active on that date with the shares then in force, by the chosen strategy
(``domain/allocation.py``); the lines sum exactly to the amount."""

from __future__ import annotations

from typing import Any

from sosenki_contracts.commands import ledger as c
from sosenki_contracts.error_codes import ErrorCode
from sosenki_contracts.money import minor_units
from sosenki_platform.errors import BadRequest

from ledger.domain.allocation import AllocationStrategy, allocate_expense
from ledger.domain.expense_dates import expense_date
from ledger.domain.meters import MeterType
from ledger.ports import Ctx
from ledger.use_cases import access
from ledger.use_cases.entries import check_amount, open_period_for, post_expense
from ledger.use_cases.meters import usage_by_owner


async def record_expense(command: c.RecordExpense, ctx: Ctx) -> Any:
    strategy = access.choice(AllocationStrategy, command.allocation_strategy, "allocation_strategy")
    meter_type = (
        access.choice(MeterType, command.meter_type, "meter_type") if command.meter_type else None
    )
    period, currency = await open_period_for(ctx, command.period_id, "expenses")
    when = expense_date(period, command.date, ctx.clock.now())
    check_amount(command.amount, currency, "Expense")
    if not command.payment_type.strip():
        raise BadRequest("payment_type must not be empty", ErrorCode.NAME_EMPTY)
    if command.paid_by_owner_id is not None:
        await access.require_owner(ctx, period.community_id, command.paid_by_owner_id)
    # Shares as they were on the expense's date (a share change applies from its date on).
    active = await ctx.repo.shares_on(period.community_id, when.date())
    subset = command.owner_ids
    if subset is not None:
        unknown = sorted(set(subset) - set(active))
        if unknown:
            raise BadRequest(
                f"Not active owners of this community: {unknown}", ErrorCode.OWNER_NOT_FOUND
            )
        if len(set(subset)) != len(subset):
            raise BadRequest("owner_ids must not repeat")
        active = {o: active[o] for o in subset}
    usage = None
    if strategy is AllocationStrategy.USAGE_BASED:
        if meter_type is None:
            raise BadRequest(
                "USAGE_BASED allocation needs a meter_type", ErrorCode.METER_TYPE_REQUIRED
            )
        usage = await usage_by_owner(ctx, period, meter_type.value)
    lines = allocate_expense(
        command.amount,
        strategy,
        shares=active,
        consumption=usage,
        minor_units=minor_units(currency),
    )
    return await post_expense(
        ctx,
        period,
        currency,
        {
            "paid_by_owner_id": command.paid_by_owner_id,
            "amount": command.amount,
            "payment_type": command.payment_type.strip(),
            "vendor": command.vendor,
            "description": command.description,
            "allocation_strategy": strategy.value,
            "date": when,
        },
        lines,
    )
