"""The running balances (migration 0010) always equal the aggregates of the entries: under
concurrent writes of every kind, reversals included, and for rows inserted behind the
application's back; and entries cannot be edited, which would make them disagree."""

from __future__ import annotations

import asyncio
import random
from decimal import Decimal
from typing import Any

import httpx
import pytest
from ledger.adapters.repository import LedgerRepository
from ledger.queries import shapes
from sosenki_contracts.money import format_amount
from sosenki_platform.service import Runtime
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

P = "/api/payments/periods"


def _runtime(client: httpx.AsyncClient) -> Runtime:
    transport = client._transport
    assert isinstance(transport, httpx.ASGITransport)
    runtime: Runtime = transport.app.state.runtime  # type: ignore[attr-defined]
    return runtime


async def _both(client: httpx.AsyncClient, period_id: int) -> tuple[Any, Any]:
    async with _runtime(client).db.session() as session:
        repo = LedgerRepository(session)
        period = await repo.get_period(period_id)
        assert period is not None
        return await repo.period_totals(period), await repo.period_totals_aggregated(period)


async def test_concurrent_writes_of_every_kind_keep_balances_equal_to_the_aggregates(
    treasurer: Any,
) -> None:
    owners = {n: str(n) for n in range(1, 7)}
    await treasurer.start(owners)
    pid = await treasurer.period()
    pick = random.Random(15)

    def write(n: int) -> Any:
        owner = pick.randint(1, 6)
        amount = f"{pick.randint(1, 99999) / 100:.2f}"
        match n % 4:
            case 0:
                return treasurer.call(
                    "POST", f"{P}/{pid}/contributions", {"user_id": owner, "amount": amount}
                )
            case 1:
                body = {"user_id": owner, "amount": amount, "description": "Fee"}
                return treasurer.call("POST", f"{P}/{pid}/charges", body)
            case 2:
                body = {
                    "paid_by_user_id": owner if n % 8 == 2 else None,
                    "amount": amount,
                    "payment_type": "Repairs",
                    "allocation_strategy": "PROPORTIONAL",
                }
                return treasurer.call("POST", f"{P}/{pid}/expenses", body)
            case _:
                body = {"amount": amount, "payment_type": "Bank", "allocation_strategy": "NONE"}
                return treasurer.call("POST", f"{P}/{pid}/expenses", body)

    results = await asyncio.gather(*(write(n) for n in range(60)))
    # Expenses lock the balance rows they touch in owner order first: no deadlock, no 503.
    assert [r.status_code for r in results] == [201] * 60, [r.text for r in results]
    contributions = await treasurer.ok("GET", f"{P}/{pid}/contributions")
    expenses = await treasurer.ok("GET", f"{P}/{pid}/expenses")
    reversals = [
        treasurer.call("POST", f"{P}/{pid}/contributions/{c['id']}/reverse", {"reason": "typo"})
        for c in contributions[:5]
    ] + [
        treasurer.call("POST", f"{P}/{pid}/expenses/{e['id']}/reverse", {"reason": "typo"})
        for e in expenses[:5]
    ]
    assert [r.status_code for r in await asyncio.gather(*reversals)] == [201] * 10

    running, aggregated = await _both(treasurer.client, pid)
    assert running == aggregated
    assert set(running) == set(owners)
    assert any(t.total_paid_expenses for t in running.values())
    # The sheet PostgreSQL builds from the running balances is the domain's, from the entries.
    sheet = await treasurer.ok("GET", f"{P}/{pid}/balance-sheet")
    assert sheet == {
        "period_id": pid,
        "currency": "RUB",
        "entries": [
            {"username": None, **shapes.totals(totals, "RUB")} for totals in aggregated.values()
        ],
        "total_period_balance": format_amount(
            sum((t.balance for t in aggregated.values()), Decimal(0)), "RUB"
        ),
    }


async def test_rows_inserted_behind_the_application_are_counted_too(treasurer: Any) -> None:
    await treasurer.start({1: "1", 2: "1"})
    pid = await treasurer.period()
    async with _runtime(treasurer.client).db.transaction() as session:
        await session.execute(
            text(
                "INSERT INTO contributions (period_id, community_id, owner_id, amount, currency,"
                " date, created_by) SELECT :p, :c, 1 + (n % 3), 0.01 * n, 'RUB', now(), 'bulk'"
                " FROM generate_series(1, 3000) AS n"
            ),
            {"p": pid, "c": treasurer.community_id},
        )
    running, aggregated = await _both(treasurer.client, pid)
    assert running == aggregated
    assert set(running) == {1, 2, 3}  # owner 3 is no owner, but has entries: still listed
    assert sum(t.total_contributions for t in running.values()) == Decimal("45015.00")


async def test_the_sheet_writes_amounts_in_the_currency_s_minor_units(treasurer: Any) -> None:
    await treasurer.start({1: "1", 2: "1"}, currency="JPY")
    pid = await treasurer.period()
    await treasurer.ok("POST", f"{P}/{pid}/contributions", {"user_id": 1, "amount": "5"})
    body = {"user_id": 2, "amount": "1200", "description": "Fee"}
    await treasurer.ok("POST", f"{P}/{pid}/charges", body)
    sheet = await treasurer.ok("GET", f"{P}/{pid}/balance-sheet")
    assert [(e["owner_id"], e["balance"]) for e in sheet["entries"]] == [(1, "5"), (2, "-1200")]
    assert (sheet["currency"], sheet["total_period_balance"]) == ("JPY", "-1195")
    assert sheet["entries"][1]["total_contributions"] == "0"


@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE contributions SET amount = amount + 1",
        "UPDATE contributions SET owner_id = 2",
        "DELETE FROM contributions",
    ],
)
async def test_entries_cannot_be_edited_or_deleted(treasurer: Any, statement: str) -> None:
    await treasurer.start({1: "1", 2: "1"})
    pid = await treasurer.period()
    await treasurer.ok("POST", f"{P}/{pid}/contributions", {"user_id": 1, "amount": "5.00"})
    with pytest.raises(DBAPIError, match="never edited or deleted"):
        async with _runtime(treasurer.client).db.transaction() as session:
            await session.execute(text(statement))
    running, aggregated = await _both(treasurer.client, pid)
    assert running == aggregated
    assert str(running[1].total_contributions) == "5.0000"
