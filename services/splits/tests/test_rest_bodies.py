"""Every REST write is a command: each request body is its command's payload less what the path
names, field for field (same types, bounds and defaults), and every command has a handler."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from pydantic import BaseModel
from sosenki_contracts.commands import splits as c
from sosenki_contracts.envelope import Actor
from sosenki_contracts.events import splits as ev
from sosenki_contracts.registry import all_commands
from sosenki_platform.use_case import Caller, Context, ManualClock, RecordedEvents
from splits.adapters.memory import InMemoryRepository
from splits.api import schemas as s
from splits.commands import HANDLERS, handle

pytestmark = pytest.mark.unit

# body → (command, the fields the path or query string carries)
BODIES: dict[type[BaseModel], tuple[type[BaseModel], set[str]]] = {
    s.GroupIn: (c.CreateGroup, set()),
    s.MemberIn: (c.AddMember, {"group_id"}),
    s.ListIn: (c.CreateList, set()),
    s.ItemIn: (c.AddItem, {"list_id"}),
    s.ItemChange: (c.UpdateItem, {"item_id", "list_id"}),
    s.ExpenseIn: (c.CreateExpense, set()),
    s.ExpenseChange: (c.UpdateExpense, {"expense_id"}),
    s.SettleIn: (c.SettleSplit, {"expense_split_id"}),
    s.SettlementIn: (c.RecordSettlement, set()),
    s.FinaliseIn: (c.FinaliseListCost, {"list_id"}),
}


@pytest.mark.parametrize("body", BODIES, ids=lambda b: b.__name__)
def test_a_rest_body_is_its_command_less_the_path(body: type[BaseModel]) -> None:
    command, path = BODIES[body]
    assert set(body.model_fields) == set(command.model_fields) - path
    for name, field in body.model_fields.items():
        twin = command.model_fields[name]
        assert field.annotation == twin.annotation, name
        assert field.metadata == twin.metadata, name
        assert field.default == twin.default, name
    assert body.model_config.get("extra") == "forbid"


def test_every_splits_command_has_a_handler() -> None:
    registered = {m for (name, _), m in all_commands().items() if name.startswith("splits.")}
    assert registered == set(HANDLERS)


async def test_the_table_runs_a_command_or_a_rest_body_alike() -> None:
    repo, events = InMemoryRepository(), RecordedEvents()
    caller = Caller(actor=Actor(kind="user", id="4"), user_id=4, privileged=False)
    ctx = Context(
        repo=repo, caller=caller, clock=ManualClock(datetime(2026, 1, 1, tzinfo=UTC)), events=events
    )
    await handle(c.CreateGroup(name="Trip"), ctx)
    await handle(s.GroupIn(name="Flat", base_currency="EUR"), ctx)
    created = [e for e in events.published if isinstance(e.event, ev.GroupCreated)]
    assert [(e.event.name, e.event.base_currency) for e in created] == [
        ("Trip", "RUB"),
        ("Flat", "EUR"),
    ]
