"""community settings: whether owners see the balance sheet

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-28 08:20:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column(
        "communities",
        sa.Column(
            "owners_see_balance_sheet", sa.Boolean(), server_default="true", nullable=False
        ),
    )


def downgrade() -> None:
    op.drop_column("communities", "owners_see_balance_sheet")
