"""Reporting's group balances and settle-up plans, built from ``splits.events.v1``, equal the
splits service's own, to the cent, before and after a rebuild."""

from __future__ import annotations

import asyncio
import csv
import io
import sys
from decimal import Decimal
from typing import Any

import httpx
import pytest
from sosenki_platform.testing import eventually

pytestmark = pytest.mark.e2e


async def _rebuild(reporting: Any) -> None:
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "reporting",
        "rebuild",
        env=reporting.env,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
    )
    output, _ = await asyncio.wait_for(process.communicate(), timeout=240)
    assert process.returncode == 0, output.decode(errors="replace")[-3000:]


async def test_group_balances_and_plans_agree_with_the_splits_service(
    start_service: Any, make_token: Any
) -> None:
    splits = await start_service("splits")
    reporting = await start_service("reporting")

    def as_user(user_id: int, base_url: str = splits.url) -> httpx.AsyncClient:
        token = make_token(user_id)
        return httpx.AsyncClient(base_url=base_url, headers={"Authorization": f"Bearer {token}"})

    async def ok(client: httpx.AsyncClient, method: str, path: str, **kw: Any) -> Any:
        response = await client.request(method, path, **kw)
        assert response.status_code in (200, 201, 204), f"{path}: {response.text}"
        return response.json() if response.content else None

    async with as_user(1) as anna, as_user(2) as boris, as_user(3) as vera, as_user(5) as dina:
        gid = (await ok(anna, "POST", "/groups", json={"name": "Flat 7", "base_currency": "RUB"}))[
            "id"
        ]
        for user_id, name in ((2, "Boris"), (3, "Vera"), (4, "Gleb"), (5, "Dina")):
            await ok(
                anna,
                "POST",
                f"/groups/{gid}/members",
                json={"user_id": user_id, "display_name": name},
            )

        async def expense(client: httpx.AsyncClient, **body: Any) -> dict[str, Any]:
            result: dict[str, Any] = await ok(
                client, "POST", "/financials/expenses", json={"group_id": gid, **body}
            )
            return result

        await expense(anna, description="Internet", total_amount="100.00")  # EQUAL, all five
        await expense(
            boris,
            description="Cleaning",
            total_amount="90.00",
            split_type="EXACT_AMOUNTS",
            splits_in=[
                {"user_id": 1, "owed_amount": "30.00"},
                {"user_id": 2, "owed_amount": "25.50"},
                {"user_id": 4, "owed_amount": "34.50"},
            ],
        )
        await expense(
            vera,
            description="Power",
            total_amount="1000.00",
            split_type="PERCENTAGE",
            category="utilities",
            splits_in=[
                {"user_id": 1, "share_percentage": "33.33"},
                {"user_id": 2, "share_percentage": "33.33"},
                {"user_id": 3, "share_percentage": "33.34"},
            ],
        )
        rent = await expense(
            anna,
            description="Rent",
            total_amount="60000.00",
            split_type="SHARES",
            payers=[{"user_id": 1, "amount": "40000.00"}, {"user_id": 2, "amount": "20000.00"}],
            splits_in=[
                {"user_id": 1, "share_units": 3},
                {"user_id": 2, "share_units": 2},
                {"user_id": 3, "share_units": 2},
                {"user_id": 4, "share_units": 1},
            ],
        )
        await expense(
            vera,
            description="Cabin",
            total_amount="150.00",
            currency="EUR",
            exchange_rate="95.5",
            splits_in=[{"user_id": 1}, {"user_id": 3}],
        )
        shopping = await ok(anna, "POST", "/lists", json={"name": "Party", "group_id": gid})
        for client, name, price in ((anna, "Cake", "700.00"), (boris, "Juice", "300.01")):
            await ok(
                client,
                "POST",
                f"/lists/{shopping['id']}/items",
                json={"name": name, "price": price},
            )
        await ok(
            anna, "POST", f"/costs/lists/{shopping['id']}/cost-summary", json={"paid_by_user_id": 3}
        )
        # Rent was wrong: the change takes the old expense out and puts the new one in.
        await ok(
            anna,
            "PUT",
            f"/financials/expenses/{rent['id']}",
            json={
                "version": rent["version"],
                "total_amount": "61000.00",
                "payers": [
                    {"user_id": 1, "amount": "41000.00"},
                    {"user_id": 2, "amount": "20000.00"},
                ],
            },
        )
        typo = await expense(boris, description="Typo", total_amount="5.00")
        await ok(
            boris,
            "DELETE",
            f"/financials/expenses/{typo['id']}",
            params={"expected_version": typo["version"], "reason": "Entered twice"},
        )
        # Dina pays for Anna and herself, they settle, and Dina leaves: her entries still count.
        dinner = await expense(
            dina,
            description="Dinner",
            total_amount="80.00",
            splits_in=[{"user_id": 1}, {"user_id": 5}],
        )
        anna_split = next(s for s in dinner["splits"] if s["user_id"] == 1)
        await ok(
            anna,
            "POST",
            f"/financials/expense_splits/{anna_split['id']}/settle",
            json={"amount_paid": "40.00"},
        )
        await ok(  # her share of the internet
            dina,
            "POST",
            "/financials/settlements",
            json={"group_id": gid, "paid_by_user_id": 5, "paid_to_user_id": 1, "amount": "20.00"},
        )
        await ok(dina, "DELETE", f"/groups/{gid}/members/5")
        wrong = await ok(
            vera,
            "POST",
            "/financials/settlements",
            json={"group_id": gid, "paid_by_user_id": 3, "paid_to_user_id": 1, "amount": "99.99"},
        )
        await ok(
            vera,
            "DELETE",
            f"/financials/settlements/{wrong['id']}",
            params={"expected_version": wrong["version"], "reason": "Wrong amount"},
        )
        await ok(
            boris,
            "POST",
            "/financials/settlements",
            json={"group_id": gid, "paid_by_user_id": 2, "paid_to_user_id": 1, "amount": "500.00"},
        )
        # A second group of Anna's, for her net position across groups.
        other = (await ok(anna, "POST", "/groups", json={"name": "Trip", "base_currency": "EUR"}))[
            "id"
        ]
        await ok(anna, "POST", f"/groups/{other}/members", json={"user_id": 2})
        await ok(
            boris,
            "POST",
            "/financials/expenses",
            json={"group_id": other, "description": "Fuel", "total_amount": "60.01"},
        )

        # Money at the edges (issue 11), in a group of Boris's without Anna: a list charged
        # through POST /financials/expenses, reversed and then finalised (charged once), and a
        # euro expense whose currency can no longer change once Gleb has paid towards it.
        async with as_user(4) as gleb:
            party = (
                await ok(boris, "POST", "/groups", json={"name": "Party", "base_currency": "RUB"})
            )["id"]
            for user_id in (3, 4):
                await ok(boris, "POST", f"/groups/{party}/members", json={"user_id": user_id})
            food = await ok(boris, "POST", "/lists", json={"name": "Food", "group_id": party})
            for client, name, price in ((boris, "Cake", "700.00"), (vera, "Juice", "300.01")):
                await ok(
                    client,
                    "POST",
                    f"/lists/{food['id']}/items",
                    json={"name": name, "price": price},
                )
            charge = {"description": "Food", "split_type": "ITEM_BASED", "list_id": food["id"]}
            first = await ok(boris, "POST", "/financials/expenses", json=charge)
            twice = await boris.post(f"/costs/lists/{food['id']}/cost-summary", json={})
            assert twice.status_code == 409, twice.text
            await ok(
                boris,
                "DELETE",
                f"/financials/expenses/{first['id']}",
                params={"expected_version": first["version"]},
            )
            await ok(
                boris,
                "POST",
                f"/costs/lists/{food['id']}/cost-summary",
                json={"paid_by_user_id": 3},
            )
            boat = await ok(
                boris,
                "POST",
                "/financials/expenses",
                json={
                    "group_id": party,
                    "description": "Boat",
                    "total_amount": "90.00",
                    "currency": "EUR",
                    "exchange_rate": "99.5",
                },
            )
            gleb_split = next(x for x in boat["splits"] if x["user_id"] == 4)
            await ok(
                gleb,
                "POST",
                f"/financials/expense_splits/{gleb_split['id']}/settle",
                json={"amount_paid": "10.00"},
            )
            moved = await boris.put(
                f"/financials/expenses/{boat['id']}",
                json={"version": boat["version"], "currency": "RUB", "exchange_rate": None},
            )
            assert moved.status_code == 409, moved.text
            party_summary = await ok(boris, "GET", f"/costs/groups/{party}/balance-summary")
        assert sum(
            Decimal(b["total_share_of_expenses"]) for b in party_summary["user_balances"]
        ) == (Decimal("1000.01") + Decimal("8955.00"))

        expected = {
            g: await ok(anna, "GET", f"/costs/groups/{g}/balance-summary") for g in (gid, other)
        }
        live = await ok(anna, "GET", "/financials/expenses", params={"group_id": gid})
    assert {b["user_id"] for b in expected[gid]["user_balances"]} == {1, 2, 3, 4, 5}
    assert len(expected[gid]["suggested_settlements"]) >= 2

    async with as_user(1, reporting.url) as rep:
        for g, summary in expected.items():

            async def same(g: int = g, summary: dict[str, Any] = summary) -> bool:
                r = await rep.get(f"/costs/groups/{g}/balance-summary")
                return r.status_code == 200 and r.json() == summary

            await eventually(same, what=f"reporting to agree on group {g}")

        position = (await rep.get("/costs/users/1/net-position")).json()
        nets = {
            g: next(b["net_balance"] for b in s["user_balances"] if b["user_id"] == 1)
            for g, s in expected.items()
        }
        assert {p["group_id"]: p["net_balance"] for p in position["groups"]} == nets
        assert {t["currency"]: t["net_balance"] for t in position["totals"]} == {
            "RUB": nets[gid],
            "EUR": nets[other],
        }
        assert (await rep.get("/costs/users/2/net-position")).status_code == 404

        exported = await rep.get(f"/costs/groups/{gid}/expenses.csv")
        assert exported.status_code == 200
        rows = list(csv.reader(io.StringIO(exported.content.decode("utf-8-sig"))))
        header, body, totals = rows[0], rows[1:-1], rows[-1]
        assert len(body) == live["total"] == 7  # the deleted one is not there
        # The total in the group's currency (the header in the reader's language, with its sign).
        column = next(i for i, name in enumerate(header) if name.startswith("In the group's"))
        assert header[column].endswith("₽"), header
        assert Decimal(totals[column]) == sum(
            Decimal(e["base_total_amount"]) for e in live["expenses"]
        )
        chart = await rep.get(f"/costs/groups/{gid}/charts/balances.png")
        assert chart.content.startswith(b"\x89PNG\r\n\x1a\n")

        async with as_user(2, reporting.url) as boris_rep:

            async def party_agrees() -> bool:
                r = await boris_rep.get(f"/costs/groups/{party}/balance-summary")
                return r.status_code == 200 and r.json() == party_summary

            await eventually(party_agrees, what="reporting to agree on the party group")

        await _rebuild(reporting)
        for g, summary in expected.items():
            assert (await rep.get(f"/costs/groups/{g}/balance-summary")).json() == summary

    async with as_user(4, reporting.url) as gleb:
        assert (await gleb.get(f"/costs/groups/{other}/balance-summary")).status_code == 404
