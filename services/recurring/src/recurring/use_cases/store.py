"""What the use cases need from storage, so they run over the database or over a fake."""

from __future__ import annotations

from collections.abc import Sequence
from contextlib import AbstractAsyncContextManager
from datetime import datetime
from typing import Any, Protocol

from sosenki_contracts.envelope import Actor
from sosenki_platform.use_case import Context

#: A pattern or occurrence as stored: its columns (``adapters/tables.py``) as attributes.
Record = Any


class PatternStore(Protocol):
    async def add_pattern(self, values: dict[str, Any]) -> Record: ...

    async def get_pattern(self, pattern_id: str, *, for_update: bool = False) -> Record | None: ...

    async def get_by_source(self, source: str, *, for_update: bool = False) -> Record | None: ...

    async def list_patterns(
        self, statuses: Sequence[str], created_by: str | None
    ) -> list[Record]: ...

    async def update_pattern(self, pattern_id: str, values: dict[str, Any]) -> Record: ...

    async def claim_due(self, now: datetime, limit: int) -> list[Record]: ...

    async def add_occurrence(self, values: dict[str, Any]) -> Record: ...

    async def occurrences(self, pattern_id: str) -> list[Record]: ...

    async def get_occurrence_by_command(
        self, command_id: str, *, for_update: bool = False
    ) -> Record | None: ...

    async def update_occurrence(
        self, pattern_id: str, number: int, values: dict[str, Any]
    ) -> Record: ...

    def savepoint(self) -> AbstractAsyncContextManager[object]:
        """A nested unit: what it wrote is undone if it raises, the rest stays."""
        ...

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
        """A command to a target service, sent with this unit's writes (the outbox)."""
        ...


Ctx = Context[PatternStore]
