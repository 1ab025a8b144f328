"""The splits REST API: thin translators into :class:`SharedCosts` calls.

Paths follow the seed document: ``/financials/...`` for expenses, splits and settlements,
``/costs/...`` for summaries; groups and lists live under ``/groups`` and ``/lists``.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request, Response
from sosenki_contracts.bounds import MAX_INT32, Id, ShortDescription, Version
from sosenki_contracts.commands.splits import UpdateExpense
from sosenki_contracts.money import format_amount
from sosenki_platform.auth.dependency import CurrentPrincipal
from sosenki_platform.errors import NotFound
from sosenki_platform.requests import ReadSession, WriteSession, correlation_id, runtime_of
from sqlalchemy import Row

from splits.access import Caller
from splits.api import schemas as s
from splits.shared_costs import ExpenseView, Payment, SharedCosts

router = APIRouter(tags=["splits"])


def _writer(request: Request, session: WriteSession, principal: CurrentPrincipal) -> SharedCosts:
    caller = Caller.from_principal(principal)
    return SharedCosts(runtime_of(request), session, caller, correlation_id=correlation_id(request))


def _reader(request: Request, session: ReadSession, principal: CurrentPrincipal) -> SharedCosts:
    return SharedCosts(runtime_of(request), session, Caller.from_principal(principal))


Writer = Annotated[SharedCosts, Depends(_writer)]
Reader = Annotated[SharedCosts, Depends(_reader)]


def _money(amount: Any, currency: str) -> str:
    return format_amount(Decimal(amount), currency)


# Groups and members
def _member_out(row: Row[Any]) -> s.MemberOut:
    return s.MemberOut(
        user_id=row.user_id, role=row.role, display_name=row.display_name, joined_at=row.joined_at
    )


async def _group_out(costs: SharedCosts, row: Row[Any]) -> s.GroupOut:
    members = await costs.repo.list_members(row.id)
    return s.GroupOut(
        id=row.id,
        name=row.name,
        description=row.description,
        base_currency=row.base_currency,
        created_by=row.created_by,
        created_at=row.created_at,
        members=[_member_out(m) for m in members],
    )


@router.post("/groups", status_code=201, response_model=s.GroupOut)
async def create_group(body: s.GroupIn, costs: Writer) -> Any:
    row = await costs.create_group(body.name, body.base_currency, body.description)
    return await _group_out(costs, row)


@router.get("/groups", response_model=list[s.GroupOut])
async def list_groups(costs: Reader) -> Any:
    return [await _group_out(costs, g) for g in await costs.visible_groups()]


@router.get("/groups/{group_id}", response_model=s.GroupOut)
async def get_group(group_id: Id, costs: Reader) -> Any:
    return await _group_out(costs, await costs.require_member(group_id))


@router.post("/groups/{group_id}/members", status_code=201, response_model=s.MemberOut)
async def add_member(group_id: Id, body: s.MemberIn, costs: Writer) -> Any:
    row = await costs.add_member(group_id, body.user_id, body.role, body.display_name)
    return _member_out(row)


@router.get("/groups/{group_id}/members", response_model=list[s.MemberOut])
async def list_members(group_id: Id, costs: Reader) -> Any:
    await costs.require_member(group_id)
    return [_member_out(m) for m in await costs.repo.list_members(group_id)]


@router.delete("/groups/{group_id}/members/{user_id}", status_code=204)
async def remove_member(group_id: Id, user_id: Id, costs: Writer) -> Response:
    await costs.remove_member(group_id, user_id)
    return Response(status_code=204)


@router.get("/users/{user_id}/memberships", response_model=s.UserMembershipsOut)
async def user_memberships(user_id: int, costs: Reader) -> Any:
    """Every group the user is a member of (the user or a service only)."""
    found = await costs.memberships_of(user_id)
    return s.UserMembershipsOut(
        user_id=user_id,
        memberships=[s.GroupMembershipOut(group_id=g, role=role) for g, role in found],
    )


# Lists and items
def _item_out(row: Row[Any], currency: str) -> s.ItemOut:
    return s.ItemOut(
        id=row.id,
        list_id=row.list_id,
        name=row.name,
        price=None if row.price is None else _money(row.price, currency),
        quantity=row.quantity,
        added_by=row.added_by,
        assigned_to=row.assigned_to,
        created_at=row.created_at,
    )


def _list_out(row: Row[Any], items: list[Row[Any]] | None = None) -> s.ListOut:
    return s.ListOut(
        id=row.id,
        group_id=row.group_id,
        name=row.name,
        description=row.description,
        owner_user_id=row.owner_user_id,
        currency=row.currency,
        finalised_expense_id=row.finalised_expense_id,
        created_at=row.created_at,
        items=None if items is None else [_item_out(i, row.currency) for i in items],
    )


@router.post("/lists", status_code=201, response_model=s.ListOut)
async def create_list(body: s.ListIn, costs: Writer) -> Any:
    row = await costs.create_list(body.name, body.group_id, body.description, body.currency)
    return _list_out(row, [])


@router.get("/lists", response_model=list[s.ListOut])
async def list_lists(costs: Reader, group_id: Id | None = None) -> Any:
    return [_list_out(r) for r in await costs.visible_lists(group_id)]


@router.get("/lists/{list_id}", response_model=s.ListOut)
async def get_list(list_id: Id, costs: Reader) -> Any:
    row = await costs.shopping_list(list_id)
    return _list_out(row, list(await costs.repo.list_items(list_id)))


@router.post("/lists/{list_id}/items", status_code=201, response_model=s.ItemOut)
async def add_item(list_id: Id, body: s.ItemIn, costs: Writer) -> Any:
    item, lst = await costs.add_item(
        list_id, body.name, body.price, body.quantity, body.assigned_to
    )
    return _item_out(item, lst.currency)


async def _item_on_list(costs: SharedCosts, list_id: int, item_id: int) -> None:
    item = await costs.repo.get_item(item_id)
    if item is None or item.list_id != list_id:
        raise NotFound("Item not found")


@router.patch("/lists/{list_id}/items/{item_id}", response_model=s.ItemOut)
async def update_item(list_id: Id, item_id: Id, body: s.ItemChange, costs: Writer) -> Any:
    await _item_on_list(costs, list_id, item_id)
    item, lst = await costs.update_item(item_id, body.model_dump(exclude_unset=True))
    return _item_out(item, lst.currency)


@router.delete("/lists/{list_id}/items/{item_id}", status_code=204)
async def remove_item(list_id: Id, item_id: Id, costs: Writer) -> Response:
    await _item_on_list(costs, list_id, item_id)
    await costs.remove_item(item_id)
    return Response(status_code=204)


# Expenses
def expense_out(view: ExpenseView) -> s.ExpenseOut:
    r = view.row
    cur, base = r.currency, r.base_currency
    return s.ExpenseOut(
        id=r.id,
        group_id=r.group_id,
        list_id=r.list_id,
        item_id=r.item_id,
        description=r.description,
        category=r.category,
        notes=r.notes,
        expense_date=r.expense_date,
        total_amount=_money(r.total_amount, cur),
        currency=cur,
        exchange_rate=(
            None if r.exchange_rate is None else format(Decimal(r.exchange_rate).normalize(), "f")
        ),
        base_currency=base,
        base_total_amount=_money(r.base_total_amount, base),
        split_type=r.split_type,
        paid_by_user_id=view.paid_by_user_id,
        payers=[
            s.PayerOut(
                user_id=p.user_id,
                amount=_money(p.amount, cur),
                base_amount=_money(p.base_amount, base),
            )
            for p in view.payers
        ],
        splits=[
            s.ExpenseSplitOut(
                id=x.id,
                user_id=x.user_id,
                owed_amount=_money(x.owed_amount, cur),
                base_owed_amount=_money(x.base_owed_amount, base),
                share_percentage=(
                    None
                    if x.share_percentage is None
                    else format(Decimal(x.share_percentage).normalize(), "f")
                ),
                share_units=x.share_units,
                paid_amount=_money(x.paid_amount, cur),
                status=x.status,
            )
            for x in view.splits
        ],
        overall_settlement_status=r.status,
        is_recurring=r.is_recurring,
        recurrence=r.recurrence,
        template_expense_id=r.template_expense_id,
        version=r.version,
        created_by=r.created_by,
        created_at=r.created_at,
        updated_at=r.updated_at,
        deleted_at=r.deleted_at,
        delete_reason=r.delete_reason,
    )


@router.post("/financials/expenses", status_code=201, response_model=s.ExpenseOut)
async def create_expense(body: s.ExpenseIn, costs: Writer) -> Any:
    return expense_out(await costs.create_expense(body))


@router.get("/financials/expenses", response_model=s.ExpenseList)
async def list_expenses(
    costs: Reader,
    group_id: Id | None = None,
    list_id: Id | None = None,
    paid_by: Id | None = None,
    start_date: date | None = None,
    end_date: date | None = None,
    is_recurring: Annotated[bool | None, Query(alias="isRecurring")] = None,
    include_deleted: bool = False,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
    offset: Annotated[int, Query(ge=0, le=MAX_INT32)] = 0,
) -> Any:
    views, total = await costs.list_expenses(
        group_id=group_id,
        list_id=list_id,
        paid_by=paid_by,
        start_date=start_date,
        end_date=end_date,
        is_recurring=is_recurring,
        include_deleted=include_deleted,
        limit=limit,
        offset=offset,
    )
    return s.ExpenseList(
        expenses=[expense_out(v) for v in views], total=total, limit=limit, offset=offset
    )


@router.get("/financials/expenses/{expense_id}", response_model=s.ExpenseOut)
async def get_expense(expense_id: Id, costs: Reader) -> Any:
    return expense_out(await costs.expense(expense_id))


@router.put("/financials/expenses/{expense_id}", response_model=s.ExpenseOut)
async def update_expense(expense_id: Id, body: s.ExpenseChange, costs: Writer) -> Any:
    change = UpdateExpense.model_validate(
        {**body.model_dump(exclude_unset=True), "expense_id": expense_id}
    )
    return expense_out(await costs.update_expense(change))


@router.delete("/financials/expenses/{expense_id}", response_model=s.ExpenseOut)
async def delete_expense(
    expense_id: Id,
    costs: Writer,
    expected_version: Annotated[Version, Query(description="The version being deleted")],
    reason: Annotated[ShortDescription | None, Query()] = None,
) -> Any:
    return expense_out(await costs.delete_expense(expense_id, expected_version, reason))


@router.get("/financials/expenses/{expense_id}/history", response_model=list[s.HistoryEntryOut])
async def expense_history(expense_id: Id, costs: Reader) -> Any:
    return [
        s.HistoryEntryOut(
            version=h.version,
            action=h.action,
            actor=h.actor,
            at=h.at,
            reason=h.reason,
            snapshot=h.snapshot,
        )
        for h in await costs.history(expense_id)
    ]


# Paying splits
def _activity_out(row: Row[Any], currency: str) -> s.SettlementActivityOut:
    return s.SettlementActivityOut(
        id=row.id,
        expense_split_id=row.expense_split_id,
        expense_id=row.expense_id,
        paid_by_user_id=row.paid_by_user_id,
        paid_to_user_id=row.paid_to_user_id,
        amount_paid=_money(row.amount_paid, currency),
        currency=currency,
        paid_at=row.paid_at,
    )


def _payment_out(payment: Payment) -> s.SettlementActivityOut:
    split, cur = payment.split, payment.currency
    out = _activity_out(payment.activity, cur)
    return out.model_copy(
        update={
            "split_status": split.status,
            "split_paid_amount": _money(split.paid_amount, cur),
            "split_remaining_amount": _money(
                Decimal(split.owed_amount) - Decimal(split.paid_amount), cur
            ),
            "overall_settlement_status": payment.expense_status,
        }
    )


@router.post(
    "/financials/expense_splits/{split_id}/settle",
    status_code=201,
    response_model=s.SettlementActivityOut,
)
async def settle_split(split_id: Id, body: s.SettleIn, costs: Writer) -> Any:
    payment = await costs.settle_split(
        split_id, body.amount_paid, body.paid_by_user_id, body.paid_to_user_id
    )
    return _payment_out(payment)


@router.get(
    "/financials/expense_splits/{split_id}/settlement_activities",
    response_model=list[s.SettlementActivityOut],
)
async def split_activities(split_id: Id, costs: Reader) -> Any:
    _, rows, currency = await costs.split_activities(split_id)
    return [_activity_out(r, currency) for r in rows]


# Settlements
def _settlement_out(row: Row[Any]) -> s.SettlementOut:
    return s.SettlementOut(
        id=row.id,
        group_id=row.group_id,
        paid_by_user_id=row.paid_by_user_id,
        paid_to_user_id=row.paid_to_user_id,
        amount=_money(row.amount, row.currency),
        currency=row.currency,
        description=row.description,
        settlement_date=row.settlement_date,
        version=row.version,
        created_by=row.created_by,
        created_at=row.created_at,
        deleted_at=row.deleted_at,
    )


@router.post("/financials/settlements", status_code=201, response_model=s.SettlementOut)
async def record_settlement(body: s.SettlementIn, costs: Writer) -> Any:
    return _settlement_out(await costs.record_settlement(body))


@router.get("/financials/settlements", response_model=list[s.SettlementOut])
async def list_settlements(costs: Reader, group_id: Id, include_deleted: bool = False) -> Any:
    return [_settlement_out(r) for r in await costs.settlements(group_id, include_deleted)]


@router.get("/financials/settlements/{settlement_id}", response_model=s.SettlementOut)
async def get_settlement(settlement_id: Id, costs: Reader) -> Any:
    return _settlement_out(await costs.settlement(settlement_id))


@router.delete("/financials/settlements/{settlement_id}", response_model=s.SettlementOut)
async def delete_settlement(
    settlement_id: Id,
    costs: Writer,
    expected_version: Annotated[Version, Query(description="The version being deleted")],
    reason: Annotated[ShortDescription | None, Query()] = None,
) -> Any:
    row = await costs.delete_settlement(settlement_id, expected_version, reason)
    return _settlement_out(row)


# Summaries
@router.get("/costs/lists/{list_id}/cost-summary", response_model=s.ListCostSummaryOut)
async def list_cost_summary(list_id: Id, costs: Reader) -> Any:
    found = await costs.list_cost_summary(list_id)
    cur, summary = found.currency, found.summary
    return s.ListCostSummaryOut(
        list_id=found.list_row.id,
        list_name=found.list_row.name,
        currency=cur,
        total_list_cost=_money(summary.total_list_cost, cur),
        num_participating_users=len(summary.users),
        equal_share_per_user=_money(summary.equal_share_per_user, cur),
        user_balances=[
            s.UserCostOut(
                user_id=u.user_id,
                items_added_value=_money(u.items_added_value, cur),
                amount_due=_money(u.amount_due, cur),
                balance=_money(u.balance, cur),
            )
            for u in summary.users
        ],
        expense_id=found.expense_id,
    )


@router.post("/costs/lists/{list_id}/cost-summary", status_code=201, response_model=s.ExpenseOut)
async def finalise_list_cost(list_id: Id, costs: Writer, body: s.FinaliseIn | None = None) -> Any:
    body = body or s.FinaliseIn()
    view = await costs.finalise_list(
        list_id, body.paid_by_user_id, body.description, body.expense_date
    )
    return expense_out(view)


@router.get("/costs/groups/{group_id}/balance-summary", response_model=s.GroupBalanceSummaryOut)
async def balance_summary(group_id: Id, costs: Reader) -> Any:
    found = await costs.balance_summary(group_id)
    cur = found.group.base_currency
    return s.GroupBalanceSummaryOut(
        group_id=found.group.id,
        group_name=found.group.name,
        currency=cur,
        user_balances=[
            s.UserBalanceOut(
                user_id=b.user_id,
                total_paid_for_expenses=_money(b.total_paid_for_expenses, cur),
                total_share_of_expenses=_money(b.total_share_of_expenses, cur),
                total_settlements_paid=_money(b.total_settlements_paid, cur),
                total_settlements_received=_money(b.total_settlements_received, cur),
                net_balance=_money(b.net_balance, cur),
            )
            for b in found.balances
        ],
        suggested_settlements=[
            s.SuggestedSettlementOut(
                from_user_id=t.from_user_id, to_user_id=t.to_user_id, amount=_money(t.amount, cur)
            )
            for t in found.plan
        ],
    )
