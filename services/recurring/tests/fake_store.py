"""An in-memory ``PatternStore`` for the use cases' unit tests: no PostgreSQL, no Kafka."""

from __future__ import annotations

import copy
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from types import SimpleNamespace
from typing import Any

from recurring.use_cases.store import Ctx, Record
from sosenki_contracts.envelope import Actor
from sosenki_platform.use_case import Caller, Context, ManualClock, RecordedEvents


@dataclass(frozen=True)
class SentCommand:
    topic: str
    key: str
    command_id: str
    command_type: str
    actor: Actor
    payload: dict[str, Any]


@dataclass
class FakeStore:
    patterns: dict[str, dict[str, Any]] = field(default_factory=dict)
    occurrence_rows: dict[tuple[str, int], dict[str, Any]] = field(default_factory=dict)
    commands: list[SentCommand] = field(default_factory=list)
    _created: int = 0

    async def add_pattern(self, values: dict[str, Any]) -> Record:
        if values.get("source") and any(
            p["source"] == values["source"] for p in self.patterns.values()
        ):
            raise ValueError("duplicate source")  # the table's unique constraint
        self._created += 1
        moment = datetime(2000, 1, 1, tzinfo=UTC).replace(microsecond=self._created)
        self.patterns[values["id"]] = {**values, "created_at": moment, "updated_at": moment}
        return SimpleNamespace(**self.patterns[values["id"]])

    async def get_pattern(self, pattern_id: str, *, for_update: bool = False) -> Record | None:
        found = self.patterns.get(pattern_id)
        return None if found is None else SimpleNamespace(**found)

    async def get_by_source(self, source: str, *, for_update: bool = False) -> Record | None:
        for p in self.patterns.values():
            if p["source"] == source:
                return SimpleNamespace(**p)
        return None

    async def list_patterns(self, statuses: Sequence[str], created_by: str | None) -> list[Record]:
        rows = [
            p
            for p in self.patterns.values()
            if p["status"] in statuses and (created_by is None or p["created_by"] == created_by)
        ]
        return [SimpleNamespace(**p) for p in sorted(rows, key=lambda p: p["created_at"])]

    async def update_pattern(self, pattern_id: str, values: dict[str, Any]) -> Record:
        self.patterns[pattern_id].update(values)
        return SimpleNamespace(**self.patterns[pattern_id])

    async def claim_due(self, now: datetime, limit: int) -> list[Record]:
        due = [
            p
            for p in self.patterns.values()
            if p["status"] == "active" and p["next_due_at"] is not None and p["next_due_at"] <= now
        ]
        due.sort(key=lambda p: (p["next_due_at"], p["id"]))
        return [SimpleNamespace(**p) for p in due[:limit]]

    async def add_occurrence(self, values: dict[str, Any]) -> Record:
        key = (values["pattern_id"], values["number"])
        if key in self.occurrence_rows:
            raise ValueError("duplicate occurrence")  # the table's primary key
        self.occurrence_rows[key] = {"status_code": None, **values}
        return SimpleNamespace(**self.occurrence_rows[key])

    async def occurrences(self, pattern_id: str) -> list[Record]:
        rows = sorted(self.occurrence_rows.items())
        return [SimpleNamespace(**o) for (p, _), o in rows if p == pattern_id]

    async def get_occurrence_by_command(
        self, command_id: str, *, for_update: bool = False
    ) -> Record | None:
        for o in self.occurrence_rows.values():
            if o["command_id"] == command_id:
                return SimpleNamespace(**o)
        return None

    async def update_occurrence(
        self, pattern_id: str, number: int, values: dict[str, Any]
    ) -> Record:
        self.occurrence_rows[(pattern_id, number)].update(values)
        return SimpleNamespace(**self.occurrence_rows[(pattern_id, number)])

    @asynccontextmanager
    async def savepoint(self) -> AsyncIterator[object]:
        saved = copy.deepcopy((self.patterns, self.occurrence_rows, self.commands))
        try:
            yield self
        except BaseException:
            self.patterns, self.occurrence_rows, self.commands = saved
            raise

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
        self.commands.append(SentCommand(topic, key, command_id, command_type, actor, payload))


def fake_context(
    now: datetime, caller: Caller | None = None, store: FakeStore | None = None
) -> tuple[Ctx, FakeStore, RecordedEvents, ManualClock]:
    store = store or FakeStore()
    events, clock = RecordedEvents(), ManualClock(now)
    caller = caller or Caller.from_actor(Actor(kind="user", id="7"))
    return Context(store, caller, clock, events), store, events, clock
