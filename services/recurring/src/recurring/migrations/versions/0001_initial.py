"""initial

Revision ID: 0001
Revises:
Create Date: 2026-11-21 05:46:37.084654
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # The platform's tables (outbox, inbox, idempotency keys) are made by the platform's own
    # migration branch (sosenki_platform/platform_migrations), no longer here.
    pass


def downgrade() -> None:
    # The platform's tables (outbox, inbox, idempotency keys) are made by the platform's own
    # migration branch (sosenki_platform/platform_migrations), no longer here.
    pass
