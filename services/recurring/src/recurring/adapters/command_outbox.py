"""Commands to other services through the platform's outbox table.

``Outbox.append`` takes an event envelope; a command is published the same way: the relay sends a
row's ``envelope`` JSON as it is, keyed by ``key``, to ``topic``. So a command is a row with the
command's JSON, a fresh ``event_id`` (the row's own id), and the pattern id as key: it commits
with the occurrence that caused it, or not at all.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable

from sosenki_contracts.envelope import CommandEnvelope
from sosenki_platform.tables import PlatformTables
from sosenki_platform.telemetry import current_traceparent
from sqlalchemy.ext.asyncio import AsyncSession


class CommandOutbox:
    def __init__(self, tables: PlatformTables, topic_for: Callable[[str], str]) -> None:
        self._table = tables.outbox
        self._topic_for = topic_for

    async def append(
        self, session: AsyncSession, topic: str, command: CommandEnvelope, key: str
    ) -> None:
        """Record ``command`` for publication on ``topic`` in the session's transaction."""
        await session.execute(
            self._table.insert().values(
                event_id=uuid.uuid4(),
                topic=self._topic_for(topic),
                key=key,
                event_type=command.command_type,
                envelope=json.loads(command.model_dump_json()),
                traceparent=current_traceparent(),
            )
        )
