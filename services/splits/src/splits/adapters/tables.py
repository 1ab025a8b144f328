"""The splits service's tables (its own database).

Money is NUMERIC quantized to the currency's minor units. Expenses carry a ``version`` for
optimistic locking; a deleted expense stays (``deleted_at``) and every version of it is kept in
``expense_history``, so nothing disappears.
"""

from __future__ import annotations

from datetime import datetime

from sosenki_platform.tables import add_platform_tables
from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    Column,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    Numeric,
    PrimaryKeyConstraint,
    Table,
    Text,
    UniqueConstraint,
    func,
)
from sqlalchemy.dialects.postgresql import JSONB

metadata = MetaData()
platform = add_platform_tables(metadata)

MONEY = Numeric(20, 4)
RATE = Numeric(30, 10)


def _created_at() -> Column[datetime]:
    return Column("created_at", DateTime(timezone=True), nullable=False, server_default=func.now())


groups = Table(
    "groups",
    metadata,
    Column("id", BigInteger, primary_key=True),
    Column("name", Text, nullable=False),
    Column("description", Text, nullable=True),
    Column("base_currency", Text, nullable=False),
    Column("created_by", Text, nullable=False),
    _created_at(),
)

group_members = Table(
    "group_members",
    metadata,
    Column("group_id", BigInteger, ForeignKey("groups.id"), nullable=False),
    Column("user_id", BigInteger, nullable=False),
    Column("role", Text, nullable=False),
    Column("display_name", Text, nullable=True),
    Column("joined_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    PrimaryKeyConstraint("group_id", "user_id"),
    CheckConstraint("role IN ('owner', 'member')", name="member_role_known"),
    Index("ix_group_members_user", "user_id"),
)

lists = Table(
    "lists",
    metadata,
    Column("id", BigInteger, primary_key=True),
    Column("group_id", BigInteger, ForeignKey("groups.id"), nullable=True),
    Column("name", Text, nullable=False),
    Column("description", Text, nullable=True),
    Column("owner_user_id", BigInteger, nullable=True),
    # Prices are in this currency: the group's base currency, or a personal list's own.
    Column("currency", Text, nullable=False),
    Column("created_by", Text, nullable=False),
    # The ITEM_BASED expense this list was finalised into (at most once).
    Column("finalised_expense_id", BigInteger, nullable=True),
    _created_at(),
    Index("ix_lists_group", "group_id"),
)

items = Table(
    "items",
    metadata,
    Column("id", BigInteger, primary_key=True),
    Column("list_id", BigInteger, ForeignKey("lists.id"), nullable=False),
    Column("name", Text, nullable=False),
    # The price of the whole line, in the group's (or a personal list's) currency.
    Column("price", MONEY, nullable=True),
    Column("quantity", Integer, nullable=False, server_default="1"),
    Column("added_by", BigInteger, nullable=True),
    Column("assigned_to", BigInteger, nullable=True),
    Column("removed_at", DateTime(timezone=True), nullable=True),
    _created_at(),
    CheckConstraint("price IS NULL OR price > 0", name="item_price_positive"),
    CheckConstraint("quantity >= 1", name="item_quantity_positive"),
    Index("ix_items_list", "list_id"),
)

expenses = Table(
    "expenses",
    metadata,
    Column("id", BigInteger, primary_key=True),
    Column("group_id", BigInteger, ForeignKey("groups.id"), nullable=True),
    Column("list_id", BigInteger, ForeignKey("lists.id"), nullable=True),
    Column("item_id", BigInteger, ForeignKey("items.id"), nullable=True),
    Column("description", Text, nullable=False),
    Column("category", Text, nullable=True),
    Column("notes", Text, nullable=True),
    Column("expense_date", Date, nullable=False),
    Column("total_amount", MONEY, nullable=False),
    Column("currency", Text, nullable=False),
    Column("exchange_rate", RATE, nullable=True),
    Column("base_currency", Text, nullable=False),
    Column("base_total_amount", MONEY, nullable=False),
    Column("split_type", Text, nullable=False),
    Column("status", Text, nullable=False, server_default="unpaid"),
    Column("is_recurring", Boolean, nullable=False, server_default="false"),
    Column("recurrence", JSONB, nullable=True),
    Column("template_expense_id", BigInteger, ForeignKey("expenses.id"), nullable=True),
    Column("version", Integer, nullable=False, server_default="1"),
    Column("created_by", Text, nullable=False),
    _created_at(),
    Column("updated_at", DateTime(timezone=True), nullable=True),
    Column("deleted_at", DateTime(timezone=True), nullable=True),
    Column("deleted_by", Text, nullable=True),
    Column("delete_reason", Text, nullable=True),
    CheckConstraint("group_id IS NOT NULL OR list_id IS NOT NULL", name="expense_has_context"),
    CheckConstraint("total_amount > 0", name="expense_total_positive"),
    # One occurrence of a recurring expense per date.
    UniqueConstraint("template_expense_id", "expense_date", name="uq_expense_occurrence"),
    Index("ix_expenses_group_date", "group_id", "expense_date"),
    Index("ix_expenses_list", "list_id"),
)

expense_payers = Table(
    "expense_payers",
    metadata,
    Column("expense_id", BigInteger, ForeignKey("expenses.id"), nullable=False),
    Column("user_id", BigInteger, nullable=False),
    Column("amount", MONEY, nullable=False),
    Column("base_amount", MONEY, nullable=False),
    PrimaryKeyConstraint("expense_id", "user_id"),
    Index("ix_expense_payers_user", "user_id"),
)

expense_splits = Table(
    "expense_splits",
    metadata,
    Column("id", BigInteger, primary_key=True),
    Column("expense_id", BigInteger, ForeignKey("expenses.id"), nullable=False),
    Column("user_id", BigInteger, nullable=False),
    Column("owed_amount", MONEY, nullable=False),
    Column("base_owed_amount", MONEY, nullable=False),
    Column("share_percentage", Numeric(9, 4), nullable=True),
    Column("share_units", Integer, nullable=True),
    # Paid so far (own payment towards the expense + settlement activities), in both currencies.
    Column("paid_amount", MONEY, nullable=False, server_default="0"),
    Column("base_paid_amount", MONEY, nullable=False, server_default="0"),
    Column("status", Text, nullable=False, server_default="unpaid"),
    UniqueConstraint("expense_id", "user_id", name="uq_expense_user_split"),
    CheckConstraint("paid_amount <= owed_amount", name="split_not_overpaid"),
    Index("ix_expense_splits_user", "user_id"),
)

settlement_activities = Table(
    "settlement_activities",
    metadata,
    Column("id", BigInteger, primary_key=True),
    Column("expense_split_id", BigInteger, ForeignKey("expense_splits.id"), nullable=False),
    Column("expense_id", BigInteger, ForeignKey("expenses.id"), nullable=False),
    Column("group_id", BigInteger, nullable=True),
    Column("paid_by_user_id", BigInteger, nullable=False),
    Column("paid_to_user_id", BigInteger, nullable=False),
    Column("amount_paid", MONEY, nullable=False),
    Column("base_amount", MONEY, nullable=False),
    Column("paid_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    Column("created_by", Text, nullable=False),
    CheckConstraint("amount_paid > 0", name="activity_amount_positive"),
    Index("ix_settlement_activities_split", "expense_split_id"),
    Index("ix_settlement_activities_group", "group_id"),
)

settlements = Table(
    "settlements",
    metadata,
    Column("id", BigInteger, primary_key=True),
    Column("group_id", BigInteger, ForeignKey("groups.id"), nullable=False),
    Column("paid_by_user_id", BigInteger, nullable=False),
    Column("paid_to_user_id", BigInteger, nullable=False),
    Column("amount", MONEY, nullable=False),
    Column("currency", Text, nullable=False),
    Column("description", Text, nullable=True),
    Column("settlement_date", Date, nullable=False),
    Column("version", Integer, nullable=False, server_default="1"),
    Column("created_by", Text, nullable=False),
    _created_at(),
    Column("deleted_at", DateTime(timezone=True), nullable=True),
    Column("deleted_by", Text, nullable=True),
    Column("delete_reason", Text, nullable=True),
    CheckConstraint("paid_by_user_id <> paid_to_user_id", name="settlement_payer_not_payee"),
    CheckConstraint("amount > 0", name="settlement_amount_positive"),
    Index("ix_settlements_group", "group_id"),
)

expense_history = Table(
    "expense_history",
    metadata,
    Column("id", BigInteger, primary_key=True),
    Column("expense_id", BigInteger, ForeignKey("expenses.id"), nullable=False),
    Column("version", Integer, nullable=False),
    # "created", "updated" or "deleted"
    Column("action", Text, nullable=False),
    Column("snapshot", JSONB, nullable=False),
    Column("reason", Text, nullable=True),
    Column("actor", Text, nullable=False),
    Column("at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    Index("ix_expense_history_expense", "expense_id", "id"),
)

__all__ = [
    "expense_history",
    "expense_payers",
    "expense_splits",
    "expenses",
    "group_members",
    "groups",
    "items",
    "lists",
    "metadata",
    "platform",
    "settlement_activities",
    "settlements",
]
