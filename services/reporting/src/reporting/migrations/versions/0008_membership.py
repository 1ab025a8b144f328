"""who belongs where: treasurers, owners by user, the balance-sheet setting

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-28 08:25:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column(
        "communities",
        sa.Column(
            "owners_see_balance_sheet", sa.Boolean(), server_default="true", nullable=False
        ),
    )
    op.create_table(
        "treasurers",
        sa.Column("community_id", sa.BigInteger(), nullable=False),
        sa.Column("user_id", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("community_id", "user_id"),
    )
    op.create_index("ix_reporting_treasurers_user", "treasurers", ["user_id"])
    op.create_index("ix_reporting_owners_owner", "owners", ["owner_id"])


def downgrade() -> None:
    op.drop_index("ix_reporting_owners_owner", table_name="owners")
    op.drop_index("ix_reporting_treasurers_user", table_name="treasurers")
    op.drop_table("treasurers")
    op.drop_column("communities", "owners_see_balance_sheet")
