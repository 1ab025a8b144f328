"""One scenario, run over both transports of the ledger's writes (FastStream's style): every write
kind goes over REST, as a command fed to the ledger's command consumer in process (its decoding,
authorization, inbox, use case and rejection event), and as a command through the real broker.
All three leave the same state, and a refusal carries the same status and detail.
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
from aiokafka import AIOKafkaProducer
from ledger.adapters.tables import platform
from ledger.app import create_app
from ledger.settings import Settings
from sosenki_contracts.bank_details import BankDetails
from sosenki_contracts.envelope import Actor, CommandEnvelope
from sosenki_platform.consumer import Delivery
from sosenki_platform.kafka_security import client_options
from sosenki_platform.service import Runtime
from sosenki_platform.testing import eventually, running_app
from sqlalchemy import select

pytestmark = pytest.mark.integration

API = "/api/payments"
TREASURER = 1


@dataclass(frozen=True)
class Write:
    """One write as both transports say it."""

    method: str
    path: str
    body: dict[str, Any] | None
    command_type: str
    payload: dict[str, Any]


class Transport:
    name = ""

    def __init__(self, client: httpx.AsyncClient, runtime: Runtime) -> None:
        self.client = client
        self.runtime = runtime

    async def send(self, write: Write) -> tuple[int, str | None]:
        """(status, detail): 2xx and None when applied."""
        raise NotImplementedError

    async def ok(self, write: Write) -> None:
        status, detail = await self.send(write)
        assert status < 300, f"{write.command_type} over {self.name}: {status} {detail}"

    async def get(self, path: str) -> Any:
        response = await self.client.get(API + path)
        assert response.status_code == 200, response.text
        return response.json()


class Rest(Transport):
    name = "rest"

    async def send(self, write: Write) -> tuple[int, str | None]:
        response = await self.client.request(write.method, API + write.path, json=write.body)
        if response.status_code < 300:
            return response.status_code, None
        return response.status_code, response.json()["detail"]


def _envelope(write: Write) -> CommandEnvelope:
    return CommandEnvelope(
        command_id=f"tg:{uuid.uuid4()}",
        command_type=write.command_type,
        issuer="bot-gateway",
        correlation_id=f"c-{uuid.uuid4()}",
        actor=Actor(kind="user", id=str(TREASURER)),
        payload=write.payload,
    )


class Commands(Transport):
    """The command consumer's own path (decode, authorize, inbox, use case, rejection), fed in
    process like FastStream's ``TestKafkaBroker``."""

    name = "commands"
    offset = 0

    async def send(self, write: Write) -> tuple[int, str | None]:
        command = _envelope(write)
        (consumer, (topic,)) = self.runtime.command_consumers[0]
        self.offset += 1
        outcome = await consumer.handle(
            Delivery(topic, 0, self.offset, b"k", command.to_json_bytes())
        )
        if outcome == "applied":
            return 200, None
        assert outcome == "rejected", outcome
        rejection = await self._rejection(command.command_id)
        assert rejection is not None
        return rejection

    async def _rejection(self, command_id: str) -> tuple[int, str] | None:
        """The status and detail of the command's rejection event, if it was refused."""
        outbox = platform.outbox
        async with self.runtime.db.transaction() as session:
            envelopes = (
                await session.scalars(
                    select(outbox.c.envelope).where(
                        outbox.c.event_type == "ledger.command_rejected"
                    )
                )
            ).all()
        mine = [e["payload"] for e in envelopes if e["payload"]["command_id"] == command_id]
        if not mine:
            return None
        (payload,) = mine
        return int(payload["status_code"]), str(payload["detail"])


class Kafka(Commands):
    """Over the real broker: the command is produced to the ledger's commands topic and the
    running consumer applies or refuses it (its inbox row says when)."""

    name = "kafka"

    async def send(self, write: Write) -> tuple[int, str | None]:
        command = _envelope(write)
        (_, (topic,)) = self.runtime.command_consumers[0]
        producer = AIOKafkaProducer(
            bootstrap_servers=self.runtime.settings.kafka_bootstrap_servers, **client_options()
        )
        await producer.start()
        try:
            await producer.send_and_wait(topic, command.to_json_bytes(), key=b"k")
        finally:
            await producer.stop()
        inbox = platform.inbox

        async def handled() -> bool | None:
            async with self.runtime.db.transaction() as session:
                found = await session.scalar(
                    select(inbox.c.message_id).where(
                        inbox.c.message_id == f"command:{command.command_id}"
                    )
                )
            return True if found else None

        await eventually(handled, what=f"{write.command_type} handled")
        return await self._rejection(command.command_id) or (200, None)


@pytest.fixture(params=[Rest, Commands, Kafka], ids=["rest", "commands", "kafka"])
async def transport(
    request: pytest.FixtureRequest,
    new_database: Callable[[str], Awaitable[str]],
    service_env: dict[str, str],
    make_token: Any,
) -> AsyncIterator[Transport]:
    settings = Settings(
        database_url=await new_database("ledger"),
        kafka_bootstrap_servers=service_env["SOSENKI_KAFKA_BOOTSTRAP_SERVERS"],
        topic_prefix=service_env["SOSENKI_TOPIC_PREFIX"],
        auth_public_key=service_env["SOSENKI_AUTH_PUBLIC_KEY"],
    )
    app = create_app(settings)
    async with running_app(app) as client:
        client.headers["Authorization"] = f"Bearer {make_token(TREASURER)}"
        yield request.param(client, app.state.runtime)


async def test_every_write_over_each_transport(transport: Transport) -> None:
    t = transport
    await t.ok(
        Write(
            "POST",
            "/communities",
            {"name": "Village", "base_currency": "EUR"},
            "ledger.create_community",
            {"name": "Village", "base_currency": "EUR"},
        )
    )
    (mine,) = (await t.get(f"/users/{TREASURER}/memberships"))["memberships"]
    cid = mine["community_id"]
    assert (await t.get(f"/communities/{cid}"))["base_currency"] == "EUR"

    for user, share in ((1, "1"), (2, "1"), (3, "2")):
        body = {"user_id": user, "display_name": f"Owner {user}", "ownership_share": share}
        await t.ok(
            Write(
                "POST",
                f"/communities/{cid}/owners",
                body,
                "ledger.add_owner",
                body | {"community_id": cid},
            )
        )
    appoint = {"user_id": 5}
    write = Write(
        "POST",
        f"/communities/{cid}/treasurers",
        appoint,
        "ledger.appoint_treasurer",
        appoint | {"community_id": cid},
    )
    await t.ok(write)
    assert await t.send(write) == (409, f"User 5 is already a treasurer of community {cid}")
    settings = {"owners_see_balance_sheet": False}
    await t.ok(
        Write(
            "PUT",
            f"/communities/{cid}/settings",
            settings,
            "ledger.change_community_settings",
            settings | {"community_id": cid},
        )
    )
    assert (await t.get(f"/communities/{cid}"))["owners_see_balance_sheet"] is False
    bank = {"bank_details": BankDetails.example()}
    await t.ok(
        Write(
            "PUT",
            f"/communities/{cid}/settings",
            bank,
            "ledger.change_community_settings",
            bank | {"community_id": cid},
        )
    )
    community = await t.get(f"/communities/{cid}")
    assert community["bank_details"] == BankDetails.example()
    # A wrong check digit is refused with the same reason over both (a rejection, not a dead
    # letter), and nothing changes.
    typo = {"bank_details": {**BankDetails.example(), "inn": "7707083894"}}
    refused = Write(
        "PUT",
        f"/communities/{cid}/settings",
        typo,
        "ledger.change_community_settings",
        typo | {"community_id": cid},
    )
    assert await t.send(refused) == (400, "bank_details: INN 7707083894 has a wrong check digit")
    assert (await t.get(f"/communities/{cid}"))["bank_details"] == BankDetails.example()
    assert community["owners_see_balance_sheet"] is False
    share = {"ownership_share": "3", "effective_from": "2025-11-01"}
    await t.ok(
        Write(
            "POST",
            f"/communities/{cid}/owners/2/shares",
            share,
            "ledger.change_share",
            share | {"community_id": cid, "owner_id": 2},
        )
    )
    await t.ok(
        Write(
            "POST",
            f"/communities/{cid}/owners/3/deactivate",
            None,
            "ledger.deactivate_owner",
            {"community_id": cid, "owner_id": 3},
        )
    )
    owners = {
        o["user_id"]: (o["ownership_share"], o["active"])
        for o in await t.get(f"/communities/{cid}/owners")
    }
    assert owners == {1: ("1", True), 2: ("3", True), 3: ("2", False)}

    for name, start, end in (
        ("November", "2025-11-01", "2025-11-30"),
        ("December", "2025-12-01", "2025-12-31"),
    ):
        body = {"name": name, "start_date": start, "end_date": end}
        await t.ok(
            Write(
                "POST",
                "/periods",
                body | {"community_id": cid},
                "ledger.create_period",
                body | {"community_id": cid},
            )
        )
    nov, dec = [p["id"] for p in (await t.get(f"/periods?community_id={cid}"))["periods"]]

    await t.ok(
        Write(
            "POST",
            f"/communities/{cid}/meters",
            {"owner_id": 1, "meter_type": "water", "tariff": "2"},
            "ledger.register_meter",
            {"community_id": cid, "owner_id": 1, "meter_type": "water", "tariff": "2"},
        )
    )
    (meter,) = await t.get(f"/communities/{cid}/meters")
    for day, value in (("2025-11-01", "0"), ("2025-12-01", "10")):
        reading = {"reading_date": day, "value": value}
        await t.ok(
            Write(
                "POST",
                f"/meters/{meter['id']}/readings",
                reading,
                "ledger.record_meter_reading",
                reading | {"meter_id": meter["id"]},
            )
        )
    assert [r["value"] for r in await t.get(f"/meters/{meter['id']}/readings")] == ["0", "10"]

    # A sign the rules refuse is refused alike on every transport (not dead-lettered on Kafka).
    for kind, path, body, payload in (
        ("contribution", "contributions", {"user_id": 1}, {"owner_id": 1}),
        ("expense", "expenses", {"payment_type": "Water"}, {"payment_type": "Water"}),
        ("charge", "charges", {"user_id": 2, "description": "Fee"}, {"owner_id": 2}),
    ):
        for amount in ("0", "-5.00"):
            refused = Write(
                "POST",
                f"/periods/{nov}/{path}",
                body | {"amount": amount},
                f"ledger.record_{kind}",
                {"description": "Fee"} | payload | {"amount": amount, "period_id": nov},
            )
            assert await t.send(refused) == (400, f"{kind.title()} amount must be positive")

    pay = {"amount": "100.00", "comment": "November"}
    await t.ok(
        Write(
            "POST",
            f"/periods/{nov}/contributions",
            pay | {"user_id": 1},
            "ledger.record_contribution",
            pay | {"period_id": nov, "owner_id": 1},
        )
    )
    expense = {
        "amount": "40.00",
        "payment_type": "Water",
        "allocation_strategy": "USAGE_BASED",
        "meter_type": "water",
        "date": "2025-11-20T10:00:00+00:00",
    }
    await t.ok(
        Write(
            "POST",
            f"/periods/{nov}/expenses",
            expense,
            "ledger.record_expense",
            expense | {"period_id": nov},
        )
    )
    (spent,) = await t.get(f"/periods/{nov}/expenses")
    assert spent["allocations"] == [
        {"owner_id": 1, "amount": "40.00"},
        {"owner_id": 2, "amount": "0.00"},
    ]
    assert spent["date"].startswith("2025-11-20T10:00:00")
    fee = {"amount": "5.00", "description": "Fee"}
    await t.ok(
        Write(
            "POST",
            f"/periods/{nov}/charges",
            fee | {"user_id": 2},
            "ledger.record_charge",
            fee | {"period_id": nov, "owner_id": 2},
        )
    )
    monthly = {"on_date": "2025-11-15", "amount": "10.00", "description": "Monthly"}
    await t.ok(
        Write(
            "POST",
            f"/communities/{cid}/charges",
            monthly,
            "ledger.charge_owners",
            monthly | {"community_id": cid},
        )
    )
    item = {"category": "Roads", "planned_amount": "8.00"}
    await t.ok(
        Write(
            "POST",
            f"/periods/{nov}/budget-items",
            item,
            "ledger.create_budget_item",
            item | {"period_id": nov},
        )
    )
    (budget,) = await t.get(f"/periods/{nov}/budget-items")
    await t.ok(
        Write(
            "POST",
            f"/periods/{nov}/budget-items/{budget['id']}/apply",
            None,
            "ledger.apply_budget_item",
            {"period_id": nov, "budget_item_id": budget["id"]},
        )
    )
    await t.ok(
        Write(
            "POST",
            f"/periods/{nov}/usage-billing",
            {"meter_type": "water"},
            "ledger.bill_usage",
            {"period_id": nov, "meter_type": "water"},
        )
    )
    charges = await t.get(f"/periods/{nov}/charges?owner_id=2")
    (fee_row,) = [ch for ch in charges if ch["description"] == "Fee"]
    reason = {"reason": "twice"}
    await t.ok(
        Write(
            "POST",
            f"/periods/{nov}/charges/{fee_row['id']}/reverse",
            reason,
            "ledger.reverse_entry",
            reason | {"entry": "charge", "period_id": nov, "entry_id": fee_row["id"]},
        )
    )

    sheet = {
        e["owner_id"]: e["balance"]
        for e in (await t.get(f"/periods/{nov}/balance-sheet"))["entries"]
    }
    # Owner 1: +100 paid, −40 water expense, −10 monthly, −2 budget, −20 billed (10 units at 2).
    # Owner 2: −5 fee +5 reversed, −10 monthly, −6 budget (share 3 of 4).
    assert sheet == {1: "28.00", 2: "-16.00", 3: "0.00"}

    close = Write("POST", f"/periods/{nov}/close", None, "ledger.close_period", {"period_id": nov})
    await t.ok(close)
    late = Write(
        "POST",
        f"/periods/{nov}/contributions",
        pay | {"user_id": 1},
        "ledger.record_contribution",
        pay | {"period_id": nov, "owner_id": 1},
    )
    assert await t.send(late) == (400, f"Period {nov} is not open for contributions")
    await t.ok(
        Write("POST", f"/periods/{nov}/reopen", None, "ledger.reopen_period", {"period_id": nov})
    )
    await t.ok(close)
    carry = {"from_period_id": nov, "to_period_id": dec}
    await t.ok(Write("POST", "/periods/carry-forward", carry, "ledger.carry_forward", carry))
    opening = await t.get(f"/periods/{dec}/opening-transactions")
    assert (opening["total_opening_contributions"], opening["total_opening_charges"]) == (
        "28.00",
        "16.00",
    )
    reopen = Write(
        "POST", f"/periods/{nov}/reopen", None, "ledger.reopen_period", {"period_id": nov}
    )
    assert await t.send(reopen) == (
        409,
        f"Period {nov} has been carried forward and cannot be reopened",
    )
    bad = Write(
        "POST",
        f"/periods/{dec}/usage-billing",
        {"meter_type": "water"},
        "ledger.bill_usage",
        {"period_id": dec, "meter_type": "water"},
    )
    status, detail = await t.send(bad)
    assert status == 400 and detail is not None and "nothing to bill" in detail.lower()
