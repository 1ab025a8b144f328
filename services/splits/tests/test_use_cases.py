"""The use cases against the in-memory repository: the rules in commands and events, in
milliseconds, with no PostgreSQL and no Kafka (``adapters/memory.py``). The integration tests
prove the same paths over REST and Kafka against the real database."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

import pytest
from sosenki_contracts.commands import splits as c
from sosenki_contracts.envelope import Actor
from sosenki_contracts.events import splits as ev
from sosenki_platform.errors import BadRequest, Conflict, Forbidden, NotFound
from sosenki_platform.use_case import Caller, Context, ManualClock, RecordedEvents
from splits.adapters.memory import InMemoryRepository
from splits.queries import expenses as expense_queries, groups as group_queries, summaries
from splits.use_cases import (
    SplitsContext,
    expenses,
    groups,
    lists,
    occurrences,
    payments,
    settlements,
)

pytestmark = pytest.mark.unit

D = Decimal
NOW = datetime(2026, 3, 14, 21, 30, tzinfo=UTC)


class World:
    """One in-memory database, one clock and the events published, seen by several users."""

    def __init__(self) -> None:
        self.repo = InMemoryRepository()
        self.clock = ManualClock(NOW)
        self.events = RecordedEvents()

    def as_user(self, user_id: int) -> SplitsContext:
        caller = Caller(
            actor=Actor(kind="user", id=str(user_id)), user_id=user_id, privileged=False
        )
        return Context(repo=self.repo, caller=caller, clock=self.clock, events=self.events)

    def as_service(self) -> SplitsContext:
        caller = Caller.service("recurring")
        return Context(repo=self.repo, caller=caller, clock=self.clock, events=self.events)

    def published(self, model: type[Any]) -> list[Any]:
        return self.events.of_type(model)

    async def group(self, owner: int, *members: int, currency: str = "RUB") -> int:
        row = await groups.create_group(
            c.CreateGroup(name="Flat", base_currency=currency), self.as_user(owner)
        )
        for user_id in members:
            await groups.add_member(
                c.AddMember(group_id=row.id, user_id=user_id), self.as_user(owner)
            )
        return int(row.id)

    async def expense(self, user: int, group_id: int, total: str, **fields: Any) -> Any:
        command = c.CreateExpense(
            description="Groceries", total_amount=D(total), group_id=group_id, **fields
        )
        return await expenses.create_expense(command, self.as_user(user))


@pytest.fixture
def world() -> World:
    return World()


async def test_a_group_is_created_with_its_creator_as_owner(world: World) -> None:
    gid = await world.group(1, 2)
    shown = await group_queries.get_group(world.repo, world.as_user(2).caller, gid)
    assert [(m.user_id, m.role) for m in shown.members] == [(1, "owner"), (2, "member")]
    created = world.published(ev.GroupCreated)
    assert [(e.group_id, e.owner_user_id, e.base_currency) for e in created] == [(gid, 1, "RUB")]
    assert [e.user_id for e in world.published(ev.MemberAdded)] == [1, 2]
    with pytest.raises(NotFound, match="Group not found"):
        await group_queries.get_group(world.repo, world.as_user(3).caller, gid)
    with pytest.raises(Conflict, match="already a member"):
        await groups.add_member(c.AddMember(group_id=gid, user_id=2), world.as_user(1))
    with pytest.raises(Forbidden):
        await groups.add_member(c.AddMember(group_id=gid, user_id=3), world.as_user(2))


async def test_a_member_leaves_only_settled_and_the_last_owner_stays(world: World) -> None:
    gid = await world.group(1, 2)
    await world.expense(1, gid, "10.00")
    with pytest.raises(Conflict, match=r"non-zero balance of -5\.00 RUB"):
        await groups.remove_member(c.RemoveMember(group_id=gid, user_id=2), world.as_user(2))
    with pytest.raises(Conflict, match="last owner"):
        await groups.remove_member(c.RemoveMember(group_id=gid, user_id=1), world.as_user(1))
    settle = c.RecordSettlement(group_id=gid, paid_by_user_id=2, paid_to_user_id=1, amount=D(5))
    await settlements.record_settlement(settle, world.as_user(2))
    await groups.remove_member(c.RemoveMember(group_id=gid, user_id=2), world.as_user(2))
    assert [e.user_id for e in world.published(ev.MemberRemoved)] == [2]


async def test_an_equal_expense_splits_exactly_and_defaults_to_the_clock_date(
    world: World,
) -> None:
    gid = await world.group(1, 2, 3)
    view = await world.expense(1, gid, "100.00")
    assert [D(s.owed_amount) for s in view.splits] == [D("33.34"), D("33.33"), D("33.33")]
    assert view.row.expense_date == date(2026, 3, 14)  # the clock's date, not the machine's
    recorded = world.published(ev.ExpenseRecorded)[0]
    wire = recorded.model_dump(mode="json")
    assert wire["total_amount"] == "100.00" and wire["expense_date"] == "2026-03-14"
    assert [s["owed_amount"] for s in wire["splits"]] == ["33.34", "33.33", "33.33"]
    assert [s["status"] for s in wire["splits"]] == ["paid", "unpaid", "unpaid"]
    assert wire["payers"] == [{"user_id": 1, "amount": "100.00", "base_amount": "100.00"}]
    history = await expense_queries.history(world.repo, world.as_user(2).caller, view.row.id)
    assert [h.action for h in history] == ["created"] and history[0].snapshot == wire


async def test_a_foreign_currency_expense_carries_its_rate_and_base_amounts(
    world: World,
) -> None:
    gid = await world.group(1, 2)
    view = await world.expense(1, gid, "10.00", currency="EUR", exchange_rate=D("98.5000"))
    wire = world.published(ev.ExpenseRecorded)[0].model_dump(mode="json")
    assert wire["exchange_rate"] == "98.5" and wire["base_total_amount"] == "985.00"
    assert view.row.base_currency == "RUB"


async def test_a_change_needs_the_current_version_and_a_payer_or_owner(world: World) -> None:
    gid = await world.group(1, 2, 3)
    view = await world.expense(2, gid, "90.00")
    change = c.UpdateExpense(expense_id=view.row.id, version=1, total_amount=D("60.00"))
    with pytest.raises(Forbidden):
        await expenses.update_expense(change, world.as_user(3))
    world.clock.set(datetime(2026, 3, 15, 8, 0, tzinfo=UTC))
    after = await expenses.update_expense(change, world.as_user(2))
    assert after.row.version == 2 and after.row.updated_at == world.clock.now()
    assert [D(s.owed_amount) for s in after.splits] == [D("20.00")] * 3
    with pytest.raises(Conflict, match="the current version is 2"):
        await expenses.update_expense(change, world.as_user(1))
    updated = world.published(ev.ExpenseUpdated)[0]
    assert (updated.before.version, updated.after.version) == (1, 2)


async def test_a_split_is_never_paid_beyond_its_share(world: World) -> None:
    gid = await world.group(1, 2, 3)
    view = await world.expense(1, gid, "100.00")
    bob = next(s for s in view.splits if s.user_id == 2)
    pay = c.SettleSplit(expense_split_id=bob.id, amount_paid=D("13.33"))
    paid = await payments.settle_split(pay, world.as_user(2))
    assert paid.split.status == "partially_paid" and paid.expense_status == "partially_paid"
    too_much = c.SettleSplit(expense_split_id=bob.id, amount_paid=D("20.01"))
    with pytest.raises(Conflict) as refused:
        await payments.settle_split(too_much, world.as_user(2))
    assert refused.value.detail == (
        f"Expense split {bob.id} of user 2 cannot be paid 33.34 RUB in all: its share is "
        "33.33 RUB, 13.33 RUB is already paid (remaining amount: 20.00 RUB)"
    )
    # The same rule, the same message, when a change would shrink the share below the payment.
    shrink = c.UpdateExpense(expense_id=view.row.id, version=1, total_amount=D("30.00"))
    with pytest.raises(Conflict, match=r"cannot be paid 13\.33 RUB in all: its share is 10\.00"):
        await expenses.update_expense(shrink, world.as_user(1))
    with pytest.raises(Forbidden):
        await payments.settle_split(pay, world.as_user(3))
    settled = world.published(ev.SplitSettled)
    assert [(e.amount_paid, e.split_status, e.paid_to_user_id) for e in settled] == [
        (D("13.33"), "partially_paid", 1)
    ]
    assert settled[0].model_dump(mode="json")["split_paid_amount"] == "13.33"


async def test_balances_and_the_settle_up_plan(world: World) -> None:
    gid = await world.group(1, 2, 3)
    await world.expense(1, gid, "90.00")
    summary = await summaries.balance_summary(world.repo, world.as_user(3).caller, gid)
    assert [b.net_balance for b in summary.user_balances] == ["60.00", "-30.00", "-30.00"]
    assert {(t.from_user_id, t.to_user_id, t.amount) for t in summary.suggested_settlements} == {
        (2, 1, "30.00"),
        (3, 1, "30.00"),
    }


async def test_settlements_default_to_the_clock_date_and_delete_by_version(world: World) -> None:
    gid = await world.group(1, 2, 3)
    body = c.RecordSettlement(group_id=gid, paid_by_user_id=2, paid_to_user_id=1, amount=D(7))
    row = await settlements.record_settlement(body, world.as_user(2))
    assert row.settlement_date == date(2026, 3, 14)
    assert world.published(ev.SettlementRecorded)[0].model_dump(mode="json")["amount"] == "7.00"
    with pytest.raises(BadRequest, match=r"group's currency \(RUB\)"):
        euros = body.model_copy(update={"currency": "EUR"})
        await settlements.record_settlement(euros, world.as_user(2))
    with pytest.raises(BadRequest, match="must differ"):
        same = body.model_copy(update={"paid_to_user_id": 2})
        await settlements.record_settlement(same, world.as_user(2))
    delete = c.DeleteSettlement(settlement_id=row.id, version=1, reason="typo")
    with pytest.raises(Forbidden):
        await settlements.delete_settlement(delete, world.as_user(3))
    deleted = await settlements.delete_settlement(delete, world.as_user(1))
    assert deleted.deleted_at == NOW and deleted.version == 2
    with pytest.raises(Conflict, match="has been deleted"):
        await settlements.delete_settlement(delete, world.as_user(1))
    assert world.published(ev.SettlementDeleted)[0].before.settlement_id == row.id


async def test_a_list_is_charged_once_and_opens_again_when_its_expense_is_deleted(
    world: World,
) -> None:
    gid = await world.group(1, 2)
    lst = await lists.create_list(c.CreateList(name="Party", group_id=gid), world.as_user(1))
    assert lst.currency == "RUB"  # the group's
    cake, _ = await lists.add_item(
        c.AddItem(list_id=lst.id, name="Cake", price=D("30.00")), world.as_user(1)
    )
    await lists.add_item(c.AddItem(list_id=lst.id, name="Wine", price=D("20")), world.as_user(2))
    change = c.UpdateItem(item_id=cake.id, price=D("40.00"))
    item, _ = await lists.update_item(change, world.as_user(2))
    assert item.price == D("40.00")
    assert world.published(ev.ItemUpdated)[0].model_dump(mode="json")["after"]["price"] == "40.00"
    finalise = c.FinaliseListCost(list_id=lst.id)
    view = await lists.finalise_list(finalise, world.as_user(1))
    assert view.row.split_type == "ITEM_BASED" and D(view.row.total_amount) == D("60.00")
    with pytest.raises(Conflict, match="already been finalised"):
        await lists.finalise_list(finalise, world.as_user(1))
    with pytest.raises(Conflict, match="has been finalised"):
        await lists.remove_item(c.RemoveItem(item_id=cake.id), world.as_user(1))
    await expenses.delete_expense(
        c.DeleteExpense(expense_id=view.row.id, version=1), world.as_user(1)
    )
    await lists.remove_item(c.RemoveItem(item_id=cake.id), world.as_user(1))
    assert [e.item_id for e in world.published(ev.ItemRemoved)] == [cake.id]
    with pytest.raises(NotFound, match="Item not found"):
        await lists.remove_item(c.RemoveItem(item_id=cake.id), world.as_user(1))
    with pytest.raises(NotFound, match="Item not found"):
        wrong_list = c.UpdateItem(item_id=item.id + 1, list_id=lst.id + 99, name="x")
        await lists.update_item(wrong_list, world.as_user(1))


async def test_a_personal_list_is_its_owners_with_the_default_currency(world: World) -> None:
    lst = await lists.create_list(c.CreateList(name="Mine"), world.as_user(5))
    assert (lst.owner_user_id, lst.currency) == (5, c.DEFAULT_CURRENCY)
    with pytest.raises(NotFound, match="List not found"):
        await lists.add_item(c.AddItem(list_id=lst.id, name="Tea"), world.as_user(6))
    with pytest.raises(BadRequest, match="needs a user"):
        await lists.create_list(c.CreateList(name="Nobody's"), world.as_service())
    assert world.events.published[0].aggregate_id == f"list:{lst.id}"


async def test_deleting_a_recurring_expense_cancels_it_and_occurrences_come_once(
    world: World,
) -> None:
    gid = await world.group(1, 2)
    recurrence = c.RecurrencePattern(type="monthly")
    template = await world.expense(1, gid, "50.00", is_recurring=True, recurrence=recurrence)
    requested = world.published(ev.RecurringExpenseRequested)[0]
    assert requested.start_date == date(2026, 3, 14)
    occurrence = c.CreateExpenseOccurrence(
        template_expense_id=template.row.id, occurrence_date=date(2026, 4, 14)
    )
    made = await occurrences.create_occurrence(occurrence, world.as_service())
    assert made.row.template_expense_id == template.row.id
    assert [D(s.owed_amount) for s in made.splits] == [D("25.00"), D("25.00")]
    with pytest.raises(Conflict, match="already has an occurrence"):
        await occurrences.create_occurrence(occurrence, world.as_service())
    await expenses.delete_expense(
        c.DeleteExpense(expense_id=template.row.id, version=1, reason="moved out"),
        world.as_user(1),
    )
    cancelled = world.published(ev.RecurringExpenseCancelled)
    assert [(e.template_expense_id, e.reason) for e in cancelled] == [
        (template.row.id, "moved out")
    ]
    deleted = await expense_queries.get_expense(
        world.repo, world.as_user(2).caller, template.row.id
    )
    assert deleted.deleted_at == NOW


async def test_every_event_is_keyed_by_its_group(world: World) -> None:
    gid = await world.group(1, 2)
    await world.expense(1, gid, "10.00")
    assert {p.aggregate_id for p in world.events.published} == {f"group:{gid}"}
