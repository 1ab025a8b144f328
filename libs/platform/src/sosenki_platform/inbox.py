"""The inbox: a message is applied together with its id in one transaction, so a redelivered
message changes nothing."""

from __future__ import annotations

from collections.abc import Sequence
from typing import NamedTuple

from sqlalchemy import text
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from sosenki_platform.tables import PlatformTables

#: Where the message being applied was read from, in ``session.info`` (message id, topic,
#: partition), so a handler that needs it does not read its inbox row back.
SOURCE = "sosenki_inbox_source"


class Claim(NamedTuple):
    message_id: str
    message_type: str
    topic: str
    partition: int
    offset: int


class Inbox:
    def __init__(self, tables: PlatformTables) -> None:
        self._table = tables.inbox
        # Written out once: SQLAlchemy compiles an INSERT … ON CONFLICT on every execution.
        self._claim_one = text(
            f"INSERT INTO {tables.inbox.name}"
            ' (message_id, message_type, topic, partition, "offset")'
            " VALUES (:message_id, :message_type, :topic, :partition, :offset)"
            " ON CONFLICT (message_id) DO NOTHING RETURNING message_id"
        )

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
            self._claim_one,
            {
                "message_id": message_id,
                "message_type": message_type,
                "topic": topic,
                "partition": partition,
                "offset": offset,
            },
        )
        return result.scalar_one_or_none() is not None

    async def claim_many(self, session: AsyncSession, claims: Sequence[Claim]) -> set[str]:
        """Record a batch of messages in the session's transaction in one statement per chunk;
        returns the ids claimed now (those applied before are left out, and a message twice in
        the batch is claimed once)."""
        if not claims:
            return set()
        # Executemany: SQLAlchemy sends it as multi-row INSERTs ("insertmanyvalues"), one
        # cached statement per page, whatever the batch's size.
        result = await session.execute(
            insert(self._table)
            .on_conflict_do_nothing(index_elements=["message_id"])
            .returning(self._table.c.message_id),
            [
                {
                    "message_id": c.message_id,
                    "message_type": c.message_type,
                    "topic": c.topic,
                    "partition": c.partition,
                    "offset": c.offset,
                }
                for c in claims
            ],
        )
        return set(result.scalars())
