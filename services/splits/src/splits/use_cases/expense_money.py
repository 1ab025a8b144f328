"""How an expense's money is computed and written: its splits (``domain/splitting.py``), its
payers, what is already paid on each split (``domain/payments.py``) and its overall status.

Shared by recording an expense and by changing its money; a change keeps the payments already made
towards each split, and a share may not fall below them (the same rule, with the same message, as a
payment beyond the share: ``payments.check_within_share``).
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal

from sosenki_contracts.commands.splits import PayerIn, SplitIn
from sosenki_contracts.error_codes import ErrorCode
from sosenki_platform.errors import BadRequest, NotFound

from splits import access
from splits.domain import payments
from splits.domain.cost_summary import PricedItem, item_lines
from splits.domain.payments import SplitStatus
from splits.domain.splitting import Participant, Share, in_base
from splits.repository import Record, Repository
from splits.use_cases import SplitsContext

ZERO = Decimal(0)


async def expense_context(
    ctx: SplitsContext, group_id: int | None, list_id: int | None, item_id: int | None
) -> tuple[Record | None, Record | None, Record | None]:
    """(group, list, item) of a new expense: at least one of them, consistent, visible."""
    item = lst = group = None
    if item_id is not None:
        item = await ctx.repo.get_item(item_id)
        if item is None:
            raise NotFound("Item not found", ErrorCode.ITEM_NOT_FOUND)
        if list_id is not None and list_id != item.list_id:
            raise BadRequest(f"Item {item_id} is not on list {list_id}")
        list_id = item.list_id
    if list_id is not None:
        lst = await access.shopping_list(ctx.repo, ctx.caller, list_id)
        if group_id is not None and lst.group_id != group_id:
            raise BadRequest(f"List {list_id} does not belong to group {group_id}")
        group_id = lst.group_id
    if group_id is None and lst is None:
        raise BadRequest("An expense needs a group_id or a list_id (or an item_id)")
    if group_id is not None:
        group = await access.require_group(ctx.repo, ctx.caller, group_id)
    return group, lst, item


async def priced_lines(
    repo: Repository, lst: Record | None, item: Record | None
) -> dict[int, Decimal]:
    """Values per user of the items an ITEM_BASED expense charges: the one item, or the list's
    items not already charged by an expense of their own (``domain/list_charge.py``)."""
    if lst is None:
        raise BadRequest("ITEM_BASED needs a list_id or an item_id")
    if item is not None:
        rows = [item]
    else:
        charged = await repo.charged_items(lst.id)
        rows = [r for r in await repo.list_items(lst.id) if r.id not in charged]
    return item_lines(
        PricedItem(r.id, r.price, r.added_by, r.assigned_to) for r in rows if r is not None
    )


def participants(splits_in: Sequence[SplitIn] | None) -> list[Participant]:
    return [
        Participant(s.user_id, s.owed_amount, s.share_percentage, s.share_units)
        for s in splits_in or ()
    ]


def payer_lines(payers: Sequence[PayerIn] | None) -> list[tuple[int, Decimal]] | None:
    return None if payers is None else [(p.user_id, p.amount) for p in payers]


async def write_money(
    repo: Repository,
    row: Record,
    shares: list[Share],
    payers: dict[int, Decimal],
    base_total: Decimal,
    *,
    activity: dict[int, tuple[Decimal, Decimal]],
) -> None:
    """Write payers and splits (keeping split rows of people still in it) and the status.

    ``activity``: split id → what settlement activities already paid, in both currencies. The
    caller holds the expense row lock, so no payment lands meanwhile."""
    base = row.base_currency
    base_owed = in_base(base_total, {s.user_id: s.owed_amount for s in shares}, base)
    base_paid = in_base(base_total, payers, base)
    await repo.set_payers(row.id, {u: (a, base_paid[u]) for u, a in payers.items()})
    existing = {s.user_id: s for s in (await repo.splits_of([row.id]))[row.id]}
    wanted = {s.user_id for s in shares}
    for user_id, split in existing.items():
        if user_id not in wanted:
            payments.check_may_leave(row.id, user_id, paid=split.id in activity)
            await repo.delete_split(split.id)
    statuses: list[SplitStatus] = []
    for share in shares:
        old = existing.get(share.user_id)
        done, base_done = activity.get(old.id, (ZERO, ZERO)) if old is not None else (ZERO, ZERO)
        own = payments.covered(share.owed_amount, payers.get(share.user_id, ZERO))
        if old is not None:
            payments.check_within_share(
                old.id, share.user_id, share.owed_amount, own + done, row.currency
            )
        paid = own + done
        owed_base = base_owed[share.user_id]
        base_own = min(owed_base, base_paid.get(share.user_id, ZERO))
        status = payments.split_status(share.owed_amount, paid)
        statuses.append(status)
        values = {
            "owed_amount": share.owed_amount,
            "base_owed_amount": owed_base,
            "share_percentage": share.share_percentage,
            "share_units": share.share_units,
            "paid_amount": paid,
            "base_paid_amount": owed_base
            if status is SplitStatus.PAID
            else min(owed_base, base_own + base_done),
            "status": status.value,
        }
        if old is not None:
            await repo.update_split(old.id, values)
        else:
            await repo.add_split({"expense_id": row.id, "user_id": share.user_id, **values})
    await repo.update_expense(row.id, {"status": payments.expense_status(statuses).value})
