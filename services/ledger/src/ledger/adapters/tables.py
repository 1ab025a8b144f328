"""The ledger's tables (its own database). Money is NUMERIC quantized to the currency's minor
units; posted rows are never updated apart from state columns (status, closed_at)."""

from __future__ import annotations

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
    MetaData,
    Numeric,
    PrimaryKeyConstraint,
    Table,
    Text,
    func,
)
from sqlalchemy.dialects.postgresql import JSONB

metadata = MetaData()
platform = add_platform_tables(metadata)

MONEY = Numeric(20, 4)

communities = Table(
    "communities",
    metadata,
    Column("id", BigInteger, primary_key=True),
    Column("name", Text, nullable=False),
    Column("base_currency", Text, nullable=False),
    Column("timezone", Text, nullable=False),
    Column("created_by", Text, nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    # Settings a treasurer changes (PUT /communities/{id}/settings).
    Column("owners_see_balance_sheet", Boolean, nullable=False, server_default="true"),
    # Where owners pay: sosenki_contracts.bank_details.BankDetails as JSON, checked before stored.
    Column("bank_details", JSONB, nullable=True),
)

treasurers = Table(
    "treasurers",
    metadata,
    Column("community_id", BigInteger, ForeignKey("communities.id"), nullable=False),
    Column("user_id", BigInteger, nullable=False),
    PrimaryKeyConstraint("community_id", "user_id"),
)

owners = Table(
    "owners",
    metadata,
    Column("community_id", BigInteger, ForeignKey("communities.id"), nullable=False),
    Column("user_id", BigInteger, nullable=False),
    Column("display_name", Text, nullable=False),
    Column("username", Text, nullable=True),
    Column("ownership_share", Numeric(12, 6), nullable=False),
    Column("active", Boolean, nullable=False, server_default="true"),
    Column("created_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    PrimaryKeyConstraint("community_id", "user_id"),
    CheckConstraint("ownership_share > 0", name="ownership_share_positive"),
)

# Every share an owner has had, from the date it took effect: an expense is allocated by the
# shares valid on its date. The first share takes effect from the beginning (0001-01-01).
ownership_shares = Table(
    "ownership_shares",
    metadata,
    Column("community_id", BigInteger, nullable=False),
    Column("user_id", BigInteger, nullable=False),
    Column("effective_from", Date, nullable=False),
    Column("ownership_share", Numeric(12, 6), nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    PrimaryKeyConstraint("community_id", "user_id", "effective_from"),
    CheckConstraint("ownership_share > 0", name="ownership_shares_positive"),
)

periods = Table(
    "periods",
    metadata,
    Column("id", BigInteger, primary_key=True),
    Column("community_id", BigInteger, ForeignKey("communities.id"), nullable=False),
    Column("name", Text, nullable=False),
    Column("start_date", Date, nullable=False),
    Column("end_date", Date, nullable=False),
    Column("description", Text, nullable=True),
    Column("status", Text, nullable=False, server_default="OPEN"),
    Column("closed_at", DateTime(timezone=True), nullable=True),
    Column("carried_forward", Boolean, nullable=False, server_default="false"),
    Column("created_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    CheckConstraint("end_date >= start_date", name="period_dates_ordered"),
    Index("ix_periods_community", "community_id", "id"),
    # Also (migration 0007): EXCLUDE USING gist (community_id WITH =,
    # daterange(start_date, end_date, '[]') WITH &&) named "periods_do_not_overlap".
)

contributions = Table(
    "contributions",
    metadata,
    Column("id", BigInteger, primary_key=True),
    Column("period_id", BigInteger, ForeignKey("periods.id"), nullable=False),
    Column("community_id", BigInteger, nullable=False),
    Column("owner_id", BigInteger, nullable=False),
    Column("amount", MONEY, nullable=False),
    Column("currency", Text, nullable=False),
    Column("date", DateTime(timezone=True), nullable=False),
    Column("comment", Text, nullable=True),
    # "regular", "opening" (a credit carried forward) or "reversal" (of ``reverses_id``).
    Column("kind", Text, nullable=False, server_default="regular"),
    Column("reverses_id", BigInteger, ForeignKey("contributions.id"), nullable=True),
    Column("reason", Text, nullable=True),
    Column("created_by", Text, nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    Index("ix_contributions_period_owner", "period_id", "owner_id"),
    # An entry is reversed at most once.
    Index("uq_contributions_reverses", "reverses_id", unique=True),
)

service_charges = Table(
    "service_charges",
    metadata,
    Column("id", BigInteger, primary_key=True),
    Column("period_id", BigInteger, ForeignKey("periods.id"), nullable=False),
    Column("community_id", BigInteger, nullable=False),
    Column("owner_id", BigInteger, nullable=False),
    Column("amount", MONEY, nullable=False),
    Column("currency", Text, nullable=False),
    Column("description", Text, nullable=False),
    Column("date", DateTime(timezone=True), nullable=False),
    # "charge", "opening" (a debt carried forward) or "reversal" (of ``reverses_id``).
    Column("kind", Text, nullable=False, server_default="charge"),
    Column("reverses_id", BigInteger, ForeignKey("service_charges.id"), nullable=True),
    Column("reason", Text, nullable=True),
    # The meter type of a usage bill's charge (its reversal names it too); None otherwise.
    Column("usage_meter_type", Text, nullable=True),
    Column("created_by", Text, nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    Index("ix_service_charges_period_owner", "period_id", "owner_id"),
    Index("uq_service_charges_reverses", "reverses_id", unique=True),
)

expenses = Table(
    "expenses",
    metadata,
    Column("id", BigInteger, primary_key=True),
    Column("period_id", BigInteger, ForeignKey("periods.id"), nullable=False),
    Column("community_id", BigInteger, nullable=False),
    Column("paid_by_owner_id", BigInteger, nullable=True),
    Column("amount", MONEY, nullable=False),
    Column("currency", Text, nullable=False),
    Column("payment_type", Text, nullable=False),
    Column("vendor", Text, nullable=True),
    Column("description", Text, nullable=True),
    Column("date", DateTime(timezone=True), nullable=False),
    Column("allocation_strategy", Text, nullable=False),
    # "regular", or "reversal": amount and allocation lines negated, of ``reverses_id``.
    Column("kind", Text, nullable=False, server_default="regular"),
    Column("reverses_id", BigInteger, ForeignKey("expenses.id"), nullable=True),
    Column("reason", Text, nullable=True),
    Column("created_by", Text, nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    Index("ix_expenses_period", "period_id"),
    Index("uq_expenses_reverses", "reverses_id", unique=True),
)

expense_allocations = Table(
    "expense_allocations",
    metadata,
    Column("expense_id", BigInteger, ForeignKey("expenses.id"), nullable=False),
    Column("owner_id", BigInteger, nullable=False),
    Column("amount", MONEY, nullable=False),
    PrimaryKeyConstraint("expense_id", "owner_id"),
)

# Each owner's sums of a period, kept by triggers with every inserted entry (migration 0010): the
# balance sheet reads these instead of aggregating the period's history. Derived, never edited
# by the application; equal to the aggregates of the entries (tests/test_period_balances.py).
period_balances = Table(
    "period_balances",
    metadata,
    Column("period_id", BigInteger, ForeignKey("periods.id"), nullable=False),
    Column("owner_id", BigInteger, nullable=False),
    Column("total_contributions", Numeric, nullable=False, server_default="0"),
    Column("total_expenses", Numeric, nullable=False, server_default="0"),
    Column("total_charges", Numeric, nullable=False, server_default="0"),
    Column("total_paid_expenses", Numeric, nullable=False, server_default="0"),
    PrimaryKeyConstraint("period_id", "owner_id"),
)

budget_items = Table(
    "budget_items",
    metadata,
    Column("id", BigInteger, primary_key=True),
    Column("period_id", BigInteger, ForeignKey("periods.id"), nullable=False),
    Column("community_id", BigInteger, nullable=False),
    Column("category", Text, nullable=False),
    Column("planned_amount", MONEY, nullable=False),
    Column("currency", Text, nullable=False),
    Column("allocation_strategy", Text, nullable=False),
    Column("meter_type", Text, nullable=True),
    Column("description", Text, nullable=True),
    # Set once, when the item became per-owner service charges.
    Column("applied_at", DateTime(timezone=True), nullable=True),
    Column("created_by", Text, nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    Index("ix_budget_items_period", "period_id"),
)

meters = Table(
    "meters",
    metadata,
    Column("id", BigInteger, primary_key=True),
    Column("community_id", BigInteger, ForeignKey("communities.id"), nullable=False),
    Column("owner_id", BigInteger, nullable=False),
    Column("meter_type", Text, nullable=False),
    Column("name", Text, nullable=True),
    # Price per unit, when consumption is billed as service charges.
    Column("tariff", Numeric(20, 6), nullable=True),
    Column("created_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    Index("ix_meters_community_owner", "community_id", "owner_id"),
)

meter_readings = Table(
    "meter_readings",
    metadata,
    Column("id", BigInteger, primary_key=True),
    Column("meter_id", BigInteger, ForeignKey("meters.id"), nullable=False),
    Column("reading_date", Date, nullable=False),
    Column("value", Numeric(20, 3), nullable=False),
    Column("is_replacement", Boolean, nullable=False, server_default="false"),
    Column("created_by", Text, nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    Index("uq_meter_readings_date", "meter_id", "reading_date", unique=True),
)

# A period's consumption of one meter type is billed at most once.
# Superseded by service_charges.usage_meter_type (migration 0007); kept for its history.
usage_billings = Table(
    "usage_billings",
    metadata,
    Column("period_id", BigInteger, ForeignKey("periods.id"), nullable=False),
    Column("meter_type", Text, nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    PrimaryKeyConstraint("period_id", "meter_type"),
)

__all__ = [
    "budget_items",
    "communities",
    "contributions",
    "expense_allocations",
    "expenses",
    "metadata",
    "meter_readings",
    "meters",
    "owners",
    "ownership_shares",
    "period_balances",
    "periods",
    "platform",
    "service_charges",
    "treasurers",
    "usage_billings",
]
