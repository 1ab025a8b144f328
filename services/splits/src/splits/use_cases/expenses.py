"""Recording, changing and deleting an expense, and a recurring expense's occurrences.

- Record: in a group (its members) or on a list; the split type decides the shares
  (``domain/splitting.py``); an ``ITEM_BASED`` expense charges list items once
  (``domain/list_charge.py``); a recurring one asks the recurring service for occurrences.
- Change: only a payer or a group owner, and only the ``version`` they saw (409 naming the current
  one); changing the money recomputes the splits, keeping payments made (``expense_money.py``);
  currency and rate are fixed once paid towards (``domain/currency_change.py``).
- Delete: a reversal; the row stays, leaves every balance, and its history keeps every version.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from sosenki_contracts import topics
from sosenki_contracts.commands import splits as c
from sosenki_contracts.error_codes import ErrorCode
from sosenki_contracts.events import splits as ev
from sosenki_platform.access_policy import GroupAction
from sosenki_platform.errors import BadRequest, Conflict, Forbidden

from splits import access
from splits.domain.currency_change import check_currency_change
from splits.domain.list_charge import check_charge, check_split_type_change
from splits.domain.recurrence import check_recurrence
from splits.domain.splitting import (
    Participant,
    SplitType,
    check_amount,
    compute_shares,
    resolve_payers,
    to_base,
)
from splits.snapshots import ExpenseView, aggregate
from splits.use_cases import SplitsContext
from splits.use_cases.expense_money import (
    ZERO,
    expense_context,
    participants,
    payer_lines,
    priced_lines,
    write_money,
)


async def _reread(ctx: SplitsContext, expense_id: int) -> ExpenseView:
    row = await ctx.repo.get_expense(expense_id)
    assert row is not None
    return await access.view_of(ctx.repo, row)


async def _record_history(
    ctx: SplitsContext, view: ExpenseView, action: str, reason: str | None
) -> ev.ExpenseSnapshot:
    snapshot = view.snapshot()
    await ctx.repo.add_history(
        {
            "expense_id": view.row.id,
            "version": view.row.version,
            "action": action,
            "snapshot": snapshot.model_dump(mode="json"),
            "reason": reason,
            "actor": ctx.caller.actor.id,
        }
    )
    return snapshot


async def create_expense(
    command: c.CreateExpense, ctx: SplitsContext, *, template_expense_id: int | None = None
) -> ExpenseView:
    repo = ctx.repo
    group, lst, item = await expense_context(
        ctx, command.group_id, command.list_id, command.item_id
    )
    members: list[int] | None = None
    if group is not None:
        members = await access.member_ids(repo, group.id)
        base_currency: str = group.base_currency
    else:
        assert lst is not None  # no group: a personal list's expense, in the list's currency
        base_currency = lst.currency
        owner = lst.owner_user_id
    currency = command.currency or base_currency
    split_type = SplitType(command.split_type)
    expense_date = command.expense_date or ctx.today()
    check_recurrence(command.is_recurring, command.recurrence, expense_date)

    lines: dict[int, Decimal] | None = None
    total = command.total_amount
    if split_type is SplitType.ITEM_BASED:
        if currency != base_currency:
            raise BadRequest(
                f"ITEM_BASED expenses are in the list's currency ({base_currency})",
                ErrorCode.CURRENCY_MISMATCH,
            )
        if lst is not None:
            # The list row lock makes "charged once" hold under concurrent requests.
            lst = await access.shopping_list(repo, ctx.caller, lst.id, for_update=True)
            check_charge(
                lst.id,
                lst.finalised_expense_id,
                item.id if item is not None else None,
                await repo.charged_items(lst.id),
            )
        lines = await priced_lines(repo, lst, item)
        if total is None:
            total = sum(lines.values(), ZERO)
    if total is None:
        raise BadRequest("total_amount is required", ErrorCode.SPLIT_INVALID)
    check_amount(total, currency, "total_amount")

    people = participants(command.splits_in)
    if command.splits_in is None and split_type is SplitType.EQUAL:
        default = members if members is not None else [owner]
        people = [Participant(u) for u in default if u is not None]
    shares = compute_shares(total, currency, split_type, people, members=members, item_lines=lines)
    paid_by = command.paid_by_user_id
    if command.payers is None and paid_by is None:
        paid_by = access.me(ctx.caller)
    payers = resolve_payers(
        total,
        currency,
        paid_by_user_id=paid_by,
        payers=payer_lines(command.payers),
        members=members,
    )
    base_total = to_base(total, currency, base_currency, command.exchange_rate)
    row = await repo.add_expense(
        {
            "group_id": group.id if group is not None else None,
            "list_id": lst.id if lst is not None else None,
            "item_id": item.id if item is not None else None,
            "description": command.description.strip(),
            "category": command.category,
            "notes": command.notes,
            "expense_date": expense_date,
            "total_amount": total,
            "currency": currency,
            "exchange_rate": command.exchange_rate,
            "base_currency": base_currency,
            "base_total_amount": base_total,
            "split_type": split_type.value,
            "is_recurring": command.is_recurring,
            "recurrence": (
                command.recurrence.model_dump(mode="json") if command.recurrence else None
            ),
            "template_expense_id": template_expense_id,
            "created_by": ctx.caller.actor.id,
        }
    )
    await write_money(repo, row, shares, payers, base_total, activity={})
    if split_type is SplitType.ITEM_BASED and item is None and lst is not None:
        await repo.set_list_finalised(lst.id, row.id)
    view = await _reread(ctx, row.id)
    snapshot = await _record_history(ctx, view, "created", None)
    key = aggregate(row.group_id, row.list_id)
    await ctx.publish(topics.SPLITS_EVENTS, key, ev.ExpenseRecorded(**dict(snapshot)))
    if command.is_recurring and command.recurrence is not None:
        await ctx.publish(
            topics.SPLITS_EVENTS,
            key,
            ev.RecurringExpenseRequested(
                template_expense_id=row.id,
                group_id=row.group_id,
                list_id=row.list_id,
                start_date=expense_date,
                recurrence=command.recurrence,
                expense=snapshot,
            ),
        )
    return view


async def _writable(ctx: SplitsContext, expense_id: int, version: int) -> ExpenseView:
    """Lock the expense; only a payer or a group owner may change it, and only the version they
    saw. The lock also keeps payments out while its money changes."""
    view = await access.expense(ctx.repo, ctx.caller, expense_id, for_update=True)
    row = view.row
    uid = ctx.caller.user_id
    is_payer = uid is not None and any(p.user_id == uid for p in view.payers)
    refused = "Only the payer or an owner of the group may change this expense"
    if row.group_id is not None:
        await access.require_group(
            ctx.repo,
            ctx.caller,
            row.group_id,
            GroupAction.CHANGE,
            involved=is_payer,
            refused=refused,
        )
    elif not is_payer and not ctx.caller.privileged:
        raise Forbidden(refused, ErrorCode.NOT_INVOLVED)
    if row.deleted_at is not None:
        raise Conflict(f"Expense {expense_id} has been deleted", ErrorCode.ALREADY_DELETED)
    if version != row.version:
        raise Conflict(
            f"Expense {expense_id} has changed since version {version}: the current version "
            f"is {row.version}",
            ErrorCode.VERSION_STALE,
        )
    return view


MONEY_FIELDS = frozenset(
    {
        "total_amount",
        "currency",
        "exchange_rate",
        "split_type",
        "splits_in",
        "payers",
        "paid_by_user_id",
    }
)


async def update_expense(command: c.UpdateExpense, ctx: SplitsContext) -> ExpenseView:
    view = await _writable(ctx, command.expense_id, command.version)
    row = view.row
    before = view.snapshot()
    given = command.model_fields_set
    changes: dict[str, Any] = {}
    if "description" in given:
        if command.description is None or not command.description.strip():
            raise BadRequest("description must not be empty", ErrorCode.NAME_EMPTY)
        changes["description"] = command.description.strip()
    for name in ("category", "notes"):
        if name in given:
            changes[name] = getattr(command, name)
    if "expense_date" in given:
        if command.expense_date is None:
            raise BadRequest("expense_date must not be null")
        changes["expense_date"] = command.expense_date
    if given & MONEY_FIELDS:
        changes |= await _recompute(ctx, view, command)
    changes |= {"version": row.version + 1, "updated_at": ctx.clock.now()}
    await ctx.repo.update_expense(row.id, changes)
    after = await _reread(ctx, row.id)
    snapshot = await _record_history(ctx, after, "updated", None)
    await ctx.publish(
        topics.SPLITS_EVENTS,
        aggregate(row.group_id, row.list_id),
        ev.ExpenseUpdated(expense_id=row.id, group_id=row.group_id, before=before, after=snapshot),
    )
    return after


async def _recompute(
    ctx: SplitsContext, view: ExpenseView, command: c.UpdateExpense
) -> dict[str, Any]:
    """New money of an expense (changing the amount recomputes the splits)."""
    repo, row, given = ctx.repo, view.row, command.model_fields_set
    split_type = SplitType(command.split_type or row.split_type)
    check_split_type_change(row.split_type, split_type.value)
    currency = command.currency or row.currency
    if "exchange_rate" in given:
        rate = command.exchange_rate
    else:
        rate = row.exchange_rate if currency == row.currency else None
    activity = await repo.activity_totals(row.id)
    check_currency_change(
        row.id, (row.currency, row.exchange_rate), (currency, rate), bool(activity)
    )
    members = await access.member_ids(repo, row.group_id) if row.group_id is not None else None
    lines = None
    total = command.total_amount if command.total_amount is not None else Decimal(row.total_amount)
    if split_type is SplitType.ITEM_BASED:
        if currency != row.base_currency:
            raise BadRequest(
                f"ITEM_BASED expenses are in the list's currency ({currency})",
                ErrorCode.CURRENCY_MISMATCH,
            )
        lst = await repo.get_list(row.list_id) if row.list_id is not None else None
        item = await repo.get_item(row.item_id) if row.item_id is not None else None
        lines = await priced_lines(repo, lst, item)
        if command.total_amount is None:
            total = sum(lines.values(), ZERO)
    check_amount(total, currency, "total_amount")
    if "splits_in" in given:
        people = participants(command.splits_in)
    elif split_type is SplitType.ITEM_BASED:
        people = []
    else:
        people = [
            Participant(
                s.user_id,
                Decimal(s.owed_amount).normalize() if s.owed_amount is not None else None,
                s.share_percentage,
                s.share_units,
            )
            for s in view.splits
        ]
    shares = compute_shares(total, currency, split_type, people, members=members, item_lines=lines)
    if "payers" in given or "paid_by_user_id" in given:
        lines_in, paid_by = payer_lines(command.payers), command.paid_by_user_id
    elif len(view.payers) == 1:
        lines_in, paid_by = None, view.payers[0].user_id
    else:
        lines_in, paid_by = [(p.user_id, Decimal(p.amount)) for p in view.payers], None
    payers = resolve_payers(
        total, currency, paid_by_user_id=paid_by, payers=lines_in, members=members
    )
    base_total = to_base(total, currency, row.base_currency, rate)
    await write_money(repo, row, shares, payers, base_total, activity=activity)
    return {
        "split_type": split_type.value,
        "currency": currency,
        "exchange_rate": rate,
        "total_amount": total,
        "base_total_amount": base_total,
    }


async def delete_expense(command: c.DeleteExpense, ctx: SplitsContext) -> ExpenseView:
    """A reversal: the expense stays, marked deleted, out of every balance; its history keeps
    every version. Payments already made stay: they were real transfers."""
    view = await _writable(ctx, command.expense_id, command.version)
    row, reason = view.row, command.reason
    before = view.snapshot()
    if row.list_id is not None:
        lst = await ctx.repo.get_list(row.list_id, for_update=True)
        if lst is not None and lst.finalised_expense_id == row.id:
            # The list's charge is reversed: the list opens again (domain/list_charge.py).
            await ctx.repo.set_list_finalised(lst.id, None)
    await ctx.repo.update_expense(
        row.id,
        {
            "deleted_at": ctx.clock.now(),
            "deleted_by": ctx.caller.actor.id,
            "delete_reason": reason,
            "version": row.version + 1,
        },
    )
    after = await _reread(ctx, row.id)
    await _record_history(ctx, after, "deleted", reason)
    key = aggregate(row.group_id, row.list_id)
    await ctx.publish(
        topics.SPLITS_EVENTS,
        key,
        ev.ExpenseDeleted(
            expense_id=row.id,
            group_id=row.group_id,
            version=after.row.version,
            reason=reason,
            before=before,
        ),
    )
    if row.is_recurring:
        await ctx.publish(
            topics.SPLITS_EVENTS,
            key,
            ev.RecurringExpenseCancelled(
                template_expense_id=row.id, group_id=row.group_id, reason=reason
            ),
        )
    return after
