"""community settings: the bank details owners pay to (checked by the contract's BankDetails)

Revision ID: 0010
Revises: 0009
Create Date: 2026-11-28 14:50:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column(
        "communities", sa.Column("bank_details", postgresql.JSONB(), nullable=True)
    )


def downgrade() -> None:
    op.drop_column("communities", "bank_details")
