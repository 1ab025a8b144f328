"""What a conversation in progress keeps: writes waiting for Confirm, the users waiting for a
result, and each user's entries (for ``/undo``). Part of the :class:`Repository`, inside the
caller's transaction."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Row, func, select, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from bot_gateway.adapters import tables as t


class Conversations:
    session: AsyncSession

    # Confirmations ------------------------------------------------------------------------

    async def add_pending(self, **values: Any) -> None:
        await self.session.execute(t.pending_actions.insert().values(**values))

    async def pending(self, action_id: str) -> Row[Any] | None:
        p = t.pending_actions
        return (await self.session.execute(select(p).where(p.c.id == action_id))).first()

    async def pending_by_command(self, command_id: str) -> Row[Any] | None:
        p = t.pending_actions
        query = select(p).where(p.c.command_id == command_id)
        return (await self.session.execute(query)).first()

    async def decide(self, action_id: str, status: str) -> bool:
        """Confirm or cancel once; False when it was decided already."""
        p = t.pending_actions
        result = await self.session.execute(
            update(p)
            .where(p.c.id == action_id, p.c.status == "pending")
            .values(status=status, decided_at=func.now())
            .returning(p.c.id)
        )
        return result.first() is not None

    async def update_pending_payload(
        self, action_id: str, payload: dict[str, Any], summary: str
    ) -> None:
        p = t.pending_actions
        await self.session.execute(
            update(p).where(p.c.id == action_id).values(payload=payload, summary=summary)
        )

    async def split_awaiting_numbers(self, chat_id: int, telegram_user_id: int) -> Row[Any] | None:
        """The user's latest open split in this chat whose numbers the bot asked for."""
        p = t.pending_actions
        return (
            await self.session.execute(
                select(p)
                .where(
                    p.c.chat_id == chat_id,
                    p.c.telegram_user_id == telegram_user_id,
                    p.c.status == "pending",
                    p.c.command_type == "splits.create_expense",
                    p.c.payload["_awaiting"].as_boolean().is_(True),
                )
                .order_by(p.c.created_at.desc())
                .limit(1)
            )
        ).first()

    # Results the users wait for -----------------------------------------------------------

    async def await_result(
        self, correlation_id: str, command_id: str, chat_id: int, language: str
    ) -> None:
        await self.session.execute(
            insert(t.awaiting_results)
            .values(
                correlation_id=correlation_id,
                command_id=command_id,
                chat_id=chat_id,
                language=language,
            )
            .on_conflict_do_nothing()
        )

    async def take_awaited(self, correlation_id: str) -> Row[Any] | None:
        """The waiting user of this correlation id, once (later events find nobody waiting)."""
        a = t.awaiting_results
        return (
            await self.session.execute(
                update(a)
                .where(a.c.correlation_id == correlation_id, a.c.answered_at.is_(None))
                .values(answered_at=func.now())
                .returning(a.c.chat_id, a.c.language, a.c.command_id)
            )
        ).first()

    async def overdue_results(self, older_than: timedelta, now: datetime) -> list[Row[Any]]:
        """Results not in after ``older_than`` whose users were not told yet (marked told)."""
        a = t.awaiting_results
        rows = await self.session.execute(
            update(a)
            .where(
                a.c.answered_at.is_(None),
                a.c.slow_notice_at.is_(None),
                a.c.created_at < now - older_than,
            )
            .values(slow_notice_at=func.now())
            .returning(a.c.chat_id, a.c.language)
        )
        return list(rows.all())

    # Entries for /undo --------------------------------------------------------------------

    async def remember_entry(self, **values: Any) -> None:
        await self.session.execute(
            insert(t.recorded_entries).values(**values).on_conflict_do_nothing()
        )

    async def mark_reversed(self, entry: str, entry_id: int) -> None:
        r = t.recorded_entries
        await self.session.execute(
            update(r).where(r.c.entry == entry, r.c.entry_id == entry_id).values(reversed=True)
        )

    async def last_entry(self, user_id: int) -> Row[Any] | None:
        r = t.recorded_entries
        return (
            await self.session.execute(
                select(r)
                .where(r.c.actor_user_id == user_id, r.c.reversed.is_(False))
                .order_by(r.c.recorded_at.desc(), r.c.entry_id.desc())
                .limit(1)
            )
        ).first()
