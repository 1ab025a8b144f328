"""Writes an apply keeps until its transaction ends, then makes in a few statements.

The consumer applies a batch of events in one transaction (see ``sosenki_platform.consumer``).
Written one event at a time, every event would cost several round trips to the database (its
audit entry, its chain's head, each running total). Instead, the projections add here and
``reporting.projections.flush`` writes everything at once before the transaction commits (the
consumer's ``before_commit`` hook): audit entries in one multi-row insert, each chain's head
once, and each running total once with the sum of its deltas.

Running totals only ever *add* (``total = total + delta``), and no projection reads them while
applying, so summing the deltas of a batch first gives the same rows as adding them one by one.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from sqlalchemy import Table
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from reporting.adapters import tables as t
from reporting.domain.audit import AuditEntry

_KEY = "reporting_pending_writes"


@dataclass
class _Totals:
    #: primary key values → (the row's other identifying columns, deltas by column)
    rows: dict[tuple[Any, ...], tuple[dict[str, Any], dict[str, Decimal]]] = field(
        default_factory=dict
    )


@dataclass(frozen=True)
class PendingEntry:
    """An audit entry not yet given its place in its chain."""

    entry: AuditEntry
    community_id: int | None
    group_id: int | None


@dataclass
class PendingWrites:
    audit_entries: list[PendingEntry] = field(default_factory=list)
    totals: dict[str, _Totals] = field(default_factory=dict)

    def add(self, table: Table, key: dict[str, Any], extra: dict[str, Any], column: str,
            amount: Decimal) -> None:  # fmt: skip
        """Add ``amount`` to ``table.column`` of the row ``key`` (created with ``extra``)."""
        totals = self.totals.get(table.name)
        if totals is None:
            totals = self.totals[table.name] = _Totals()
        row_key = tuple([key[name] for name in _primary_key(table.name)])
        found = totals.rows.get(row_key)
        if found is None:
            found = ({**key, **extra}, {})
            totals.rows[row_key] = found
        deltas = found[1]
        deltas[column] = deltas[column] + amount if column in deltas else amount


@functools.cache
def _primary_key(table: str) -> tuple[str, ...]:
    return tuple(c.name for c in _TABLES[table].primary_key.columns)


def pending(session: AsyncSession) -> PendingWrites:
    """This transaction's pending writes."""
    writes = session.info.get(_KEY)
    if writes is None:
        writes = PendingWrites()
        session.info[_KEY] = writes
    assert isinstance(writes, PendingWrites)
    return writes


_TABLES = {table.name: table for table in (t.owner_balances, t.fund_totals, t.budget_lines)}


def take(session: AsyncSession) -> PendingWrites | None:
    """The transaction's pending writes, handed over once (to be written now)."""
    writes: PendingWrites | None = session.info.pop(_KEY, None)
    return writes


async def write_totals(session: AsyncSession, writes: PendingWrites) -> None:
    for name, totals in writes.totals.items():
        await _write_totals(session, _TABLES[name], totals)


async def _write_totals(session: AsyncSession, table: Table, totals: _Totals) -> None:
    columns = sorted({column for _, deltas in totals.rows.values() for column in deltas})
    rows = [
        {**identity, **{column: deltas.get(column, Decimal(0)) for column in columns}}
        for _, (identity, deltas) in sorted(totals.rows.items())
    ]
    stmt = insert(table)
    await session.execute(
        stmt.on_conflict_do_update(
            index_elements=[c.name for c in table.primary_key.columns],
            set_={column: table.c[column] + stmt.excluded[column] for column in columns},
        ),
        rows,
    )
