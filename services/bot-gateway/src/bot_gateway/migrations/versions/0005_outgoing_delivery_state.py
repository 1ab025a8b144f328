"""outgoing messages: per-message delivery state (in flight, Telegram's message id, why failed)
and indexes for pruning

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-28 08:10:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column(
        "outgoing_messages", sa.Column("sending_at", sa.DateTime(timezone=True), nullable=True)
    )
    op.add_column(
        "outgoing_messages", sa.Column("telegram_message_id", sa.BigInteger(), nullable=True)
    )
    op.add_column("outgoing_messages", sa.Column("failure", sa.Text(), nullable=True))
    op.create_index(
        "ix_outgoing_messages_in_flight",
        "outgoing_messages",
        ["id"],
        unique=False,
        postgresql_where=sa.text("sending_at IS NOT NULL"),
    )
    op.create_index(
        "ix_outgoing_messages_sent_at",
        "outgoing_messages",
        ["sent_at"],
        unique=False,
        postgresql_where=sa.text("sent_at IS NOT NULL"),
    )
    op.create_index(
        "ix_outgoing_messages_failed_at",
        "outgoing_messages",
        ["failed_at"],
        unique=False,
        postgresql_where=sa.text("failed_at IS NOT NULL"),
    )
    # Messages refused before this revision were refused permanently (4xx).
    op.execute("UPDATE outgoing_messages SET failure = 'refused' WHERE failed_at IS NOT NULL")


def downgrade() -> None:
    op.drop_index("ix_outgoing_messages_failed_at", table_name="outgoing_messages")
    op.drop_index("ix_outgoing_messages_sent_at", table_name="outgoing_messages")
    op.drop_index("ix_outgoing_messages_in_flight", table_name="outgoing_messages")
    op.drop_column("outgoing_messages", "failure")
    op.drop_column("outgoing_messages", "telegram_message_id")
    op.drop_column("outgoing_messages", "sending_at")
