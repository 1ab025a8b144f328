"""Reporting's balance sheets, built from events, equal the ledger's own computation to the cent."""

from __future__ import annotations

import asyncio
import sys
from decimal import Decimal

import httpx
import pytest
from sosenki_platform.testing import eventually

pytestmark = pytest.mark.e2e

P = "/api/payments/periods"


async def test_balance_sheets_agree_after_a_month_and_a_carry_forward(
    start_service, make_token
) -> None:
    ledger = await start_service("ledger")
    reporting = await start_service("reporting")
    async with httpx.AsyncClient(
        base_url=ledger.url, headers={"Authorization": f"Bearer {make_token(1)}"}
    ) as api:

        async def ok(method: str, path: str, body: object = None) -> dict:
            r = await api.request(method, path, json=body)
            assert r.status_code in (200, 201), r.text
            return r.json()

        cid = (await ok("POST", "/api/payments/communities", {"name": "Cedars"}))["id"]
        token = make_token(1, communities=[cid])
        api.headers["Authorization"] = f"Bearer {token}"
        for user_id, share in {1: "12.5", 2: "30", 3: "57.5", 4: "7"}.items():
            await ok(
                "POST",
                f"/api/payments/communities/{cid}/owners",
                {"user_id": user_id, "display_name": f"O{user_id}", "ownership_share": share},
            )
        nov = (
            await ok(
                "POST", P, {"name": "Nov", "start_date": "2025-11-01", "end_date": "2025-11-30"}
            )
        )["id"]
        for user_id, amount in {1: "1000.00", 2: "333.33", 3: "0.01"}.items():
            await ok("POST", f"{P}/{nov}/contributions", {"user_id": user_id, "amount": amount})
        for body in (
            {"amount": "1000.01", "payment_type": "Roads", "allocation_strategy": "PROPORTIONAL"},
            {
                "amount": "100.00",
                "payment_type": "Snow",
                "allocation_strategy": "FIXED_FEE",
                "paid_by_user_id": 2,
            },
            {
                "amount": "77.77",
                "payment_type": "Gate",
                "allocation_strategy": "FIXED_FEE",
                "owner_ids": [1, 3],
            },
            {"amount": "500.00", "payment_type": "Reserve", "allocation_strategy": "NONE"},
        ):
            await ok("POST", f"{P}/{nov}/expenses", body)
        await ok(
            "POST",
            f"{P}/{nov}/charges",
            {"user_id": 4, "amount": "250.00", "description": "Penalty"},
        )
        await ok("POST", f"{P}/{nov}/close")
        dec = (
            await ok(
                "POST", P, {"name": "Dec", "start_date": "2025-12-01", "end_date": "2025-12-31"}
            )
        )["id"]
        await ok("POST", f"{P}/carry-forward", {"from_period_id": nov, "to_period_id": dec})
        await ok("POST", f"{P}/{dec}/contributions", {"user_id": 4, "amount": "250.00"})
        expected = {pid: await ok("GET", f"{P}/{pid}/balance-sheet") for pid in (nov, dec)}

    async with httpx.AsyncClient(
        base_url=reporting.url, headers={"Authorization": f"Bearer {token}"}
    ) as api:
        for pid, sheet in expected.items():

            async def projected(pid: int = pid, sheet: dict = sheet) -> dict | None:
                r = await api.get(f"{P}/{pid}/balance-sheet")
                return r.json() if r.status_code == 200 and r.json() == sheet else None

            await eventually(projected, what=f"reporting's balance sheet of period {pid}")
        status = (await api.get(f"{P}/{nov}")).json()["status"]
    assert status == "CLOSED"
    # December opens with November's balances, plus one contribution of 250.00.
    carried = Decimal(expected[nov]["total_period_balance"])
    assert Decimal(expected[dec]["total_period_balance"]) == carried + Decimal("250.00")


async def _rebuild(reporting) -> str:
    """``python -m reporting rebuild`` against the running reporting process's database."""
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
    return output.decode(errors="replace")


async def test_every_allocation_strategy_budget_reversal_close_and_carry_forward_agree(
    start_service, make_token
) -> None:
    """Two months of a community's treasury through the real ledger: reporting's balance sheets,
    owner balances, fund summaries, budget vs actual and meter consumption equal the ledger's to
    the cent, before and after a rebuild, and after new events that follow the rebuild."""
    ledger = await start_service("ledger")
    reporting = await start_service("reporting")
    async with httpx.AsyncClient(
        base_url=ledger.url, headers={"Authorization": f"Bearer {make_token(1)}"}
    ) as api:

        async def ok(method: str, path: str, body: object = None) -> dict:
            r = await api.request(method, path, json=body)
            assert r.status_code in (200, 201), r.text
            return r.json()

        cid = (await ok("POST", "/api/payments/communities", {"name": "Larches"}))["id"]
        token = make_token(1, communities=[cid])
        api.headers["Authorization"] = f"Bearer {token}"
        owners: dict[int, int] = {}
        for user_id, share in {1: "10", 2: "20", 3: "30", 4: "40"}.items():
            owner = await ok(
                "POST",
                f"/api/payments/communities/{cid}/owners",
                {"user_id": user_id, "display_name": f"O{user_id}", "ownership_share": share},
            )
            owners[user_id] = owner["owner_id"]
        nov = (
            await ok(
                "POST", P, {"name": "Nov", "start_date": "2025-11-01", "end_date": "2025-11-30"}
            )
        )["id"]

        # Electricity meters of owners 1-3; owner 3's meter is replaced mid-month.
        for user_id, readings in {
            1: [("2025-10-31", "1000", False), ("2025-11-30", "1123.4", False)],
            2: [("2025-10-31", "50", False), ("2025-11-30", "250", False)],
            3: [("2025-10-31", "900", False), ("2025-11-20", "15", True)],
        }.items():
            meter = await ok(
                "POST",
                f"/api/payments/communities/{cid}/meters",
                {"owner_id": owners[user_id], "meter_type": "electricity", "tariff": "4.20"},
            )
            for day, value, replaced in readings:
                await ok(
                    "POST",
                    f"/api/payments/meters/{meter['id']}/readings",
                    {"reading_date": day, "value": value, "is_replacement": replaced},
                )

        for user_id, amount in {1: "1000.00", 2: "500.00", 3: "0.01"}.items():
            await ok("POST", f"{P}/{nov}/contributions", {"user_id": user_id, "amount": amount})
        wrong = await ok("POST", f"{P}/{nov}/contributions", {"user_id": 4, "amount": "250.00"})
        await ok(
            "POST",
            f"{P}/{nov}/contributions/{wrong['id']}/reverse",
            {"reason": "Paid by owner 3, not 4"},
        )
        await ok("POST", f"{P}/{nov}/contributions", {"user_id": 3, "amount": "250.00"})
        for body in (
            {"amount": "1000.01", "payment_type": "Roads", "allocation_strategy": "PROPORTIONAL"},
            {
                "amount": "100.00",
                "payment_type": "Snow",
                "allocation_strategy": "FIXED_FEE",
                "paid_by_user_id": 2,
            },
            {
                "amount": "333.33",
                "payment_type": "Electricity",
                "allocation_strategy": "USAGE_BASED",
                "meter_type": "electricity",
            },
            {"amount": "500.00", "payment_type": "Reserve", "allocation_strategy": "NONE"},
        ):
            await ok("POST", f"{P}/{nov}/expenses", body)
        gate = await ok(
            "POST",
            f"{P}/{nov}/expenses",
            {"amount": "77.77", "payment_type": "Gate", "allocation_strategy": "FIXED_FEE"},
        )
        await ok("POST", f"{P}/{nov}/expenses/{gate['id']}/reverse", {"reason": "Not ours"})
        await ok(
            "POST",
            f"{P}/{nov}/charges",
            {"user_id": 4, "amount": "250.00", "description": "Penalty"},
        )
        for category, planned, strategy in (
            ("Roads", "1200.00", "PROPORTIONAL"),
            ("Security", "90.01", "FIXED_FEE"),
        ):
            item = await ok(
                "POST",
                f"{P}/{nov}/budget-items",
                {"category": category, "planned_amount": planned, "allocation_strategy": strategy},
            )
        await ok("POST", f"{P}/{nov}/budget-items/{item['id']}/apply")  # Security
        await ok("POST", f"{P}/{nov}/usage-billing", {"meter_type": "electricity"})
        await ok("POST", f"{P}/{nov}/close")
        dec = (
            await ok(
                "POST", P, {"name": "Dec", "start_date": "2025-12-01", "end_date": "2025-12-31"}
            )
        )["id"]
        await ok("POST", f"{P}/carry-forward", {"from_period_id": nov, "to_period_id": dec})
        await ok("POST", f"{P}/{dec}/contributions", {"user_id": 4, "amount": "250.00"})
        await ok(
            "POST",
            f"{P}/{dec}/expenses",
            {"amount": "40.00", "payment_type": "Snow", "allocation_strategy": "FIXED_FEE"},
        )

        paths = [
            f"{P}/{pid}/{what}"
            for pid in (nov, dec)
            for what in (
                "balance-sheet",
                "fund-summary",
                "budget-vs-actual",
                "consumption",
                *(f"owner-balance/{o}" for o in owners.values()),
            )
        ]

        async def ledgers_view() -> dict[str, dict]:
            return {path: await ok("GET", path) for path in paths}

        expected = await ledgers_view()
        sheet = expected[f"{P}/{nov}/balance-sheet"]
        assert {e["owner_id"] for e in sheet["entries"]} == set(owners.values())
        assert Decimal(expected[f"{P}/{nov}/fund-summary"]["fund_balance"]) != 0

        async with httpx.AsyncClient(
            base_url=reporting.url, headers={"Authorization": f"Bearer {token}"}
        ) as rep:

            async def agree(expected: dict[str, dict]) -> None:
                for path, body in expected.items():

                    async def same(path: str = path, body: dict = body) -> bool:
                        r = await rep.get(path)
                        return r.status_code == 200 and r.json() == body

                    await eventually(same, what=f"reporting to agree on {path}")

            async def head() -> dict:
                return (await rep.get("/api/audit/head", params={"community_id": cid})).json()

            await agree(expected)
            before = await head()

            output = await _rebuild(reporting)
            assert "(0 skipped" in output and "switched over" in output
            await agree(expected)
            assert await head() == {**before, "entry_id": (await head())["entry_id"]}
            verified = (await rep.get("/api/audit/verify", params={"community_id": cid})).json()
            assert verified["ok"] is True and verified["entries_checked"] == before["seq"]

            # The running reporting process goes on after the switch.
            await ok("POST", f"{P}/{dec}/contributions", {"user_id": 1, "amount": "12.34"})
            await agree(await ledgers_view())


async def test_money_at_the_edges_agrees(start_service, make_token) -> None:
    """Issue 11 through the real ledger and reporting: first-day meter readings, a usage bill
    reversed and billed again, a closed period's balance before and after it is carried forward
    (the owner's current balance in reporting's statement equals the ledger's uncarried periods),
    and a refused reversal of an opening entry; reporting agrees with the ledger to the cent."""
    ledger = await start_service("ledger")
    reporting = await start_service("reporting")
    async with httpx.AsyncClient(
        base_url=ledger.url, headers={"Authorization": f"Bearer {make_token(1)}"}
    ) as api:

        async def ok(method: str, path: str, body: object = None) -> dict:
            r = await api.request(method, path, json=body)
            assert r.status_code in (200, 201), r.text
            return r.json()

        cid = (await ok("POST", "/api/payments/communities", {"name": "Alders"}))["id"]
        token = make_token(1, communities=[cid])
        api.headers["Authorization"] = f"Bearer {token}"
        for user_id in (1, 2):
            await ok(
                "POST",
                f"/api/payments/communities/{cid}/owners",
                {"user_id": user_id, "display_name": f"O{user_id}", "ownership_share": "1"},
            )
        nov, dec = [
            (await ok("POST", P, {"name": name, "start_date": start, "end_date": end}))["id"]
            for name, start, end in (
                ("Nov", "2025-11-01", "2025-11-30"),
                ("Dec", "2025-12-01", "2025-12-31"),
            )
        ]
        meter = await ok(
            "POST",
            f"/api/payments/communities/{cid}/meters",
            {"owner_id": 1, "meter_type": "water", "tariff": "2"},
        )
        for day, value in (("2025-11-01", "100"), ("2025-12-01", "150"), ("2026-01-01", "230")):
            await ok(
                "POST",
                f"/api/payments/meters/{meter['id']}/readings",
                {"reading_date": day, "value": value},
            )
        (bill,) = await ok("POST", f"{P}/{nov}/usage-billing", {"meter_type": "water"})
        assert bill["amount"] == "100.00"  # 50 units at 2
        await ok("POST", f"{P}/{nov}/charges/{bill['id']}/reverse", {"reason": "Wrong tariff"})
        await ok("POST", f"{P}/{nov}/usage-billing", {"meter_type": "water"})
        await ok("POST", f"{P}/{nov}/contributions", {"user_id": 2, "amount": "300.00"})
        await ok("POST", f"{P}/{nov}/close")
        await ok("POST", f"{P}/{dec}/contributions", {"user_id": 1, "amount": "40.00"})

        paths = [
            f"{P}/{pid}/{what}"
            for pid in (nov, dec)
            for what in ("balance-sheet", "fund-summary", "consumption")
        ]

        async def ledgers_view() -> dict[str, dict]:
            return {path: await ok("GET", path) for path in paths}

        async def uncarried_balance(owner: int, periods: list[int]) -> str:
            total = Decimal(0)
            for pid in periods:
                total += Decimal((await ok("GET", f"{P}/{pid}/owner-balance/{owner}"))["balance"])
            return f"{total:.2f}"

        async with httpx.AsyncClient(
            base_url=reporting.url, headers={"Authorization": f"Bearer {token}"}
        ) as rep:

            async def agree(expected: dict[str, dict]) -> None:
                for path, body in expected.items():

                    async def same(path: str = path, body: dict = body) -> bool:
                        r = await rep.get(path)
                        return r.status_code == 200 and r.json() == body

                    await eventually(same, what=f"reporting to agree on {path}")

            async def current_balance(owner: int, wanted: str) -> None:
                path = f"/api/payments/communities/{cid}/owners/{owner}/statement"

                async def shown() -> bool:
                    r = await rep.get(path)
                    return r.status_code == 200 and r.json()["current_balance"] == wanted

                await eventually(shown, what=f"owner {owner}'s current balance {wanted}")

            view = await ledgers_view()
            assert [
                view[f"{P}/{pid}/consumption"]["meters"][0]["consumption"] for pid in (nov, dec)
            ] == ["50", "80"]
            await agree(view)
            # November closed but not carried forward: owner 1 still owes it (−100 + 40).
            assert await uncarried_balance(1, [nov, dec]) == "-60.00"
            await current_balance(1, "-60.00")
            await current_balance(2, "300.00")

            await ok("POST", f"{P}/carry-forward", {"from_period_id": nov, "to_period_id": dec})
            opening = await ok("GET", f"{P}/{dec}/opening-transactions")
            credit = opening["opening_contributions"][0]["id"]
            refused = await api.post(
                f"{P}/{dec}/contributions/{credit}/reverse", json={"reason": "No"}
            )
            assert refused.status_code == 409
            await agree(await ledgers_view())
            assert await uncarried_balance(1, [dec]) == "-60.00"
            await current_balance(1, "-60.00")
            await current_balance(2, "300.00")
            fund = (await rep.get(f"{P}/{dec}/fund-summary")).json()
            assert fund["fund_balance"] == "40.00"  # the opening +300 is not new money
