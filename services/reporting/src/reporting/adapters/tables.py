"""Reporting's read models. Balances are running totals kept per owner and period, so reading a
balance sheet costs the same however long the history grows."""

from __future__ import annotations

from sosenki_platform.tables import add_platform_tables
from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    Date,
    DateTime,
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

communities = Table(
    "communities",
    metadata,
    Column("community_id", BigInteger, primary_key=True),
    Column("name", Text, nullable=False),
    Column("base_currency", Text, nullable=False),
    # Whether owners, not only treasurers, see the balance sheet (community_settings_changed).
    Column("owners_see_balance_sheet", Boolean, nullable=False, server_default="true"),
    # Where owners pay (community_settings_changed): sosenki_contracts BankDetailsFields as JSON.
    Column("bank_details", JSONB, nullable=True),
)

# Who may read what is decided from these (and ``owners``, ``group_members``), as the ledger and
# splits say it in their events: the community's creator and appointed treasurers.
treasurers = Table(
    "treasurers",
    metadata,
    Column("community_id", BigInteger, nullable=False),
    Column("user_id", BigInteger, nullable=False),
    PrimaryKeyConstraint("community_id", "user_id"),
    Index("ix_reporting_treasurers_user", "user_id"),
)

owners = Table(
    "owners",
    metadata,
    Column("community_id", BigInteger, nullable=False),
    Column("owner_id", BigInteger, nullable=False),
    Column("display_name", Text, nullable=False),
    Column("username", Text, nullable=True),
    PrimaryKeyConstraint("community_id", "owner_id"),
    Index("ix_reporting_owners_owner", "owner_id"),
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
    # Its balances moved into the next period (``ledger.balances_carried_forward``).
    Column("carried_forward", Boolean, nullable=False, server_default="false"),
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
    # What the period opened with (carried forward): opening contributions − opening charges.
    # Already part of the totals above; kept apart so a statement can show it.
    Column("opening_balance", MONEY, nullable=False, server_default="0"),
    PrimaryKeyConstraint("period_id", "owner_id"),
)

# The community fund per period: regular contributions, and expenses nobody paid personally.
fund_totals = Table(
    "fund_totals",
    metadata,
    Column("period_id", BigInteger, primary_key=True),
    Column("community_id", BigInteger, nullable=False),
    Column("currency", Text, nullable=False),
    Column("total_contributions", MONEY, nullable=False, server_default="0"),
    Column("total_fund_expenses", MONEY, nullable=False, server_default="0"),
)

# Budget vs actual per period and category (expenses' payment_type): planned from budget items,
# actually spent from expenses (reversals included, as negated amounts).
budget_lines = Table(
    "budget_lines",
    metadata,
    Column("period_id", BigInteger, nullable=False),
    Column("category", Text, nullable=False),
    Column("community_id", BigInteger, nullable=False),
    Column("planned", MONEY, nullable=False, server_default="0"),
    Column("actual", MONEY, nullable=False, server_default="0"),
    PrimaryKeyConstraint("period_id", "category"),
)

meters = Table(
    "meters",
    metadata,
    Column("meter_id", BigInteger, primary_key=True),
    Column("community_id", BigInteger, nullable=False),
    Column("owner_id", BigInteger, nullable=False),
    Column("meter_type", Text, nullable=False),
    Column("name", Text, nullable=True),
    Column("tariff", Numeric, nullable=True),
    Index("ix_reporting_meters_community", "community_id", "meter_id"),
)

meter_readings = Table(
    "meter_readings",
    metadata,
    Column("reading_id", BigInteger, primary_key=True),
    Column("meter_id", BigInteger, nullable=False),
    Column("reading_date", Date, nullable=False),
    Column("value", Numeric, nullable=False),
    Column("is_replacement", Boolean, nullable=False),
    Index("ix_reporting_meter_readings_meter", "meter_id", "reading_date"),
)

# Groups that share costs (splits.events.v1), with running balances per member: what each paid
# for and owes of the group's live expenses, and the settlements each paid and received, all in
# the group's base currency. ``lines`` counts the live entries behind them: someone who left a
# group still appears while entries of theirs count, as in the splits service.
groups = Table(
    "groups",
    metadata,
    Column("group_id", BigInteger, primary_key=True),
    Column("name", Text, nullable=False),
    Column("base_currency", Text, nullable=False),
)

group_members = Table(
    "group_members",
    metadata,
    Column("group_id", BigInteger, nullable=False),
    Column("user_id", BigInteger, nullable=False),
    Column("role", Text, nullable=False),
    Column("display_name", Text, nullable=True),
    PrimaryKeyConstraint("group_id", "user_id"),
    Index("ix_reporting_group_members_user", "user_id"),
)

group_balances = Table(
    "group_balances",
    metadata,
    Column("group_id", BigInteger, nullable=False),
    Column("user_id", BigInteger, nullable=False),
    Column("total_paid_for_expenses", MONEY, nullable=False, server_default="0"),
    Column("total_share_of_expenses", MONEY, nullable=False, server_default="0"),
    Column("total_settlements_paid", MONEY, nullable=False, server_default="0"),
    Column("total_settlements_received", MONEY, nullable=False, server_default="0"),
    Column("lines", BigInteger, nullable=False, server_default="0"),
    PrimaryKeyConstraint("group_id", "user_id"),
    Index("ix_reporting_group_balances_user", "user_id"),
)

# A group's expenses as they stand now (for the CSV export); deleted ones are kept, marked.
group_expenses = Table(
    "group_expenses",
    metadata,
    Column("expense_id", BigInteger, primary_key=True),
    Column("group_id", BigInteger, nullable=False),
    Column("expense_date", Date, nullable=False),
    Column("description", Text, nullable=False),
    Column("category", Text, nullable=True),
    Column("total_amount", MONEY, nullable=False),
    Column("currency", Text, nullable=False),
    Column("base_total_amount", MONEY, nullable=False),
    Column("split_type", Text, nullable=False),
    # [{"user_id": .., "base_amount": ".."}] and [{"user_id": .., "base_owed_amount": ".."}]
    Column("payers", JSONB, nullable=False),
    Column("splits", JSONB, nullable=False),
    Column("status", Text, nullable=False),
    Column("version", Integer, nullable=False),
    Column("deleted", Boolean, nullable=False, server_default="false"),
    Index("ix_reporting_group_expenses_group", "group_id", "expense_date", "expense_id"),
)

# The audit log: one append-only entry per event, hash-chained per community, per group, or per
# topic partition (see reporting.domain.audit). ``entry_id`` is the order entries were written in.
audit_entries = Table(
    "audit_entries",
    metadata,
    Column("entry_id", BigInteger, primary_key=True, autoincrement=True),
    Column("chain", Text, nullable=False),
    Column("seq", BigInteger, nullable=False),
    Column("community_id", BigInteger, nullable=True),
    Column("group_id", BigInteger, nullable=True),
    Column("event_id", Text, nullable=False),
    Column("event_type", Text, nullable=False),
    Column("event_version", Integer, nullable=False),
    Column("occurred_at", DateTime(timezone=True), nullable=False),
    Column("actor_kind", Text, nullable=False),
    Column("actor_id", Text, nullable=False),
    Column("actor_name", Text, nullable=True),
    Column("payload", JSONB, nullable=False),
    Column("before", JSONB, nullable=True),
    Column("after", JSONB, nullable=True),
    Column("reason", Text, nullable=True),
    Column("prev_hash", Text, nullable=False),
    Column("hash", Text, nullable=False),
    Column("recorded_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    UniqueConstraint("chain", "seq", name="uq_audit_entries_chain_seq"),
    UniqueConstraint("event_id", name="uq_audit_entries_event"),
    Index("ix_audit_entries_community", "community_id", "entry_id"),
    Index("ix_audit_entries_group", "group_id", "entry_id"),
    Index("ix_audit_entries_occurred", "occurred_at"),
)

# The current head of every chain: what the bot posts to the chat. Locked while appending, so two
# consumers never give two entries the same place in a chain.
audit_heads = Table(
    "audit_heads",
    metadata,
    Column("chain", Text, primary_key=True),
    Column("seq", BigInteger, nullable=False),
    Column("hash", Text, nullable=False),
    Column("entry_id", BigInteger, nullable=False),
)


def rebuilt_tables() -> list[Table]:
    """The tables built from events, and the inbox that says which events they hold: what a
    rebuild replaces. The outbox and the idempotency keys are not built from events."""
    kept = {platform.outbox.name, platform.idempotency_keys.name}
    return [table for table in metadata.sorted_tables if table.name not in kept]
