"""platform tables: outbox rows can be parked; indexes for the retention jobs

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-28 08:10:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("outbox", sa.Column("parked_at", sa.DateTime(timezone=True), nullable=True))
    op.add_column("outbox", sa.Column("park_reason", sa.Text(), nullable=True))
    op.create_index(
        "ix_outbox_parked",
        "outbox",
        ["topic", "key", "id"],
        postgresql_where=sa.text("parked_at IS NOT NULL AND published_at IS NULL"),
    )
    op.create_index("ix_outbox_published_at", "outbox", ["published_at"])
    op.create_index("ix_inbox_position", "inbox", ["topic", "partition", "offset"])
    op.create_index("ix_idempotency_keys_created_at", "idempotency_keys", ["created_at"])


def downgrade() -> None:
    op.drop_index("ix_idempotency_keys_created_at", table_name="idempotency_keys")
    op.drop_index("ix_inbox_position", table_name="inbox")
    op.drop_index("ix_outbox_published_at", table_name="outbox")
    op.drop_index("ix_outbox_parked", table_name="outbox")
    op.drop_column("outbox", "park_reason")
    op.drop_column("outbox", "parked_at")
