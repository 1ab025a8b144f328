"""Unit tests of the ledger's use cases: the same handlers the REST routes and Kafka commands call,
over the in-memory store, a recorded event list and a manual clock (no PostgreSQL, no Kafka)."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

import pytest
from ledger.commands import HANDLERS
from ledger.ports import Ctx
from pydantic import BaseModel
from sosenki_contracts.commands import ledger as c
from sosenki_contracts.envelope import Actor
from sosenki_platform.use_case import Caller, Context, ManualClock, RecordedEvents

from .memory import MemoryStore

TREASURER = 1


class Ledger:
    """A ledger in memory: ``await ledger.do(command, as_user=…)`` runs the command's use case."""

    def __init__(self) -> None:
        self.store = MemoryStore()
        self.events = RecordedEvents()
        self.clock = ManualClock(datetime(2025, 11, 15, 12, 0, tzinfo=UTC))
        self.community_id = 0
        self.period_id = 0

    def ctx(self, as_user: int | None = TREASURER, *, communities: set[int] | None = None) -> Ctx:
        if as_user is None:
            caller = Caller.service("recurring")
        else:
            caller = Caller(
                actor=Actor(kind="user", id=str(as_user)),
                user_id=as_user,
                privileged=False,
                communities=frozenset(communities) if communities else None,
            )
        return Context(repo=self.store, caller=caller, clock=self.clock, events=self.events)

    async def do(self, command: BaseModel, as_user: int | None = TREASURER) -> Any:
        return await HANDLERS[type(command)](command, self.ctx(as_user))

    def published(self, model: type[BaseModel]) -> list[Any]:
        return self.events.of_type(model)

    async def village(self, shares: dict[int, str] | None = None, currency: str = "RUB") -> None:
        """A community of treasurer 1 with owners (default 1 and 2, equal shares) and an open
        November 2025; the clock on November 15."""
        community = await self.do(c.CreateCommunity(name="Village", base_currency=currency))
        self.community_id = community.id
        for user_id, share in (shares or {1: "1", 2: "1"}).items():
            await self.do(
                c.AddOwner(
                    community_id=self.community_id,
                    user_id=user_id,
                    display_name=f"Owner {user_id}",
                    ownership_share=Decimal(share),
                )
            )
        self.period_id = await self.period(date(2025, 11, 1), date(2025, 11, 30))

    async def period(self, start: date, end: date, name: str = "Month") -> int:
        period = await self.do(
            c.CreatePeriod(
                community_id=self.community_id, name=name, start_date=start, end_date=end
            )
        )
        return int(period.id)


@pytest.fixture
def ledger() -> Ledger:
    return Ledger()
