"""periods remember being carried forward (an owner's current balance adds up the others)

Revision ID: 0007
Revises: 0006
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column(
        "periods",
        sa.Column("carried_forward", sa.Boolean(), server_default="false", nullable=False),
    )
    # Carry-forwards already applied are in the audit log, which holds every event's payload.
    op.execute(
        "UPDATE periods SET carried_forward = true WHERE period_id IN ("
        "SELECT (payload->>'from_period_id')::bigint FROM audit_entries "
        "WHERE event_type = 'ledger.balances_carried_forward')"
    )


def downgrade() -> None:
    op.drop_column("periods", "carried_forward")
