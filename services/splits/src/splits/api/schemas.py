"""Request and response bodies of the splits REST API (names from the seed document).

Request bodies are the command payloads of ``sosenki_contracts.commands.splits`` with unknown
fields refused, so REST and Kafka validate alike. Amounts leave as strings.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field
from sosenki_contracts.bounds import Id, Name, PositiveAmount, ShortDescription, Units, Version
from sosenki_contracts.commands import splits as c

_IN = ConfigDict(extra="forbid", frozen=True)


class GroupIn(c.CreateGroup):
    model_config = _IN


class MemberIn(BaseModel):
    model_config = _IN

    user_id: Id
    role: c.MemberRole = "member"
    display_name: Name | None = None


class ListIn(c.CreateList):
    model_config = _IN


class ItemIn(BaseModel):
    model_config = _IN

    name: Name
    price: PositiveAmount | None = None
    quantity: Units = 1
    assigned_to: Id | None = None


class ItemChange(BaseModel):
    model_config = _IN

    name: Name | None = None
    price: PositiveAmount | None = None
    quantity: Units | None = None
    assigned_to: Id | None = None


class ExpenseIn(c.CreateExpense):
    model_config = _IN


class ExpenseChange(c.ExpenseFields):
    model_config = _IN

    version: Version = Field(description="The version this change is based on")


class SettleIn(BaseModel):
    model_config = _IN

    amount_paid: PositiveAmount
    paid_by_user_id: Id | None = None
    paid_to_user_id: Id | None = None


class SettlementIn(c.RecordSettlement):
    model_config = _IN


class FinaliseIn(BaseModel):
    model_config = _IN

    paid_by_user_id: Id | None = None
    description: ShortDescription | None = None
    expense_date: date | None = None


# Responses
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


class UserBalanceOut(BaseModel):
    user_id: int
    total_paid_for_expenses: str
    total_share_of_expenses: str
    total_settlements_paid: str
    total_settlements_received: str
    net_balance: str


class SuggestedSettlementOut(BaseModel):
    from_user_id: int
    to_user_id: int
    amount: str


class GroupBalanceSummaryOut(BaseModel):
    group_id: int
    group_name: str
    currency: str
    user_balances: list[UserBalanceOut]
    suggested_settlements: list[SuggestedSettlementOut]
