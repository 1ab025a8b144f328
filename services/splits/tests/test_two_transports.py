"""One test body, run over REST and over the Kafka command path: every kind of write gives the same
result either way, and a refusal the same status and detail (as an HTTP error, or as a
``splits.command_rejected`` event). The state is read back over REST in both runs.

The model is FastStream's own suite (the same tests in memory and against a real broker) and
eventsourcing's scenario run against several backends."""

from __future__ import annotations

import asyncio
import contextlib
import json
import uuid
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Protocol

import httpx
import pytest
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer
from pydantic import BaseModel
from sosenki_contracts import topics
from sosenki_contracts.commands import splits as c
from sosenki_contracts.envelope import Actor, CommandEnvelope
from sosenki_contracts.registry import command_key
from sosenki_platform.kafka_security import client_options
from sosenki_platform.testing import eventually

pytestmark = pytest.mark.integration

D = Decimal


@dataclass(frozen=True)
class Outcome:
    status: int  # 200 for a write that was applied
    detail: str | None = None


class Transport(Protocol):
    async def send(self, user: int, command: BaseModel) -> Outcome: ...


def _rest_call(command: BaseModel) -> tuple[str, str, set[str], dict[str, Any] | None]:
    """(method, path, fields the path carries, query) of a command's REST route."""
    match command:
        case c.CreateGroup():
            return "POST", "/groups", set(), None
        case c.AddMember(group_id=g):
            return "POST", f"/groups/{g}/members", {"group_id"}, None
        case c.RemoveMember(group_id=g, user_id=u):
            return "DELETE", f"/groups/{g}/members/{u}", {"group_id", "user_id"}, None
        case c.CreateList():
            return "POST", "/lists", set(), None
        case c.AddItem(list_id=lst):
            return "POST", f"/lists/{lst}/items", {"list_id"}, None
        case c.UpdateItem(list_id=lst, item_id=i):
            return "PATCH", f"/lists/{lst}/items/{i}", {"list_id", "item_id"}, None
        case c.RemoveItem(list_id=lst, item_id=i):
            return "DELETE", f"/lists/{lst}/items/{i}", {"list_id", "item_id"}, None
        case c.FinaliseListCost(list_id=lst):
            return "POST", f"/costs/lists/{lst}/cost-summary", {"list_id"}, None
        case c.CreateExpense():
            return "POST", "/financials/expenses", set(), None
        case c.UpdateExpense(expense_id=e):
            return "PUT", f"/financials/expenses/{e}", {"expense_id"}, None
        case c.DeleteExpense(expense_id=e, version=v, reason=r):
            query = {"expected_version": v, **({"reason": r} if r else {})}
            return "DELETE", f"/financials/expenses/{e}", {"expense_id", "version", "reason"}, query
        case c.SettleSplit(expense_split_id=s):
            return "POST", f"/financials/expense_splits/{s}/settle", {"expense_split_id"}, None
        case c.RecordSettlement():
            return "POST", "/financials/settlements", set(), None
        case c.DeleteSettlement(settlement_id=s, version=v):
            path = f"/financials/settlements/{s}"
            return "DELETE", path, {"settlement_id", "version", "reason"}, {"expected_version": v}
    raise AssertionError(f"no REST route for {type(command).__name__}")


class Rest:
    def __init__(self, client: httpx.AsyncClient, make_token: Any) -> None:
        self.client, self.make_token = client, make_token

    async def send(self, user: int, command: BaseModel) -> Outcome:
        method, path, in_path, query = _rest_call(command)
        body = command.model_dump(mode="json", exclude_unset=True, exclude=in_path)
        response = await self.client.request(
            method,
            path,
            json=body if method in ("POST", "PUT", "PATCH") else None,
            params=query,
            headers={"Authorization": f"Bearer {self.make_token(user)}"},
        )
        if response.is_success:
            return Outcome(200)
        return Outcome(response.status_code, response.json()["detail"])


class Kafka:
    """Sends each command as the bot gateway would and waits for its first event (or its
    rejection), matched by correlation id."""

    def __init__(self, bootstrap: str, prefix: str) -> None:
        self.bootstrap, self.prefix = bootstrap, prefix
        self.seen: dict[str, dict[str, Any]] = {}

    @contextlib.asynccontextmanager
    async def running(self) -> AsyncIterator[Kafka]:
        options = {"bootstrap_servers": self.bootstrap, **client_options()}
        consumer = AIOKafkaConsumer(
            self.prefix + topics.SPLITS_EVENTS, auto_offset_reset="earliest", **options
        )
        self.producer = AIOKafkaProducer(**options)
        await consumer.start()
        await self.producer.start()

        async def collect() -> None:
            async for record in consumer:
                event = json.loads(record.value)
                self.seen.setdefault(event.get("correlation_id") or "", event)

        task = asyncio.create_task(collect())
        try:
            yield self
        finally:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
            await self.producer.stop()
            await consumer.stop()

    async def send(self, user: int, command: BaseModel) -> Outcome:
        command_type, version = command_key(type(command))
        envelope = CommandEnvelope(
            command_id=f"tg:{uuid.uuid4().int % 10**12}",
            command_type=command_type,
            command_version=version,
            issuer="bot-gateway",
            correlation_id=f"c-{uuid.uuid4()}",
            actor=Actor(kind="user", id=str(user)),
            payload=command.model_dump(mode="json", exclude_unset=True),
        )
        topic = self.prefix + topics.SPLITS_COMMANDS
        await self.producer.send_and_wait(topic, envelope.to_json_bytes(), key=b"k")

        async def answered() -> dict[str, Any] | None:
            return self.seen.get(envelope.correlation_id or "")

        event = await eventually(answered, what=f"the outcome of {command_type}")
        if event["event_type"] == "splits.command_rejected":
            return Outcome(event["payload"]["status_code"], event["payload"]["detail"])
        return Outcome(200)


@pytest.fixture(params=["rest", "kafka"])
async def transport(
    request: pytest.FixtureRequest,
    splits_client: httpx.AsyncClient,
    make_token: Any,
    infrastructure: Any,
    topic_prefix: str,
) -> AsyncIterator[Transport]:
    if request.param == "rest":
        yield Rest(splits_client, make_token)
    else:
        kafka = Kafka(infrastructure.kafka_bootstrap_servers, topic_prefix)
        async with kafka.running():
            yield kafka


OK = Outcome(200)


async def test_every_write_is_the_same_over_rest_and_kafka(
    transport: Transport, people: Callable[[int], Any]
) -> None:
    alice, bob = people(1), people(2)
    send = transport.send

    # Groups and members
    assert await send(1, c.CreateGroup(name="Flat 7", base_currency="EUR")) == OK
    (group,) = await alice.ok("GET", "/groups")
    gid = group["id"]
    assert group["base_currency"] == "EUR"
    assert await send(1, c.AddMember(group_id=gid, user_id=2, display_name="Bob")) == OK
    assert await send(1, c.AddMember(group_id=gid, user_id=3)) == OK
    again = await send(1, c.AddMember(group_id=gid, user_id=2))
    assert again == Outcome(409, f"User 2 is already a member of group {gid}")
    assert await send(9, c.AddMember(group_id=gid, user_id=9)) == Outcome(404, "Group not found")
    members = await alice.ok("GET", f"/groups/{gid}/members")
    assert [(m["user_id"], m["role"]) for m in members] == [
        (1, "owner"),
        (2, "member"),
        (3, "member"),
    ]

    # Lists and items
    assert await send(1, c.CreateList(name="Party", group_id=gid)) == OK
    (lst,) = await alice.ok("GET", "/lists", params={"group_id": gid})
    lid = lst["id"]
    assert lst["currency"] == "EUR"
    assert await send(2, c.AddItem(list_id=lid, name="Wine", price=D("20.00"))) == OK
    assert await send(1, c.AddItem(list_id=lid, name="Cake", price=D("30.00"))) == OK
    wine, cake = (await alice.ok("GET", f"/lists/{lid}"))["items"]
    change = c.UpdateItem(item_id=wine["id"], list_id=lid, price=D("25.00"))
    assert await send(2, change) == OK
    assert await send(1, c.RemoveItem(item_id=cake["id"], list_id=lid)) == OK
    stray = c.RemoveItem(item_id=wine["id"], list_id=lid + 1000)
    assert await send(1, stray) == Outcome(404, "Item not found")
    (item,) = (await alice.ok("GET", f"/lists/{lid}"))["items"]
    assert (item["name"], item["price"]) == ("Wine", "25.00")
    assert await send(1, c.FinaliseListCost(list_id=lid, paid_by_user_id=2)) == OK
    again = await send(1, c.FinaliseListCost(list_id=lid))
    assert again.status == 409 and "has already been finalised into expense" in (again.detail or "")
    summary = await alice.ok("GET", f"/costs/lists/{lid}/cost-summary")
    assert summary["total_list_cost"] == "25.00" and summary["expense_id"] is not None

    # Expenses
    dinner = c.CreateExpense(description="Dinner", total_amount=D("90.00"), group_id=gid)
    assert await send(1, dinner) == OK
    wrong = c.CreateExpense(
        description="Rent",
        total_amount=D("100.00"),
        group_id=gid,
        split_type="EXACT_AMOUNTS",
        splits_in=[c.SplitIn(user_id=1, owed_amount=D("40.00"))],
    )
    refused = await send(1, wrong)
    assert refused == Outcome(
        400, "EXACT_AMOUNTS splits sum to 40.00, but the expense total is 100.00"
    )
    found = (await alice.ok("GET", "/financials/expenses", params={"group_id": gid}))["expenses"]
    expense = next(e for e in found if e["description"] == "Dinner")
    eid = expense["id"]
    assert [s["owed_amount"] for s in expense["splits"]] == ["30.00"] * 3
    smaller = c.UpdateExpense(expense_id=eid, version=1, total_amount=D("60.00"))
    assert await send(1, smaller) == OK
    stale = await send(1, c.UpdateExpense(expense_id=eid, version=1, notes="late"))
    assert stale == Outcome(
        409, f"Expense {eid} has changed since version 1: the current version is 2"
    )

    # Paying a split
    shown = await bob.ok("GET", f"/financials/expenses/{eid}")
    split = next(s for s in shown["splits"] if s["user_id"] == 2)
    assert await send(2, c.SettleSplit(expense_split_id=split["id"], amount_paid=D("5.00"))) == OK
    over = await send(2, c.SettleSplit(expense_split_id=split["id"], amount_paid=D("15.01")))
    assert over == Outcome(
        409,
        f"Expense split {split['id']} of user 2 cannot be paid 20.01 EUR in all: its share is "
        "20.00 EUR, 5.00 EUR is already paid (remaining amount: 15.00 EUR)",
    )
    paid = await bob.ok("GET", f"/financials/expense_splits/{split['id']}/settlement_activities")
    assert [a["amount_paid"] for a in paid] == ["5.00"]

    # Settlements
    transfer = c.RecordSettlement(group_id=gid, paid_by_user_id=3, paid_to_user_id=1, amount=D(20))
    assert await send(3, transfer) == OK
    rub = transfer.model_copy(update={"currency": "RUB"})
    assert await send(3, rub) == Outcome(
        400, "Settlements are recorded in the group's currency (EUR)"
    )
    (settlement,) = await alice.ok("GET", "/financials/settlements", params={"group_id": gid})
    assert (settlement["amount"], settlement["currency"]) == ("20.00", "EUR")
    delete = c.DeleteSettlement(settlement_id=settlement["id"], version=1)
    assert await send(2, delete) == Outcome(
        403, "Only the payer, the payee or an owner of the group may delete a settlement"
    )
    assert await send(1, delete) == OK
    assert await alice.ok("GET", "/financials/settlements", params={"group_id": gid}) == []

    # Deleting an expense, and leaving the group
    assert await send(1, c.DeleteExpense(expense_id=eid, version=2, reason="wrong")) == OK
    deleted = await alice.ok("GET", f"/financials/expenses/{eid}")
    assert deleted["delete_reason"] == "wrong" and deleted["deleted_at"] is not None
    assert await send(3, c.RemoveMember(group_id=gid, user_id=3)) == OK
    assert await send(2, c.RemoveMember(group_id=gid, user_id=1)) == Outcome(
        403, f"Only an owner of group {gid} may remove other members"
    )
    balances = await alice.ok("GET", f"/costs/groups/{gid}/balance-summary")
    assert balances["currency"] == "EUR"
    assert [b["user_id"] for b in balances["user_balances"]] == [1, 2]
