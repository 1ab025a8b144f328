"""a community's bank details, from ledger.community_settings_changed (the payment QR code)

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-28 14:55:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("communities", sa.Column("bank_details", postgresql.JSONB(), nullable=True))


def downgrade() -> None:
    op.drop_column("communities", "bank_details")
