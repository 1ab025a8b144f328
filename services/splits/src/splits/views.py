"""What the splits API shows: typed views of groups, lists, expenses, payments, settlements and
summaries (names from the seed document), and how each is built from what was read. Amounts leave
as strings with their currency's minor units."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from pydantic import BaseModel, Field
from sosenki_contracts.money import format_amount

# The shapes reporting serves as well: defined once, in the contracts.
from sosenki_contracts.views.splits import (
    GroupBalanceSummaryOut as GroupBalanceSummaryOut,
    SuggestedSettlementOut as SuggestedSettlementOut,
    UserBalanceOut as UserBalanceOut,
)

from splits.repository import Record
from splits.snapshots import ExpenseView


def _money(amount: Any, currency: str) -> str:
    return format_amount(Decimal(amount), currency)


def _plain(value: Any) -> str | None:
    return None if value is None else format(Decimal(value).normalize(), "f")


class MemberOut(BaseModel):
    user_id: int
    role: str
    display_name: str | None
    joined_at: datetime


class GroupMembershipOut(BaseModel):
    group_id: int
    role: str = Field(description="owner or member")


class UserMembershipsOut(BaseModel):
    user_id: int
    memberships: list[GroupMembershipOut]


class GroupOut(BaseModel):
    id: int
    name: str
    description: str | None
    base_currency: str
    created_by: str
    created_at: datetime
    members: list[MemberOut]


class ItemOut(BaseModel):
    id: int
    list_id: int
    name: str
    price: str | None
    quantity: int
    added_by: int | None
    assigned_to: int | None
    created_at: datetime


class ListOut(BaseModel):
    id: int
    group_id: int | None
    name: str
    description: str | None
    owner_user_id: int | None
    currency: str
    finalised_expense_id: int | None
    created_at: datetime
    items: list[ItemOut] | None = None


class PayerOut(BaseModel):
    user_id: int
    amount: str
    base_amount: str


class ExpenseSplitOut(BaseModel):
    id: int
    user_id: int
    owed_amount: str
    base_owed_amount: str
    share_percentage: str | None
    share_units: int | None
    paid_amount: str
    status: str


class ExpenseOut(BaseModel):
    id: int
    group_id: int | None
    list_id: int | None
    item_id: int | None
    description: str
    category: str | None
    notes: str | None
    expense_date: date
    total_amount: str
    currency: str
    exchange_rate: str | None
    base_currency: str
    base_total_amount: str
    split_type: str
    paid_by_user_id: int | None
    payers: list[PayerOut]
    splits: list[ExpenseSplitOut]
    overall_settlement_status: str
    is_recurring: bool
    recurrence: dict[str, Any] | None
    template_expense_id: int | None
    version: int
    created_by: str
    created_at: datetime
    updated_at: datetime | None
    deleted_at: datetime | None
    delete_reason: str | None


class ExpenseList(BaseModel):
    expenses: list[ExpenseOut]
    total: int
    limit: int
    offset: int


class HistoryEntryOut(BaseModel):
    version: int
    action: str
    actor: str
    at: datetime
    reason: str | None
    snapshot: dict[str, Any]


class SettlementActivityOut(BaseModel):
    id: int
    expense_split_id: int
    expense_id: int
    paid_by_user_id: int
    paid_to_user_id: int
    amount_paid: str
    currency: str
    paid_at: datetime
    split_status: str | None = None
    split_paid_amount: str | None = None
    split_remaining_amount: str | None = None
    overall_settlement_status: str | None = None


class SettlementOut(BaseModel):
    id: int
    group_id: int
    paid_by_user_id: int
    paid_to_user_id: int
    amount: str
    currency: str
    description: str | None
    settlement_date: date
    version: int
    created_by: str
    created_at: datetime
    deleted_at: datetime | None


class UserCostOut(BaseModel):
    user_id: int
    items_added_value: str
    amount_due: str
    balance: str


class ListCostSummaryOut(BaseModel):
    list_id: int
    list_name: str
    currency: str
    total_list_cost: str
    num_participating_users: int
    equal_share_per_user: str
    user_balances: list[UserCostOut]
    expense_id: int | None


def member_out(row: Record) -> MemberOut:
    return MemberOut(
        user_id=row.user_id, role=row.role, display_name=row.display_name, joined_at=row.joined_at
    )


def group_out(row: Record, members: Any) -> GroupOut:
    return GroupOut(
        id=row.id,
        name=row.name,
        description=row.description,
        base_currency=row.base_currency,
        created_by=row.created_by,
        created_at=row.created_at,
        members=[member_out(m) for m in members],
    )


def item_out(row: Record, currency: str) -> ItemOut:
    return ItemOut(
        id=row.id,
        list_id=row.list_id,
        name=row.name,
        price=None if row.price is None else _money(row.price, currency),
        quantity=row.quantity,
        added_by=row.added_by,
        assigned_to=row.assigned_to,
        created_at=row.created_at,
    )


def list_out(row: Record, items: Any = None) -> ListOut:
    return ListOut(
        id=row.id,
        group_id=row.group_id,
        name=row.name,
        description=row.description,
        owner_user_id=row.owner_user_id,
        currency=row.currency,
        finalised_expense_id=row.finalised_expense_id,
        created_at=row.created_at,
        items=None if items is None else [item_out(i, row.currency) for i in items],
    )


def expense_out(view: ExpenseView) -> ExpenseOut:
    r = view.row
    cur, base = r.currency, r.base_currency
    return ExpenseOut(
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
        exchange_rate=_plain(r.exchange_rate),
        base_currency=base,
        base_total_amount=_money(r.base_total_amount, base),
        split_type=r.split_type,
        paid_by_user_id=view.paid_by_user_id,
        payers=[
            PayerOut(
                user_id=p.user_id,
                amount=_money(p.amount, cur),
                base_amount=_money(p.base_amount, base),
            )
            for p in view.payers
        ],
        splits=[
            ExpenseSplitOut(
                id=x.id,
                user_id=x.user_id,
                owed_amount=_money(x.owed_amount, cur),
                base_owed_amount=_money(x.base_owed_amount, base),
                share_percentage=_plain(x.share_percentage),
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


def history_out(row: Record) -> HistoryEntryOut:
    return HistoryEntryOut(
        version=row.version,
        action=row.action,
        actor=row.actor,
        at=row.at,
        reason=row.reason,
        snapshot=row.snapshot,
    )


def activity_out(row: Record, currency: str) -> SettlementActivityOut:
    return SettlementActivityOut(
        id=row.id,
        expense_split_id=row.expense_split_id,
        expense_id=row.expense_id,
        paid_by_user_id=row.paid_by_user_id,
        paid_to_user_id=row.paid_to_user_id,
        amount_paid=_money(row.amount_paid, currency),
        currency=currency,
        paid_at=row.paid_at,
    )


def payment_out(
    activity: Record, split: Record, currency: str, expense_status: str
) -> SettlementActivityOut:
    """A payment with what it left on its split and expense."""
    out = activity_out(activity, currency)
    return out.model_copy(
        update={
            "split_status": split.status,
            "split_paid_amount": _money(split.paid_amount, currency),
            "split_remaining_amount": _money(
                Decimal(split.owed_amount) - Decimal(split.paid_amount), currency
            ),
            "overall_settlement_status": expense_status,
        }
    )


def settlement_out(row: Record) -> SettlementOut:
    return SettlementOut(
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
