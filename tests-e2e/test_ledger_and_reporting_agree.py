"""Reporting's balance sheets, built from events, equal the ledger's own computation to the cent."""

from __future__ import annotations

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
