"""The recurring service's tables (its own database): patterns and their occurrences."""

from __future__ import annotations

from sosenki_platform.tables import add_platform_tables
from sqlalchemy import (
    CheckConstraint,
    Column,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    PrimaryKeyConstraint,
    Table,
    Text,
    Time,
    func,
    text,
)
from sqlalchemy.dialects.postgresql import ARRAY, JSONB, UUID

metadata = MetaData()
platform = add_platform_tables(metadata)

patterns = Table(
    "patterns",
    metadata,
    Column("id", UUID(as_uuid=False), primary_key=True),
    Column("name", Text, nullable=False),
    Column("frequency", Text, nullable=False),
    Column("interval", Integer, nullable=False),
    # 0 = Monday … 6 = Sunday; weekly patterns only.
    Column("days_of_week", ARRAY(Integer), nullable=True),
    Column("start_date", Date, nullable=False),
    Column("time_of_day", Time, nullable=False),
    Column("timezone", Text, nullable=False),
    Column("end_date", Date, nullable=True),
    Column("max_occurrences", Integer, nullable=True),
    Column("catch_up", Text, nullable=False),
    Column("target", JSONB, nullable=False),
    # active, paused, cancelled, finished
    Column("status", Text, nullable=False),
    # The next occurrence not yet emitted (or skipped); NULL when the schedule has no more.
    Column("next_number", Integer, nullable=True),
    Column("next_due_at", DateTime(timezone=True), nullable=True),
    # Where an automatically created pattern came from (``splits:<template expense id>``).
    Column("source", Text, nullable=True, unique=True),
    # Who created it: the occurrences' commands act on their behalf.
    Column("actor", JSONB, nullable=False),
    Column("created_by", Text, nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    Column("updated_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    CheckConstraint("interval >= 1", name="interval_positive"),
    Index(
        "ix_patterns_due",
        "next_due_at",
        postgresql_where=text("status = 'active' AND next_due_at IS NOT NULL"),
    ),
)

occurrences = Table(
    "occurrences",
    metadata,
    Column("pattern_id", UUID(as_uuid=False), ForeignKey("patterns.id"), nullable=False),
    Column("number", Integer, nullable=False),
    Column("due_at", DateTime(timezone=True), nullable=False),
    Column("occurrence_date", Date, nullable=False),
    Column("command_id", Text, nullable=False, unique=True),
    Column("command_type", Text, nullable=False),
    Column("payload", JSONB, nullable=True),
    # emitted, done, refused, skipped
    Column("status", Text, nullable=False),
    Column("status_code", Integer, nullable=True),
    Column("detail", Text, nullable=True),
    Column("emitted_at", DateTime(timezone=True), nullable=True),
    Column("resolved_at", DateTime(timezone=True), nullable=True),
    # One row per occurrence number: the last guard against emitting an occurrence twice.
    PrimaryKeyConstraint("pattern_id", "number"),
)
