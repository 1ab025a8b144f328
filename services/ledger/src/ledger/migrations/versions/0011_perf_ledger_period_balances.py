"""running balances per owner and period, kept by the database with each entry

The balance sheet read every entry of a period (SQL aggregates), so it slowed down as history
grew. ``period_balances`` holds each owner's four sums of a period; statement-level triggers add
every inserted contribution, charge, expense (its payer) and allocation line to them in the same
transaction, so a balance row is always exactly the aggregate of the committed entries, whoever
inserted them (use cases, a bulk load, a benchmark). Entries stay immutable: an UPDATE of their
money, owner or period, or a DELETE, is refused, since the sums would no longer match.

Revision ID: 0011
Revises: 0010
Create Date: 2026-11-28 14:50:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# (table, balance column, owner column, period expression, from clause of the new rows)
_SOURCES = (
    ("contributions", "total_contributions", "n.owner_id", "n.period_id", "new_rows n"),
    ("service_charges", "total_charges", "n.owner_id", "n.period_id", "new_rows n"),
    (
        "expenses",
        "total_paid_expenses",
        "n.paid_by_owner_id",
        "n.period_id",
        "new_rows n",
    ),
    (
        "expense_allocations",
        "total_expenses",
        "n.owner_id",
        "e.period_id",
        "new_rows n JOIN expenses e ON e.id = n.expense_id",
    ),
)


def upgrade() -> None:
    op.execute(
        """
        CREATE TABLE period_balances (
            period_id bigint NOT NULL REFERENCES periods (id),
            owner_id bigint NOT NULL,
            total_contributions numeric NOT NULL DEFAULT 0,
            total_expenses numeric NOT NULL DEFAULT 0,
            total_charges numeric NOT NULL DEFAULT 0,
            total_paid_expenses numeric NOT NULL DEFAULT 0,
            PRIMARY KEY (period_id, owner_id)
        )
        """
    )
    for table, column, owner, period, source in _SOURCES:
        # Grouped and in key order: a statement touches each balance row once, and two
        # statements lock the rows they share in the same order.
        op.execute(
            f"""
            CREATE FUNCTION period_balances_from_{table}() RETURNS trigger
            LANGUAGE plpgsql AS $$
            BEGIN
                INSERT INTO period_balances AS b (period_id, owner_id, {column})
                SELECT {period}, {owner}, sum(n.amount) FROM {source}
                WHERE {owner} IS NOT NULL
                GROUP BY 1, 2 ORDER BY 1, 2
                ON CONFLICT (period_id, owner_id)
                DO UPDATE SET {column} = b.{column} + excluded.{column};
                RETURN NULL;
            END $$
            """
        )
        op.execute(
            f"""
            CREATE TRIGGER {table}_period_balances AFTER INSERT ON {table}
            REFERENCING NEW TABLE AS new_rows
            FOR EACH STATEMENT EXECUTE FUNCTION period_balances_from_{table}()
            """
        )
    op.execute(
        """
        CREATE FUNCTION entries_are_immutable() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            RAISE EXCEPTION 'ledger entries are never edited or deleted (%): post a reversal',
                TG_TABLE_NAME USING ERRCODE = 'restrict_violation';
        END $$
        """
    )
    for table, columns in (
        ("contributions", "amount, owner_id, period_id"),
        ("service_charges", "amount, owner_id, period_id"),
        ("expenses", "amount, paid_by_owner_id, period_id"),
        ("expense_allocations", "amount, owner_id, expense_id"),
    ):
        op.execute(
            f"""
            CREATE TRIGGER {table}_immutable BEFORE UPDATE OF {columns} OR DELETE ON {table}
            FOR EACH ROW EXECUTE FUNCTION entries_are_immutable()
            """
        )
    # What is already there.
    op.execute(
        """
        INSERT INTO period_balances (
            period_id, owner_id, total_contributions, total_expenses, total_charges,
            total_paid_expenses
        )
        SELECT period_id, owner_id, sum(c), sum(e), sum(ch), sum(p) FROM (
            SELECT period_id, owner_id, amount AS c, 0 AS e, 0 AS ch, 0 AS p FROM contributions
            UNION ALL
            SELECT x.period_id, a.owner_id, 0, a.amount, 0, 0
            FROM expense_allocations a JOIN expenses x ON x.id = a.expense_id
            UNION ALL
            SELECT period_id, owner_id, 0, 0, amount, 0 FROM service_charges
            UNION ALL
            SELECT period_id, paid_by_owner_id, 0, 0, 0, amount FROM expenses
            WHERE paid_by_owner_id IS NOT NULL
        ) AS entries
        GROUP BY period_id, owner_id
        """
    )


def downgrade() -> None:
    for table, _, _, _, _ in _SOURCES:
        op.execute(f"DROP TRIGGER {table}_immutable ON {table}")
        op.execute(f"DROP TRIGGER {table}_period_balances ON {table}")
        op.execute(f"DROP FUNCTION period_balances_from_{table}()")
    op.execute("DROP FUNCTION entries_are_immutable()")
    op.execute("DROP TABLE period_balances")
