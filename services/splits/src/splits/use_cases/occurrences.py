"""A recurring expense's occurrence (sent by the recurring service): an ordinary expense linked to
its template, one per template and date. People who left the group since are dropped or refuse it
(``domain/occurrence_participants.py``); an ``ITEM_BASED`` template repeats its amounts."""

from __future__ import annotations

from decimal import Decimal

from sosenki_contracts.commands import splits as c
from sosenki_contracts.error_codes import ErrorCode
from sosenki_platform.errors import Conflict

from splits import access
from splits.domain.occurrence_participants import occurrence_participants
from splits.domain.splitting import SplitType
from splits.snapshots import ExpenseView
from splits.use_cases import SplitsContext
from splits.use_cases.expenses import create_expense


async def create_occurrence(command: c.CreateExpenseOccurrence, ctx: SplitsContext) -> ExpenseView:
    """An occurrence of a recurring expense: an ordinary expense linked to its template."""
    template_id, on = command.template_expense_id, command.occurrence_date
    view = await access.expense(ctx.repo, ctx.caller, template_id, for_update=True)
    t = view.row
    if not t.is_recurring:
        raise Conflict(f"Expense {template_id} is not recurring", ErrorCode.NOT_RECURRING)
    if t.deleted_at is not None:
        raise Conflict(f"Recurring expense {template_id} has been deleted", ErrorCode.NOT_RECURRING)
    if await ctx.repo.occurrence_exists(t.id, on):
        raise Conflict(
            f"Expense {template_id} already has an occurrence on {on}", ErrorCode.ALREADY_EXISTS
        )
    split_type = SplitType(t.split_type)
    splits = list(view.splits)
    if t.group_id is not None:
        # People who left since: dropped or refused (domain/occurrence_participants.py).
        staying = occurrence_participants(
            t.id,
            t.group_id,
            split_type.value,
            [s.user_id for s in splits],
            [p.user_id for p in view.payers],
            await access.member_ids(ctx.repo, t.group_id),
        )
        splits = [s for s in splits if s.user_id in staying]
    if split_type is SplitType.ITEM_BASED:
        # The list's items were bought once; later occurrences repeat the same amounts.
        split_type = SplitType.EXACT_AMOUNTS
    body = c.CreateExpense(
        description=t.description,
        total_amount=Decimal(t.total_amount),
        currency=t.currency,
        exchange_rate=t.exchange_rate,
        category=t.category,
        notes=t.notes,
        expense_date=on,
        split_type=split_type.value,
        paid_by_user_id=view.paid_by_user_id,
        payers=(
            None
            if view.paid_by_user_id is not None
            else [c.PayerIn(user_id=p.user_id, amount=Decimal(p.amount)) for p in view.payers]
        ),
        splits_in=[
            c.SplitIn(
                user_id=s.user_id,
                owed_amount=Decimal(s.owed_amount),
                share_percentage=s.share_percentage,
                share_units=s.share_units,
            )
            for s in splits
        ],
        group_id=t.group_id,
        list_id=t.list_id,
    )
    return await create_expense(body, ctx, template_expense_id=t.id)
