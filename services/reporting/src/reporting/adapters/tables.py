"""Reporting's read models. Balances are running totals kept per owner and period, so reading a
balance sheet costs the same however long the history grows."""

from __future__ import annotations

from sosenki_platform.tables import add_platform_tables
from sqlalchemy import (
    BigInteger,
    Column,
    Date,
    DateTime,
    Index,
    MetaData,
    Numeric,
    PrimaryKeyConstraint,
    Table,
    Text,
)

metadata = MetaData()
platform = add_platform_tables(metadata)

MONEY = Numeric(20, 4)

communities = Table(
    "communities",
    metadata,
    Column("community_id", BigInteger, primary_key=True),
    Column("name", Text, nullable=False),
    Column("base_currency", Text, nullable=False),
)

owners = Table(
    "owners",
    metadata,
    Column("community_id", BigInteger, nullable=False),
    Column("owner_id", BigInteger, nullable=False),
    Column("display_name", Text, nullable=False),
    Column("username", Text, nullable=True),
    PrimaryKeyConstraint("community_id", "owner_id"),
)

periods = Table(
    "periods",
    metadata,
    Column("period_id", BigInteger, primary_key=True),
    Column("community_id", BigInteger, nullable=False),
    Column("name", Text, nullable=False),
    Column("start_date", Date, nullable=False),
    Column("end_date", Date, nullable=False),
    Column("description", Text, nullable=True),
    Column("status", Text, nullable=False),
    Column("closed_at", DateTime(timezone=True), nullable=True),
    Index("ix_reporting_periods_community", "community_id", "period_id"),
)

owner_balances = Table(
    "owner_balances",
    metadata,
    Column("period_id", BigInteger, nullable=False),
    Column("owner_id", BigInteger, nullable=False),
    Column("community_id", BigInteger, nullable=False),
    Column("currency", Text, nullable=False),
    Column("total_contributions", MONEY, nullable=False, server_default="0"),
    Column("total_expenses", MONEY, nullable=False, server_default="0"),
    Column("total_charges", MONEY, nullable=False, server_default="0"),
    Column("total_paid_expenses", MONEY, nullable=False, server_default="0"),
    PrimaryKeyConstraint("period_id", "owner_id"),
)
