"""A group's balances with its settle-up plan, and a list's cost summary; amounts in the group's
(or the list's) currency.

- Balance (``domain/balances.py``): net = paid − share + settlements paid − settlements received;
  deleted expenses and settlements do not count. Every line is read in one statement (one
  snapshot), so the balances always sum to zero.
- Settle-up plan: ``sosenki_contracts.settle_up`` (the same code reporting uses).
- A list's cost (``domain/cost_summary.py``): before finalising, from its items not charged on
  their own; once finalised, from the charging expense's splits.
"""

from __future__ import annotations

from decimal import Decimal

from sosenki_contracts.money import format_amount
from sosenki_contracts.settle_up import plan_settle_up
from sosenki_platform.use_case import Caller

from splits import access, views
from splits.domain.balances import group_balances
from splits.domain.cost_summary import cost_summary
from splits.repository import Repository


async def balance_summary(
    repo: Repository, caller: Caller, group_id: int
) -> views.GroupBalanceSummaryOut:
    group = await access.require_group(repo, caller, group_id)
    paid, owed, transfers = await repo.group_lines(group_id)
    balances = group_balances(await access.member_ids(repo, group_id), paid, owed, transfers)
    plan = plan_settle_up({b.user_id: b.net_balance for b in balances})
    cur = group.base_currency

    def shown(amount: Decimal) -> str:
        return format_amount(amount, cur)

    return views.GroupBalanceSummaryOut(
        group_id=group.id,
        group_name=group.name,
        currency=cur,
        user_balances=[
            views.UserBalanceOut(
                user_id=b.user_id,
                total_paid_for_expenses=shown(b.total_paid_for_expenses),
                total_share_of_expenses=shown(b.total_share_of_expenses),
                total_settlements_paid=shown(b.total_settlements_paid),
                total_settlements_received=shown(b.total_settlements_received),
                net_balance=shown(b.net_balance),
            )
            for b in balances
        ],
        suggested_settlements=[
            views.SuggestedSettlementOut(
                from_user_id=t.from_user_id, to_user_id=t.to_user_id, amount=shown(t.amount)
            )
            for t in plan
        ],
    )


async def list_cost_summary(
    repo: Repository, caller: Caller, list_id: int
) -> views.ListCostSummaryOut:
    lst = await access.shopping_list(repo, caller, list_id)
    cur = lst.currency
    if lst.group_id is not None:
        participants = await access.member_ids(repo, lst.group_id)
    else:
        participants = [lst.owner_user_id] if lst.owner_user_id is not None else []
    expense_id = lst.finalised_expense_id
    added: dict[int, Decimal] = {}
    if expense_id is not None:
        # Finalised: the snapshot of the expense, not the (frozen) items.
        for split in (await repo.splits_of([expense_id]))[expense_id]:
            added[split.user_id] = Decimal(split.owed_amount)
    else:
        # What finalising would charge: items charged on their own are left out.
        charged = await repo.charged_items(list_id)
        for item in await repo.list_items(list_id):
            if item.id in charged:
                continue
            if item.price is not None and item.added_by is not None:
                added[item.added_by] = added.get(item.added_by, Decimal(0)) + Decimal(item.price)
    summary = cost_summary(participants, added, cur)

    def shown(amount: Decimal) -> str:
        return format_amount(amount, cur)

    return views.ListCostSummaryOut(
        list_id=lst.id,
        list_name=lst.name,
        currency=cur,
        total_list_cost=shown(summary.total_list_cost),
        num_participating_users=len(summary.users),
        equal_share_per_user=shown(summary.equal_share_per_user),
        user_balances=[
            views.UserCostOut(
                user_id=u.user_id,
                items_added_value=shown(u.items_added_value),
                amount_due=shown(u.amount_due),
                balance=shown(u.balance),
            )
            for u in summary.users
        ],
        expense_id=expense_id,
    )
