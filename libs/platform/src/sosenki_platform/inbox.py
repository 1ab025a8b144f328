"""The inbox: a message is applied together with its id in one transaction, so a redelivered
message changes nothing."""

from __future__ import annotations

from collections.abc import Sequence
from typing import NamedTuple

from sqlalchemy import text
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
        self._claim_many = text(
            f"INSERT INTO {tables.inbox.name}"
            ' (message_id, message_type, topic, partition, "offset")'
            " SELECT * FROM unnest(CAST(:ids AS text[]), CAST(:types AS text[]),"
            " CAST(:topics AS text[]), CAST(:partitions AS integer[]),"
            " CAST(:offsets AS bigint[]))"
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
        """Record a batch of messages in the session's transaction in one statement; returns the
        ids claimed now (those applied before are left out, and a message twice in the batch is
        claimed once)."""
        if not claims:
            return set()
        # One statement whatever the batch's size: the columns travel as arrays (unnest), so
        # neither SQLAlchemy nor the database handles the rows one parameter set at a time.
        result = await session.execute(
            self._claim_many,
            {
                "ids": [c.message_id for c in claims],
                "types": [c.message_type for c in claims],
                "topics": [c.topic for c in claims],
                "partitions": [c.partition for c in claims],
                "offsets": [c.offset for c in claims],
            },
        )
        return set(result.scalars())
