"""The balance summary under concurrent writes (issue 11, item 11), through REST against real
PostgreSQL: read while expenses, payments, deletions and settlements commit, every answer is 200
and its balances sum to exactly zero (one snapshot)."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import pytest

pytestmark = pytest.mark.integration

E = "/financials/expenses"


async def test_balances_read_during_writes_always_sum_to_zero(
    people: Callable[[int], Any],
) -> None:
    alice = people(1)
    members = [2, 3, 4]
    gid = await alice.group(members)
    writing = True
    answers: list[int] = []
    sums: list[Decimal] = []

    async def writer(user_id: int) -> None:
        me = people(user_id)
        for n in range(8):
            expense = await me.expense(gid, f"{10 + n}.{user_id}{n}")
            for split in expense["splits"]:
                if split["user_id"] != user_id and split["status"] != "paid":
                    await people(split["user_id"]).ok(
                        "POST",
                        f"/financials/expense_splits/{split['id']}/settle",
                        {"amount_paid": split["owed_amount"]},
                    )
                    break
            if n % 3 == 0:
                await me.ok("DELETE", f"{E}/{expense['id']}", params={"expected_version": 1})
            other = 1 if user_id != 1 else 2
            await me.ok(
                "POST",
                "/financials/settlements",
                {
                    "group_id": gid,
                    "paid_by_user_id": user_id,
                    "paid_to_user_id": other,
                    "amount": "1.00",
                },
            )

    async def reader() -> None:
        while writing:
            response = await alice.call("GET", f"/costs/groups/{gid}/balance-summary")
            answers.append(response.status_code)
            if response.status_code == 200:
                balances = response.json()["user_balances"]
                sums.append(sum((Decimal(b["net_balance"]) for b in balances), Decimal(0)))

    readers = [asyncio.create_task(reader()) for _ in range(3)]
    try:
        await asyncio.gather(*(writer(u) for u in [1, *members]))
    finally:
        writing = False
        await asyncio.gather(*readers)
    assert len(answers) >= 10
    assert set(answers) == {200}
    assert set(sums) == {Decimal(0)}
