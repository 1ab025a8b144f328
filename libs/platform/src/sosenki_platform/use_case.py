"""What every use case is handed: who asks, what time it is, where its events go, and its storage.

A use case is a plain ``async def handle(command, ctx) -> result`` in a module named after what a
user does (``ledger/use_cases/contributions.py``). REST routes and Kafka command consumers both
build a :class:`Context` and call the same handler, so the two transports cannot drift; unit tests
build one over a fake repository and a :class:`RecordedEvents` list and need neither PostgreSQL
nor Kafka.

Events are typed where they are made: a use case publishes the contract's event *model*
(``ledger.ContributionRecorded(...)``); the event type and version come from the registry
(``sosenki_contracts.registry.event_key``), so mypy checks every producer and a typo cannot reach
a consumer.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Generic, Protocol, TypeVar
from zoneinfo import ZoneInfo

from pydantic import BaseModel
from sosenki_contracts.envelope import Actor, EventEnvelope
from sosenki_contracts.registry import event_key

from sosenki_platform.access_policy import Asker
from sosenki_platform.auth import Principal

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncSession

    from sosenki_platform.service import Runtime

# -- the clock -----------------------------------------------------------------------------------


class Clock(Protocol):
    """What time it is. Rules never call ``date.today()``: they are handed a clock."""

    def now(self) -> datetime: ...


class SystemClock:
    def now(self) -> datetime:
        return datetime.now(UTC)


class ManualClock:
    """A clock a test sets and moves."""

    def __init__(self, now: datetime) -> None:
        self._now = now

    def now(self) -> datetime:
        return self._now

    def set(self, now: datetime) -> None:
        self._now = now


class FileClock:
    """The time written (ISO 8601, with an offset) in a file: lets a test move the clock of a
    service process. Only for tests (``SOSENKI_CLOCK_FILE``); the system time while it is empty."""

    def __init__(self, path: str | Path) -> None:
        self._path = Path(path)

    def now(self) -> datetime:
        try:
            text = self._path.read_text().strip()
        except FileNotFoundError:
            text = ""
        if not text:
            return datetime.now(UTC)
        return datetime.fromisoformat(text).astimezone(UTC)


def clock_from(clock_file: str) -> Clock:
    return FileClock(clock_file) if clock_file else SystemClock()


def today_in(clock: Clock, timezone: str | None = None) -> date:
    """Today's date where it matters (a community's time zone), by the given clock."""
    now = clock.now()
    return now.astimezone(ZoneInfo(timezone)).date() if timezone else now.astimezone(UTC).date()


# -- who asks ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Caller:
    """Whoever stands behind a REST call (its bearer token) or a command (the actor a trusted
    service vouches for). What they may do is the shared policy's
    (:mod:`sosenki_platform.access_policy`), decided from the service's own data.

    ``communities``/``groups`` narrow the caller when its token names some; ``None`` when nothing
    narrows it (an empty claim, or a command relayed on a user's behalf by a trusted service)."""

    actor: Actor
    user_id: int | None
    privileged: bool
    communities: frozenset[int] | None = None
    groups: frozenset[int] | None = None

    @classmethod
    def from_principal(cls, principal: Principal) -> Caller:
        return cls(
            actor=Actor(
                kind="service" if "service" in principal.roles else "user", id=principal.subject
            ),
            user_id=principal.user_id,
            privileged=principal.is_privileged,
            communities=principal.communities or None,
            groups=principal.groups or None,
        )

    @classmethod
    def from_actor(cls, actor: Actor) -> Caller:
        user_id = int(actor.id) if actor.kind == "user" and actor.id.isdigit() else None
        return cls(actor=actor, user_id=user_id, privileged=actor.kind in ("service", "system"))

    @classmethod
    def service(cls, name: str) -> Caller:
        """The service itself (a scheduler, a result consumer)."""
        return cls(actor=Actor(kind="service", id=name), user_id=None, privileged=True)

    @property
    def asker(self) -> Asker:
        return Asker(self.user_id, self.privileged, self.communities, self.groups)

    def in_community(self, community_id: int) -> bool:
        return self.asker.within_community(community_id)

    def in_group(self, group_id: int) -> bool:
        return self.asker.within_group(group_id)


# -- where events go -----------------------------------------------------------------------------


class Events(Protocol):
    """Where a use case's events go: the outbox in the same transaction, or a list in a test."""

    async def publish(self, topic: str, aggregate_id: str | int, event: BaseModel) -> None: ...


def envelope_of(
    event: BaseModel,
    aggregate_id: str | int,
    *,
    producer: str,
    actor: Actor,
    correlation_id: str | None = None,
    causation_id: str | None = None,
) -> EventEnvelope:
    """The envelope of a typed event: its type and version from the contract's registry."""
    event_type, version = event_key(type(event))
    return EventEnvelope(
        event_type=event_type,
        event_version=version,
        producer=producer,
        aggregate_id=str(aggregate_id),
        correlation_id=correlation_id,
        causation_id=causation_id,
        actor=actor,
        payload=event.model_dump(mode="json"),
    )


@dataclass
class OutboxEvents:
    """Events appended to the service's outbox in the use case's own transaction."""

    runtime: Runtime
    session: AsyncSession
    actor: Actor
    correlation_id: str | None = None
    causation_id: str | None = None

    async def publish(self, topic: str, aggregate_id: str | int, event: BaseModel) -> None:
        envelope = envelope_of(
            event,
            aggregate_id,
            producer=self.runtime.settings.service_name,
            actor=self.actor,
            correlation_id=self.correlation_id,
            causation_id=self.causation_id,
        )
        await self.runtime.outbox.append(self.session, topic, envelope)


@dataclass(frozen=True)
class Published:
    topic: str
    aggregate_id: str
    event: BaseModel


@dataclass
class RecordedEvents:
    """Events kept in a list, for unit tests of use cases."""

    published: list[Published] = field(default_factory=list)

    async def publish(self, topic: str, aggregate_id: str | int, event: BaseModel) -> None:
        event_key(type(event))  # a model the registry does not know fails here, as in production
        self.published.append(Published(topic, str(aggregate_id), event))

    def of_type(self, model: type[BaseModel]) -> list[BaseModel]:
        return [p.event for p in self.published if isinstance(p.event, model)]


# -- the context ---------------------------------------------------------------------------------

R = TypeVar("R")


@dataclass
class Context(Generic[R]):
    """One use case's world: its repository (over one transaction), the caller, the clock, where
    events go, and the ids that tie what it does to what caused it."""

    repo: R
    caller: Caller
    clock: Clock
    events: Events
    correlation_id: str | None = None
    causation_id: str | None = None

    def today(self, timezone: str | None = None) -> date:
        return today_in(self.clock, timezone)

    async def publish(self, topic: str, aggregate_id: str | int, event: BaseModel) -> None:
        await self.events.publish(topic, aggregate_id, event)


__all__ = [
    "Caller",
    "Clock",
    "Context",
    "Events",
    "FileClock",
    "ManualClock",
    "OutboxEvents",
    "Published",
    "RecordedEvents",
    "SystemClock",
    "clock_from",
    "envelope_of",
    "today_in",
]
