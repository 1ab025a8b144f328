"""The inbox: a message is applied together with its id in one transaction, so a redelivered
message changes nothing."""

from __future__ import annotations

from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from sosenki_platform.tables import PlatformTables


class Inbox:
    def __init__(self, tables: PlatformTables) -> None:
        self._table = tables.inbox

    async def claim(
        self,
        session: AsyncSession,
        message_id: str,
        message_type: str,
        topic: str,
        partition: int,
        offset: int,
    ) -> bool:
        """Record the message in the session's transaction; False when it was applied before."""
        result = await session.execute(
            insert(self._table)
            .values(
                message_id=message_id,
                message_type=message_type,
                topic=topic,
                partition=partition,
                offset=offset,
            )
            .on_conflict_do_nothing(index_elements=["message_id"])
            .returning(self._table.c.message_id)
        )
        return result.scalar_one_or_none() is not None
