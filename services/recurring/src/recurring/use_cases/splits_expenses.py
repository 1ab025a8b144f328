"""Splits expenses marked as recurring: splits asks (an event), recurring makes the pattern. The
expense itself is occurrence 1, so ``max_occurrences`` counts it."""

from __future__ import annotations

from sosenki_contracts.commands.recurring import (
    CancelPattern,
    PatternDefinition,
    SplitsExpenseTarget,
)
from sosenki_contracts.events.splits import RecurringExpenseRequested

from recurring.domain.schedule import WEEKDAYS
from recurring.use_cases.patterns import cancel, create
from recurring.use_cases.snapshots import ACTIVE, PAUSED
from recurring.use_cases.store import Ctx, Record


async def repeat_splits_expense(
    request: RecurringExpenseRequested, timezone: str, ctx: Ctx
) -> Record | None:
    """A pattern for the expense; None if it has one already (the request came again)."""
    source = f"splits:{request.template_expense_id}"
    if await ctx.repo.get_by_source(source) is not None:
        return None
    r = request.recurrence
    definition = PatternDefinition(
        name=request.expense.description,
        frequency=r.type.upper(),
        interval=r.interval,
        days_of_week=(
            [WEEKDAYS[d] if 0 <= d <= 6 else str(d) for d in r.days_of_week]
            if r.days_of_week is not None
            else None
        ),
        start_date=request.start_date,
        timezone=timezone,
        end_date=r.end_date,
        max_occurrences=r.max_occurrences,
        target=SplitsExpenseTarget(template_expense_id=request.template_expense_id),
    )
    return await create(definition, ctx, source=source, first_is_template=True)


async def cancel_splits_expense(template_expense_id: int, reason: str | None, ctx: Ctx) -> None:
    row = await ctx.repo.get_by_source(f"splits:{template_expense_id}", for_update=True)
    if row is not None and row.status in (ACTIVE, PAUSED):
        # The reason is splits' own, already checked there: passed on as it came.
        await cancel(CancelPattern.model_construct(pattern_id=row.id, reason=reason), ctx)
