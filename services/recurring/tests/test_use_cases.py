"""The use cases over a fake store: the rules of creating, pausing, resuming and cancelling
patterns, emitting what is due and handling the targets' answers, in milliseconds and without
PostgreSQL or Kafka. The REST, command and scheduler paths over the real database are covered by
the other test modules."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

import pytest
from recurring.use_cases import occurrences as occ, patterns as uc
from recurring.use_cases.splits_expenses import cancel_splits_expense
from sosenki_contracts import topics
from sosenki_contracts.commands.recurring import (
    CancelPattern,
    PatternDefinition,
    PausePattern,
    ResumePattern,
)
from sosenki_contracts.envelope import Actor
from sosenki_contracts.events import recurring as ev
from sosenki_platform.errors import Conflict, NotFound
from sosenki_platform.use_case import Caller

from .fake_store import FakeStore, fake_context

pytestmark = pytest.mark.unit

JAN_1 = datetime(2027, 1, 1, tzinfo=UTC)


def charge(**overrides: Any) -> PatternDefinition:
    body: dict[str, Any] = {
        "name": "Membership fee",
        "frequency": "MONTHLY",
        "start_date": "2027-01-31",
        "time_of_day": "09:00",
        "timezone": "Europe/Moscow",
        "target": {
            "kind": "ledger_charge",
            "community_id": 1,
            "owner_ids": [2],
            "amount": "1500.00",
            "description": "Fee {month}",
        },
    }
    body.update(overrides)
    return PatternDefinition.model_validate(body)


async def test_creating_a_pattern_publishes_it_typed_and_points_at_occurrence_one() -> None:
    ctx, store, events, _ = fake_context(JAN_1)
    row = await uc.create(charge(), ctx)
    assert row.status == "active" and row.next_number == 1
    assert row.created_by == "7"
    (created,) = events.published
    assert created.topic == topics.RECURRING_EVENTS and created.aggregate_id == row.id
    assert isinstance(created.event, ev.PatternCreated)
    assert created.event.next_due_at == datetime(2027, 1, 31, 6, 0, tzinfo=UTC)  # 09:00 Moscow
    assert store.commands == []


async def test_emitting_sends_each_due_occurrence_as_its_creator_and_advances() -> None:
    ctx, store, events, clock = fake_context(JAN_1)
    row = await uc.create(charge(), ctx)
    clock.set(datetime(2027, 3, 31, 12, 0, tzinfo=UTC))  # Jan 31, Feb 28, Mar 31 are due
    assert (await occ.emit_due(ctx, limit=10)).emitted == 1
    assert [c.command_id for c in store.commands] == [f"recurring:{row.id}:{n}" for n in (1, 2, 3)]
    assert {c.actor for c in store.commands} == {Actor(kind="user", id="7")}
    assert store.commands[1].payload["description"] == "Fee 2027-02"
    assert len(events.of_type(ev.OccurrenceEmitted)) == 3
    assert store.patterns[row.id]["next_number"] == 4
    assert (await occ.emit_due(ctx, limit=10)).emitted == 0  # nothing more is due: nothing twice


async def test_catch_up_latest_skips_all_but_the_latest() -> None:
    ctx, store, events, clock = fake_context(JAN_1)
    await uc.create(charge(catch_up="latest"), ctx)
    clock.set(datetime(2027, 3, 31, 12, 0, tzinfo=UTC))
    await occ.emit_due(ctx, limit=10)
    assert len(store.commands) == 1 and store.commands[0].payload["description"] == "Fee 2027-03"
    assert len(events.of_type(ev.OccurrenceSkipped)) == 2


async def test_a_pattern_that_fails_is_left_due_and_the_others_still_go_out() -> None:
    ctx, store, _, clock = fake_context(JAN_1)
    good = await uc.create(charge(), ctx)
    bad = await uc.create(charge(), ctx)
    store.patterns[bad.id]["target"] = {"kind": "no such target"}
    clock.set(datetime(2027, 2, 1, tzinfo=UTC))
    assert (await occ.emit_due(ctx, limit=10)).emitted == 1
    assert [c.key for c in store.commands] == [good.id]
    assert store.patterns[bad.id]["next_number"] == 1  # undone by its savepoint, still due
    assert not [k for k in store.occurrence_rows if k[0] == bad.id]


async def test_pause_then_resume_skips_what_fell_due_while_paused() -> None:
    ctx, store, events, clock = fake_context(JAN_1)
    row = await uc.create(charge(), ctx)
    await uc.pause(PausePattern(pattern_id=row.id), ctx)
    with pytest.raises(Conflict, match="is paused, not active"):
        await uc.pause(PausePattern(pattern_id=row.id), ctx)
    clock.set(datetime(2027, 3, 1, tzinfo=UTC))
    assert (await occ.emit_due(ctx, limit=10)).emitted == 0  # paused: nothing is sent
    resumed = await uc.resume(ResumePattern(pattern_id=row.id), ctx)
    assert resumed.status == "active" and resumed.next_number == 3
    assert [o.status for o in await uc.occurrences(row.id, ctx)] == ["skipped", "skipped"]
    assert store.commands == []
    assert len(events.of_type(ev.PatternResumed)) == 1


async def test_cancelled_is_final() -> None:
    ctx, _, events, _ = fake_context(JAN_1)
    row = await uc.create(charge(), ctx)
    cancelled = await uc.cancel(CancelPattern(pattern_id=row.id, reason="moved out"), ctx)
    assert cancelled.status == "cancelled" and cancelled.next_due_at is None
    assert events.of_type(ev.PatternCancelled) == [
        ev.PatternCancelled(pattern_id=row.id, reason="moved out")
    ]
    with pytest.raises(Conflict, match="already cancelled"):
        await uc.cancel(CancelPattern(pattern_id=row.id), ctx)
    with pytest.raises(Conflict):
        await uc.resume(ResumePattern(pattern_id=row.id), ctx)


async def test_people_see_their_own_patterns_and_services_see_all() -> None:
    ctx, store, _, _ = fake_context(JAN_1)
    row = await uc.create(charge(), ctx)
    stranger, _, _, _ = fake_context(JAN_1, Caller.from_actor(Actor(kind="user", id="8")), store)
    with pytest.raises(NotFound):
        await uc.get(row.id, stranger)
    with pytest.raises(NotFound):
        await uc.pause(PausePattern(pattern_id=row.id), stranger)
    assert await uc.list_patterns(["active"], stranger) == []
    service, _, _, _ = fake_context(JAN_1, Caller.service("recurring"), store)
    assert [p.id for p in await uc.list_patterns(["active"], service)] == [row.id]
    with pytest.raises(NotFound):
        await uc.get("not-a-uuid", ctx)


async def test_a_start_far_in_the_past_is_refused() -> None:
    ctx, store, events, _ = fake_context(datetime(2030, 1, 1, tzinfo=UTC))
    with pytest.raises(Exception, match="start_date"):
        await uc.create(charge(start_date=date(2027, 1, 31)), ctx)
    assert store.patterns == {} and events.published == []


async def test_a_refused_splits_occurrence_pauses_the_pattern_a_ledger_one_does_not() -> None:
    ctx, store, events, clock = fake_context(JAN_1)
    ledger = await uc.create(charge(), ctx)
    splits = await uc.create(
        charge(target={"kind": "splits_expense", "template_expense_id": 12}), ctx
    )
    clock.set(datetime(2027, 2, 1, tzinfo=UTC))
    await occ.emit_due(ctx, limit=10)
    for c in store.commands:
        assert await occ.record_result(ctx, c.command_id, status_code=409, detail="left group")
    assert store.patterns[ledger.id]["status"] == "active"
    assert store.patterns[splits.id]["status"] == "paused"
    (paused,) = events.of_type(ev.PatternPaused)
    assert paused == ev.PatternPaused(
        pattern_id=splits.id,
        reason="Occurrence 1: left group",
        occurrence_number=1,
        created_by="7",
        reason_code="conflict",  # no code in the answer: the one of its status
    )
    # An answer that came again, or to a command that is not ours, changes nothing.
    assert not await occ.record_result(ctx, store.commands[0].command_id)
    assert not await occ.record_result(ctx, "ledger:123")
    assert not await occ.record_result(ctx, None)


async def test_done_marks_the_occurrence_done() -> None:
    ctx, store, events, clock = fake_context(JAN_1)
    await uc.create(charge(), ctx)
    clock.set(datetime(2027, 2, 1, tzinfo=UTC))
    await occ.emit_due(ctx, limit=10)
    assert await occ.record_result(ctx, store.commands[0].command_id)
    (done,) = events.of_type(ev.OccurrenceDone)
    assert isinstance(done, ev.OccurrenceDone) and done.status == "done"


async def test_cancelling_a_splits_expense_cancels_its_pattern_once() -> None:
    ctx, store, _, _ = fake_context(JAN_1)
    row = await uc.create(
        charge(target={"kind": "splits_expense", "template_expense_id": 12}),
        ctx,
        source="splits:12",
    )
    await cancel_splits_expense(12, "expense deleted", ctx)
    assert store.patterns[row.id]["status"] == "cancelled"
    await cancel_splits_expense(12, "again", ctx)  # already cancelled: nothing happens
    await cancel_splits_expense(99, None, ctx)  # no such pattern: nothing happens


def test_the_fake_store_is_a_pattern_store() -> None:
    ctx, store, _, _ = fake_context(JAN_1)
    assert isinstance(store, FakeStore) and ctx.repo is store
