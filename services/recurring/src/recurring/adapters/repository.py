"""Reads and writes of patterns and occurrences, in the caller's transaction: the database's
side of ``use_cases/store.py``."""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from datetime import datetime
from typing import Any

from sosenki_contracts.envelope import Actor, CommandEnvelope
from sosenki_platform.service import Runtime
from sqlalchemy import Row, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from recurring.adapters import tables as t


class PatternRepository:
    def __init__(self, session: AsyncSession, runtime: Runtime) -> None:
        self.session = session
        self.runtime = runtime

    @asynccontextmanager
    async def savepoint(self) -> AsyncIterator[object]:
        async with self.session.begin_nested() as nested:
            yield nested

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
        await self.runtime.outbox.append_command(self.session, topic, envelope, key=key)

    async def add_pattern(self, values: dict[str, Any]) -> Row[Any]:
        return (
            await self.session.execute(
                t.patterns.insert().values(**values).returning(*t.patterns.c)
            )
        ).one()

    async def get_pattern(self, pattern_id: str, *, for_update: bool = False) -> Row[Any] | None:
        query = select(t.patterns).where(t.patterns.c.id == pattern_id)
        if for_update:
            query = query.with_for_update()
        return (await self.session.execute(query)).one_or_none()

    async def get_by_source(self, source: str, *, for_update: bool = False) -> Row[Any] | None:
        query = select(t.patterns).where(t.patterns.c.source == source)
        if for_update:
            query = query.with_for_update()
        return (await self.session.execute(query)).one_or_none()

    async def list_patterns(
        self, statuses: Sequence[str], created_by: str | None
    ) -> list[Row[Any]]:
        query = select(t.patterns).where(t.patterns.c.status.in_(statuses))
        if created_by is not None:
            query = query.where(t.patterns.c.created_by == created_by)
        query = query.order_by(t.patterns.c.created_at, t.patterns.c.id)
        return list((await self.session.execute(query)).all())

    async def update_pattern(self, pattern_id: str, values: dict[str, Any]) -> Row[Any]:
        return (
            await self.session.execute(
                t.patterns.update()
                .where(t.patterns.c.id == pattern_id)
                .values(**values, updated_at=func.now())
                .returning(*t.patterns.c)
            )
        ).one()

    async def claim_due(self, now: datetime, limit: int) -> list[Row[Any]]:
        """Active patterns with an occurrence due at ``now``, locked for this transaction.

        ``SKIP LOCKED``: another scheduler instance holding some of them takes those, this one
        takes the rest; a row another instance has just advanced no longer matches.
        """
        p = t.patterns
        query = (
            select(p)
            .where(p.c.status == "active", p.c.next_due_at.is_not(None), p.c.next_due_at <= now)
            .order_by(p.c.next_due_at, p.c.id)
            .limit(limit)
            .with_for_update(skip_locked=True)
        )
        return list((await self.session.execute(query)).all())

    async def add_occurrence(self, values: dict[str, Any]) -> Row[Any]:
        return (
            await self.session.execute(
                t.occurrences.insert().values(**values).returning(*t.occurrences.c)
            )
        ).one()

    async def occurrences(self, pattern_id: str) -> list[Row[Any]]:
        o = t.occurrences
        query = select(o).where(o.c.pattern_id == pattern_id).order_by(o.c.number)
        return list((await self.session.execute(query)).all())

    async def get_occurrence_by_command(
        self, command_id: str, *, for_update: bool = False
    ) -> Row[Any] | None:
        query = select(t.occurrences).where(t.occurrences.c.command_id == command_id)
        if for_update:
            query = query.with_for_update()
        return (await self.session.execute(query)).one_or_none()

    async def update_occurrence(
        self, pattern_id: str, number: int, values: dict[str, Any]
    ) -> Row[Any]:
        o = t.occurrences
        return (
            await self.session.execute(
                o.update()
                .where(o.c.pattern_id == pattern_id, o.c.number == number)
                .values(**values)
                .returning(*o.c)
            )
        ).one()
