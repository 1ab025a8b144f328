"""Paying one split of an expense (a settlement activity): by its participant, to a payer of the
expense (``paid_to_user_id`` when there are several); recorded by the participant, that payer or
a group owner.

A split is never paid beyond its share (``domain/payments.py``: ``check_within_share``). It holds
under concurrent payments because this locks the expense row, then the split row, before reading
what is paid: payments on one expense serialise, and so does a change of the expense's money
(``use_cases/expenses.py`` takes the same expense lock).
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from sosenki_contracts import topics
from sosenki_contracts.commands import splits as c
from sosenki_contracts.error_codes import ErrorCode
from sosenki_contracts.events import splits as ev
from sosenki_platform.access_policy import GroupAction
from sosenki_platform.errors import BadRequest, Conflict, Forbidden, NotFound

from splits import access
from splits.domain import payments
from splits.domain.payments import SplitStatus
from splits.domain.splitting import check_amount
from splits.repository import Record
from splits.snapshots import ExpenseView, aggregate, money
from splits.use_cases import SplitsContext


@dataclass(frozen=True)
class Payment:
    """A settlement activity with the split and expense state it left behind."""

    activity: Record
    split: Record
    currency: str
    expense_status: str


def _payee(view: ExpenseView, participant: int, paid_to: int | None) -> int:
    others: list[int] = [p.user_id for p in view.payers if p.user_id != participant]
    if paid_to is not None:
        if paid_to not in others:
            raise BadRequest(
                f"paid_to_user_id must be a payer of expense {view.row.id} other than the "
                f"participant: {others}"
            )
        return paid_to
    if len(others) != 1:
        raise BadRequest(
            f"paid_to_user_id is required: expense {view.row.id} has several payers {others}"
        )
    return others[0]


async def settle_split(command: c.SettleSplit, ctx: SplitsContext) -> Payment:
    repo, amount = ctx.repo, command.amount_paid
    found = await repo.get_split(command.expense_split_id)
    if found is None:
        raise NotFound("Expense split not found", ErrorCode.SPLIT_NOT_FOUND)
    # Lock the expense, then the split: see the module's docstring.
    view = await access.expense(repo, ctx.caller, found.expense_id, for_update=True)
    split = await repo.get_split(found.id, for_update=True)
    assert split is not None
    row = view.row
    if row.deleted_at is not None:
        raise Conflict(f"Expense {row.id} has been deleted", ErrorCode.ALREADY_DELETED)
    if command.paid_by_user_id is not None and command.paid_by_user_id != split.user_id:
        raise BadRequest(
            f"A payment against this split is made by its participant (user {split.user_id})"
        )
    currency = row.currency
    check_amount(amount, currency, "amount_paid")
    owed, paid_before = Decimal(split.owed_amount), Decimal(split.paid_amount)
    payments.check_within_share(split.id, split.user_id, owed, paid_before, currency, paying=amount)
    payee = _payee(view, split.user_id, command.paid_to_user_id)
    involved = ctx.caller.user_id in (split.user_id, payee)
    refused = "Only the participant, the payer or an owner of the group may record this payment"
    if row.group_id is not None:
        await access.require_group(
            repo, ctx.caller, row.group_id, GroupAction.PAY, involved=involved, refused=refused
        )
    elif not involved and not ctx.caller.privileged:
        raise Forbidden(refused, ErrorCode.NOT_INVOLVED)
    paid_after = paid_before + amount
    base_amount = payments.payment_in_base(
        amount,
        owed=owed,
        paid_after=paid_after,
        base_owed=Decimal(split.base_owed_amount),
        base_paid_before=Decimal(split.base_paid_amount),
        exchange_rate=row.exchange_rate,
        base_currency=row.base_currency,
    )
    activity = await repo.add_activity(
        {
            "expense_split_id": split.id,
            "expense_id": row.id,
            "group_id": row.group_id,
            "paid_by_user_id": split.user_id,
            "paid_to_user_id": payee,
            "amount_paid": amount,
            "base_amount": base_amount,
            "created_by": ctx.caller.actor.id,
        }
    )
    status = payments.split_status(owed, paid_after)
    updated = await repo.update_split(
        split.id,
        {
            "paid_amount": paid_after,
            "base_paid_amount": Decimal(split.base_paid_amount) + base_amount,
            "status": status.value,
        },
    )
    statuses = [status if s.id == split.id else SplitStatus(s.status) for s in view.splits]
    overall = payments.expense_status(statuses)
    await repo.update_expense(row.id, {"status": overall.value})
    await ctx.publish(
        topics.SPLITS_EVENTS,
        aggregate(row.group_id, row.list_id),
        ev.SplitSettled(
            settlement_activity_id=activity.id,
            expense_id=row.id,
            expense_split_id=split.id,
            group_id=row.group_id,
            paid_by_user_id=split.user_id,
            paid_to_user_id=payee,
            amount_paid=money(amount, currency),
            currency=currency,
            base_amount=money(base_amount, row.base_currency),
            base_currency=row.base_currency,
            split_owed_amount=money(owed, currency),
            split_paid_amount=money(paid_after, currency),
            split_status=status.value,
            expense_status=overall.value,
            paid_at=activity.paid_at,
        ),
    )
    return Payment(activity, updated, currency, overall.value)
