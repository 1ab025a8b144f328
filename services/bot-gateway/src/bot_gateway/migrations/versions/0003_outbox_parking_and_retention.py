"""platform tables: outbox rows can be parked; indexes for the retention jobs (now a no-op)

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-28 08:10:00
"""

from collections.abc import Sequence


revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# What this did (park columns on the outbox, indexes for the retention jobs) is now done once for
# every service by the platform's migration branch (sosenki_platform/platform_migrations). The
# revision stays, empty, so databases already at it still find it.


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
