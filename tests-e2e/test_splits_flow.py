"""A flat's month on the real splits process (``python -m splits``): a group, expenses of every
kind, a payment against a split, a command from the bot gateway over Kafka, and a settle-up that
clears every balance; every change reaches ``splits.events.v1``."""

from __future__ import annotations

import json
import uuid
from typing import Any

import httpx
import pytest
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer
from sosenki_contracts import topics
from sosenki_contracts.envelope import Actor, CommandEnvelope
from sosenki_platform.kafka_security import client_options
from sosenki_platform.testing import eventually

pytestmark = pytest.mark.e2e


async def _events(bootstrap: str, topic: str) -> list[dict[str, Any]]:
    consumer = AIOKafkaConsumer(
        topic,
        bootstrap_servers=bootstrap,
        auto_offset_reset="earliest",
        enable_auto_commit=False,
        **client_options(),
    )
    await consumer.start()
    found: list[dict[str, Any]] = []
    try:
        for _ in range(6):
            for records in (await consumer.getmany(timeout_ms=300)).values():
                found += [json.loads(r.value) for r in records]
    finally:
        await consumer.stop()
    return found


async def test_a_flat_shares_a_month_and_settles_up(
    start_service: Any, make_token: Any, service_env: dict[str, str]
) -> None:
    splits = await start_service("splits")
    bootstrap = service_env["SOSENKI_KAFKA_BOOTSTRAP_SERVERS"]
    prefix = service_env["SOSENKI_TOPIC_PREFIX"]

    def as_user(user_id: int) -> httpx.AsyncClient:
        token = make_token(user_id)
        return httpx.AsyncClient(base_url=splits.url, headers={"Authorization": f"Bearer {token}"})

    async with as_user(1) as anna, as_user(2) as boris, as_user(3) as vera:

        async def ok(client: httpx.AsyncClient, method: str, path: str, **kw: Any) -> Any:
            response = await client.request(method, path, **kw)
            assert response.status_code in (200, 201, 204), f"{path}: {response.text}"
            return response.json() if response.content else None

        group = await ok(anna, "POST", "/groups", json={"name": "Flat 12", "base_currency": "RUB"})
        gid = group["id"]
        for user_id in (2, 3):
            await ok(anna, "POST", f"/groups/{gid}/members", json={"user_id": user_id})

        # Anna pays the rent, split by room size; Boris buys groceries for everyone.
        await ok(
            anna,
            "POST",
            "/financials/expenses",
            json={
                "description": "Rent",
                "total_amount": "60000.00",
                "group_id": gid,
                "category": "housing",
                "split_type": "SHARES",
                "splits_in": [
                    {"user_id": 1, "share_units": 3},
                    {"user_id": 2, "share_units": 2},
                    {"user_id": 3, "share_units": 2},
                ],
            },
        )
        groceries = await ok(
            boris,
            "POST",
            "/financials/expenses",
            json={"description": "Groceries", "total_amount": "3000.01", "group_id": gid},
        )
        # Vera pays a holiday booking in euros.
        await ok(
            vera,
            "POST",
            "/financials/expenses",
            json={
                "description": "Cabin",
                "total_amount": "150.00",
                "currency": "EUR",
                "exchange_rate": "95.5",
                "group_id": gid,
            },
        )
        # Vera pays Boris her groceries share directly against the split.
        vera_split = next(s for s in groceries["splits"] if s["user_id"] == 3)
        payment = await ok(
            vera,
            "POST",
            f"/financials/expense_splits/{vera_split['id']}/settle",
            json={"amount_paid": vera_split["owed_amount"]},
        )
        assert payment["split_status"] == "paid"

        # The bot gateway records a taxi ride for Boris.
        taxi = CommandEnvelope(
            command_id=f"tg:{uuid.uuid4().int % 10**12}",
            command_type="splits.create_expense",
            issuer="bot-gateway",
            correlation_id=f"c-{uuid.uuid4()}",
            actor=Actor(kind="user", id="2"),
            payload={"description": "Taxi", "total_amount": "900.00", "group_id": gid},
        )
        producer = AIOKafkaProducer(bootstrap_servers=bootstrap, **client_options())
        await producer.start()
        try:
            await producer.send_and_wait(
                prefix + topics.SPLITS_COMMANDS, taxi.to_json_bytes(), key=b"k"
            )
        finally:
            await producer.stop()

        async def four_expenses() -> Any:
            listed = await ok(boris, "GET", "/financials/expenses", params={"group_id": gid})
            return listed if listed["total"] == 4 else None

        await eventually(four_expenses, what="the taxi expense from the command")

        summary = await ok(vera, "GET", f"/costs/groups/{gid}/balance-summary")
        nets = {b["user_id"]: b["net_balance"] for b in summary["user_balances"]}
        # Rent 25714.28/17142.86/17142.86 (the leftover cents go to the larger remainders),
        # groceries 1000.01/1000.00/1000.00, the cabin 14325.00 RUB: 4775.00 each, the taxi
        # 300.00 each; Vera paid Boris 1000.00.
        assert nets == {1: "28210.71", 2: "-20317.85", 3: "-7892.86"}
        plan = summary["suggested_settlements"]
        assert len(plan) == 2
        for step in plan:
            payer = {1: anna, 2: boris, 3: vera}[step["from_user_id"]]
            await ok(
                payer,
                "POST",
                "/financials/settlements",
                json={
                    "group_id": gid,
                    "paid_by_user_id": step["from_user_id"],
                    "paid_to_user_id": step["to_user_id"],
                    "amount": step["amount"],
                },
            )
        cleared = await ok(anna, "GET", f"/costs/groups/{gid}/balance-summary")
        assert {b["net_balance"] for b in cleared["user_balances"]} == {"0.00"}
        assert cleared["suggested_settlements"] == []

    async def all_published() -> list[str] | None:
        types = [e["event_type"] for e in await _events(bootstrap, prefix + topics.SPLITS_EVENTS)]
        return types if types.count("splits.settlement_recorded") == 2 else None

    types = await eventually(all_published, what="every change on splits.events.v1")
    assert types.count("splits.expense_recorded") == 4
    assert types.count("splits.member_added") == 3
    assert "splits.split_settled" in types and "splits.group_created" in types
