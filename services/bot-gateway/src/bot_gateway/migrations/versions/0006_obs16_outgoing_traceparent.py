"""outgoing messages: the trace that queued each one, so sending it continues that trace

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-28 11:30:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("outgoing_messages", sa.Column("traceparent", sa.Text(), nullable=True))


def downgrade() -> None:
    op.drop_column("outgoing_messages", "traceparent")
