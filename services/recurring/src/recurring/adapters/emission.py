"""The scheduler's pass over a batch of due patterns, written in a few statements instead of
several per pattern: occurrences, commands, events and pattern moves are kept in memory while the
use case (``use_cases/occurrences.py``) emits, and written together by :meth:`EmissionBatch.flush`
in the batch's transaction. A pattern whose emission raises is undone in memory (its
``savepoint``), as a database savepoint would; the other patterns of the batch still go out.

Why: with a statement (and a round trip) per occurrence, its command, its event and the pattern,
100,000 patterns falling due at once (the first of the month) took minutes; see issue 15 (P5).
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from types import SimpleNamespace
from typing import Any

from pydantic import BaseModel
from sosenki_contracts.envelope import Actor, CommandEnvelope
from sosenki_platform.service import Runtime
from sosenki_platform.telemetry import current_traceparent
from sosenki_platform.use_case import envelope_of
from sqlalchemy import Row, bindparam, func, update
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.ext.asyncio import AsyncSession

from recurring.adapters import tables as t
from recurring.adapters.repository import PatternRepository

_OCCURRENCE_COLUMNS = tuple(column.name for column in t.occurrences.c)
_JSON_COLUMNS = frozenset(c.name for c in t.occurrences.c if isinstance(c.type, JSONB))
_OUTBOX_COLUMNS = ("event_id", "topic", "key", "event_type", "envelope", "traceparent")


def _insert_sql(table: str, columns: tuple[str, ...], tail: str = "") -> str:
    names = ", ".join(f'"{name}"' for name in columns)
    values = ", ".join(f"${n}" for n in range(1, len(columns) + 1))
    return f'INSERT INTO "{table}" ({names}) VALUES ({values}){tail}'


_OCCURRENCES_SQL = _insert_sql(t.occurrences.name, _OCCURRENCE_COLUMNS)
# A command row already queued (its id derives from the command id) is skipped, as
# ``Outbox.insert_rows`` does.
_OUTBOX_SQL = _insert_sql(
    t.platform.outbox.name, _OUTBOX_COLUMNS, " ON CONFLICT (event_id) DO NOTHING"
)


def _json(value: Any) -> str | None:
    """JSONB as text: the encoding SQLAlchemy's asyncpg codec takes (and its default dumps)."""
    return None if value is None else json.dumps(value)


_MOVED = ("status", "next_number", "next_due_at")


class EmissionBatch(PatternRepository):
    """The repository of one scheduler pass: claims as usual, writes later."""

    def __init__(self, session: AsyncSession, runtime: Runtime) -> None:
        super().__init__(session, runtime)
        self._claimed: dict[str, dict[str, Any]] = {}
        self._occurrences: list[dict[str, Any]] = []
        self._outbox: list[dict[str, Any]] = []
        self._moves: dict[str, dict[str, Any]] = {}
        self._traceparent: str | None = None

    async def claim_due(self, now: Any, limit: int) -> list[Row[Any]]:
        rows = await super().claim_due(now, limit)
        self._claimed.update({str(row.id): dict(row._mapping) for row in rows})
        return rows

    @asynccontextmanager
    async def savepoint(self) -> AsyncIterator[object]:
        marks = (len(self._occurrences), len(self._outbox), dict(self._moves))
        # A pattern's rows are written under its one span: its traceparent, taken once.
        self._traceparent = current_traceparent()
        try:
            yield self
        except BaseException:
            del self._occurrences[marks[0] :]
            del self._outbox[marks[1] :]
            self._moves = marks[2]
            raise

    async def add_occurrence(self, values: dict[str, Any]) -> Any:
        row = {name: values.get(name) for name in _OCCURRENCE_COLUMNS}
        self._occurrences.append(row)
        return SimpleNamespace(**row)

    async def update_pattern(self, pattern_id: str, values: dict[str, Any]) -> Any:
        if pattern_id not in self._claimed or set(values) - set(_MOVED):
            raise ValueError(f"a scheduler pass only moves the patterns it claimed: {values}")
        self._claimed[pattern_id].update(values)
        self._moves[pattern_id] = {name: self._claimed[pattern_id][name] for name in _MOVED}
        return SimpleNamespace(**self._claimed[pattern_id])

    async def send_command(
        self,
        topic: str,
        key: str,
        *,
        command_id: str,
        command_type: str,
        actor: Actor,
        payload: dict[str, Any],
    ) -> None:
        envelope = CommandEnvelope(
            command_id=command_id,
            command_type=command_type,
            issuer=self.runtime.settings.service_name,
            correlation_id=command_id,
            actor=actor,
            payload=payload,
        )
        self._outbox.append(
            self.runtime.outbox.command_row(
                topic, envelope, key, self._traceparent, envelope_text=True
            )
        )

    def add_event(self, topic: str, event: Any) -> None:
        self._outbox.append(
            self.runtime.outbox.event_row(topic, event, self._traceparent, envelope_text=True)
        )

    async def flush(self) -> None:
        """Write what the pass emitted: a statement per table, not per occurrence."""
        if self._occurrences:
            await self._insert_many(
                _OCCURRENCES_SQL,
                [
                    tuple(
                        _json(row[name]) if name in _JSON_COLUMNS else row[name]
                        for name in _OCCURRENCE_COLUMNS
                    )
                    for row in self._occurrences
                ],
            )
        if self._moves:
            p = t.patterns
            moved = (
                update(p)
                .where(p.c.id == bindparam("b_id"))
                .values(
                    status=bindparam("b_status"),
                    next_number=bindparam("b_next_number"),
                    next_due_at=bindparam("b_next_due_at"),
                    updated_at=func.now(),
                )
            )
            rows = [
                {"b_id": key, **{f"b_{name}": value for name, value in values.items()}}
                for key, values in self._moves.items()
            ]
            await self.session.execute(moved, rows)
        if self._outbox:
            await self._insert_many(
                _OUTBOX_SQL,
                # The envelopes are JSON text already (``envelope_text``).
                [tuple(row[name] for name in _OUTBOX_COLUMNS) for row in self._outbox],
            )
        self._occurrences, self._outbox, self._moves = [], [], {}

    async def _insert_many(self, sql: str, records: list[tuple[Any, ...]]) -> None:
        """Rows through the driver's ``executemany`` in the session's transaction: SQLAlchemy's
        parameter processing per row cost more than the database's insert (issue 15, P5). A
        refusal (a clashing occurrence) fails the pass as before: the scheduler then writes the
        batch pattern by pattern, through the ordinary repository."""
        connection = await self.session.connection()
        raw = await connection.get_raw_connection()
        await raw.driver_connection.executemany(sql, records)  # type: ignore[union-attr]


class BatchEvents:
    """The pass's events, kept with its other writes (``EmissionBatch.flush`` writes them)."""

    def __init__(self, batch: EmissionBatch, runtime: Runtime, actor: Actor) -> None:
        self.batch = batch
        self.runtime = runtime
        self.actor = actor

    async def publish(self, topic: str, aggregate_id: str | int, event: BaseModel) -> None:
        envelope = envelope_of(
            event, aggregate_id, producer=self.runtime.settings.service_name, actor=self.actor
        )
        self.batch.add_event(topic, envelope)
