"""The use-case context: typed events get their type and version from the registry."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from pydantic import BaseModel
from sosenki_contracts.envelope import Actor
from sosenki_contracts.events.ledger import CommunityCreated
from sosenki_platform.use_case import (
    Caller,
    Context,
    ManualClock,
    RecordedEvents,
    envelope_of,
)


def _community_created() -> CommunityCreated:
    return CommunityCreated(
        community_id=7, name="Сосенки", base_currency="RUB", timezone="Europe/Moscow"
    )


def test_envelope_takes_type_and_version_from_the_registry() -> None:
    event = _community_created()
    envelope = envelope_of(event, 7, producer="ledger", actor=Actor(kind="user", id="5"))
    assert envelope.event_type == "ledger.community_created"
    assert envelope.event_version == 1
    assert envelope.aggregate_id == "7"
    assert CommunityCreated.model_validate(envelope.payload) == event


async def test_recorded_events_refuse_a_model_the_registry_does_not_know() -> None:
    class Typo(BaseModel):
        x: int = 1

    events = RecordedEvents()
    with pytest.raises(KeyError):
        await events.publish("ledger.events.v1", 1, Typo())
    await events.publish("ledger.events.v1", 1, _community_created())
    assert len(events.of_type(CommunityCreated)) == 1


def test_today_follows_the_clock_and_the_time_zone() -> None:
    # 22:30 UTC on 31 October is already 1 November in Moscow (UTC+3).
    clock = ManualClock(datetime(2026, 10, 31, 22, 30, tzinfo=UTC))
    ctx = Context(
        repo=None,
        caller=Caller.service("ledger"),
        clock=clock,
        events=RecordedEvents(),
    )
    assert ctx.today() == date(2026, 10, 31)
    assert ctx.today("Europe/Moscow") == date(2026, 11, 1)


def test_caller_from_a_user_actor_is_not_privileged() -> None:
    caller = Caller.from_actor(Actor(kind="user", id="42"))
    assert caller.user_id == 42 and not caller.privileged
    assert caller.in_community(9) and caller.in_group(9)
    assert Caller.from_actor(Actor(kind="service", id="recurring")).privileged
