"""identity: the gateway's own user ids, one Telegram account per user, hashed expiring invitations

A user with several Telegram accounts (a re-link the old join links allowed) keeps one: the account
that is the user by number, else the one linked first; each other account becomes a new, empty
user. Old join links were made unchecked: they are dropped, not carried over.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-28 08:10:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

FIRST = 8_000_000_000_000_001


def upgrade() -> None:
    op.execute(f"CREATE SEQUENCE user_ids START WITH {FIRST} MINVALUE {FIRST}")
    op.add_column(
        "telegram_users",
        sa.Column("how", sa.Text(), server_default="registered", nullable=False),
    )
    op.execute("UPDATE telegram_users SET how = 'legacy' WHERE user_id = telegram_user_id")
    op.execute("UPDATE telegram_users SET how = 'invitation' WHERE user_id <> telegram_user_id")
    op.execute(
        """
        WITH ranked AS (
            SELECT telegram_user_id,
                   row_number() OVER (
                       PARTITION BY user_id
                       ORDER BY (telegram_user_id = user_id) DESC, updated_at, telegram_user_id
                   ) AS n
            FROM telegram_users
        )
        UPDATE telegram_users u SET user_id = nextval('user_ids'), how = 'registered'
        FROM ranked r WHERE r.telegram_user_id = u.telegram_user_id AND r.n > 1
        """
    )
    op.drop_index("ix_telegram_users_user_id", table_name="telegram_users")
    op.create_unique_constraint("telegram_users_user_id_key", "telegram_users", ["user_id"])
    op.drop_table("join_links")
    op.create_table(
        "invitations",
        sa.Column("token_hash", sa.Text(), nullable=False),
        sa.Column("user_id", sa.BigInteger(), nullable=False),
        sa.Column("community_id", sa.BigInteger(), nullable=True),
        sa.Column("group_id", sa.BigInteger(), nullable=True),
        sa.Column("created_by", sa.BigInteger(), nullable=False),
        sa.Column(
            "created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False
        ),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("used_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("used_by", sa.BigInteger(), nullable=True),
        sa.PrimaryKeyConstraint("token_hash"),
    )


def downgrade() -> None:
    op.drop_table("invitations")
    op.create_table(
        "join_links",
        sa.Column("token", sa.Text(), nullable=False),
        sa.Column("user_id", sa.BigInteger(), nullable=False),
        sa.Column("community_id", sa.Integer(), nullable=True),
        sa.Column("created_by", sa.Text(), nullable=False),
        sa.Column(
            "created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False
        ),
        sa.Column("used_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("used_by", sa.BigInteger(), nullable=True),
        sa.PrimaryKeyConstraint("token"),
    )
    op.drop_constraint("telegram_users_user_id_key", "telegram_users", type_="unique")
    op.create_index("ix_telegram_users_user_id", "telegram_users", ["user_id"], unique=False)
    op.drop_column("telegram_users", "how")
    op.execute("DROP SEQUENCE user_ids")
