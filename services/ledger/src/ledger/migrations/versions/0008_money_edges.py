"""money at the edges: periods of a community never overlap; usage charges name their meter type

Revision ID: 0008
Revises: 0007
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # btree_gist lets one exclusion constraint compare the community (=) and the dates (&&), so
    # two concurrent creations of overlapping periods cannot both commit.
    op.execute("CREATE EXTENSION IF NOT EXISTS btree_gist")
    op.execute(
        "ALTER TABLE periods ADD CONSTRAINT periods_do_not_overlap EXCLUDE USING gist "
        "(community_id WITH =, daterange(start_date, end_date, '[]') WITH &&)"
    )
    # A usage bill is its charges: the period's usage of a type is billed while one stands.
    op.add_column("service_charges", sa.Column("usage_meter_type", sa.Text(), nullable=True))
    op.create_index(
        "ix_service_charges_usage",
        "service_charges",
        ["period_id", "usage_meter_type"],
        postgresql_where=sa.text("usage_meter_type IS NOT NULL"),
    )
    # Bills made before: their charges are described "<Type>: <used> units at <tariff>".
    op.execute(
        "UPDATE service_charges c SET usage_meter_type = b.meter_type FROM usage_billings b "
        "WHERE c.period_id = b.period_id AND c.kind = 'charge' "
        "AND c.description LIKE initcap(b.meter_type) || ': % units at %'"
    )


def downgrade() -> None:
    op.drop_index("ix_service_charges_usage", table_name="service_charges")
    op.drop_column("service_charges", "usage_meter_type")
    op.execute("ALTER TABLE periods DROP CONSTRAINT periods_do_not_overlap")
