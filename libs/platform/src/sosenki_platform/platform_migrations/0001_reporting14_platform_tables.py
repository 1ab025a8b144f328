"""platform tables: the outbox, the inbox and the idempotency keys, for every service

Revision ID: platform_0001
Revises:
Create Date: 2026-11-28 12:00:00

The platform's own branch (label ``platform``), applied beside each service's branch. Databases
made before this branch existed already have these tables (each service's initial migration and
its ``outbox_parking_and_retention`` migration used to create them), so every step is skipped
when its object is there: an old database and a fresh one end with the same schema.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "platform_0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = ("platform",)
depends_on: str | Sequence[str] | None = None


def _tables() -> set[str]:
    return set(sa.inspect(op.get_bind()).get_table_names())


def _indexes(table: str) -> set[str]:
    return {ix["name"] for ix in sa.inspect(op.get_bind()).get_indexes(table) if ix["name"]}


def _columns(table: str) -> set[str]:
    return {c["name"] for c in sa.inspect(op.get_bind()).get_columns(table)}


def upgrade() -> None:
    tables = _tables()
    if "idempotency_keys" not in tables:
        op.create_table(
            "idempotency_keys",
            sa.Column("principal", sa.Text(), nullable=False),
            sa.Column("key", sa.Text(), nullable=False),
            sa.Column("method", sa.Text(), nullable=False),
            sa.Column("path", sa.Text(), nullable=False),
            sa.Column("request_hash", sa.Text(), nullable=False),
            sa.Column("status_code", sa.Integer(), nullable=False),
            sa.Column("response_body", sa.Text(), nullable=False),
            sa.Column(
                "created_at",
                sa.DateTime(timezone=True),
                server_default=sa.text("now()"),
                nullable=False,
            ),
            sa.PrimaryKeyConstraint("principal", "key"),
        )
    if "inbox" not in tables:
        op.create_table(
            "inbox",
            sa.Column("message_id", sa.Text(), nullable=False),
            sa.Column("message_type", sa.Text(), nullable=False),
            sa.Column("topic", sa.Text(), nullable=False),
            sa.Column("partition", sa.Integer(), nullable=False),
            sa.Column("offset", sa.BigInteger(), nullable=False),
            sa.Column(
                "processed_at",
                sa.DateTime(timezone=True),
                server_default=sa.text("now()"),
                nullable=False,
            ),
            sa.PrimaryKeyConstraint("message_id"),
        )
    if "outbox" not in tables:
        op.create_table(
            "outbox",
            sa.Column("id", sa.BigInteger(), autoincrement=True, nullable=False),
            sa.Column("event_id", sa.UUID(), nullable=False),
            sa.Column("topic", sa.Text(), nullable=False),
            sa.Column("key", sa.Text(), nullable=False),
            sa.Column("event_type", sa.Text(), nullable=False),
            sa.Column("envelope", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
            sa.Column("traceparent", sa.Text(), nullable=True),
            sa.Column(
                "created_at",
                sa.DateTime(timezone=True),
                server_default=sa.text("now()"),
                nullable=False,
            ),
            sa.Column("published_at", sa.DateTime(timezone=True), nullable=True),
            sa.PrimaryKeyConstraint("id"),
            sa.UniqueConstraint("event_id"),
        )
    # Parking a row the broker refuses for good (added later than the outbox itself).
    columns = _columns("outbox")
    if "parked_at" not in columns:
        op.add_column("outbox", sa.Column("parked_at", sa.DateTime(timezone=True), nullable=True))
    if "park_reason" not in columns:
        op.add_column("outbox", sa.Column("park_reason", sa.Text(), nullable=True))
    outbox = _indexes("outbox")
    if "ix_outbox_unpublished" not in outbox:
        op.create_index(
            "ix_outbox_unpublished",
            "outbox",
            ["id"],
            unique=False,
            postgresql_where=sa.text("published_at IS NULL"),
        )
    if "ix_outbox_parked" not in outbox:
        op.create_index(
            "ix_outbox_parked",
            "outbox",
            ["topic", "key", "id"],
            postgresql_where=sa.text("parked_at IS NOT NULL AND published_at IS NULL"),
        )
    # Indexes for the retention jobs.
    if "ix_outbox_published_at" not in outbox:
        op.create_index("ix_outbox_published_at", "outbox", ["published_at"])
    if "ix_inbox_position" not in _indexes("inbox"):
        op.create_index("ix_inbox_position", "inbox", ["topic", "partition", "offset"])
    if "ix_idempotency_keys_created_at" not in _indexes("idempotency_keys"):
        op.create_index("ix_idempotency_keys_created_at", "idempotency_keys", ["created_at"])


def downgrade() -> None:
    op.drop_table("idempotency_keys")
    op.drop_table("inbox")
    op.drop_table("outbox")
