"""Events recorded while reporting is down are applied once it is back, and nothing twice."""

from __future__ import annotations

import signal

import httpx
import pytest
from sosenki_platform.testing import eventually

pytestmark = pytest.mark.e2e

P = "/api/payments/periods"


async def test_events_recorded_while_reporting_is_down_are_applied_after_restart(
    start_service, make_token
) -> None:
    ledger = await start_service("ledger")
    reporting = await start_service("reporting")
    database_url = reporting.env["SOSENKI_DATABASE_URL"]
    async with httpx.AsyncClient(
        base_url=ledger.url, headers={"Authorization": f"Bearer {make_token(1)}"}
    ) as api:

        async def ok(method: str, path: str, body: object = None) -> dict:
            r = await api.request(method, path, json=body)
            assert r.status_code in (200, 201), r.text
            return r.json()

        cid = (await ok("POST", "/api/payments/communities", {"name": "Aspens"}))["id"]
        token = make_token(1, communities=[cid])
        api.headers["Authorization"] = f"Bearer {token}"
        for user_id in (1, 2):
            await ok(
                "POST",
                f"/api/payments/communities/{cid}/owners",
                {"user_id": user_id, "display_name": f"O{user_id}", "ownership_share": "50"},
            )
        nov = (
            await ok(
                "POST", P, {"name": "Nov", "start_date": "2025-11-01", "end_date": "2025-11-30"}
            )
        )["id"]
        await ok("POST", f"{P}/{nov}/contributions", {"user_id": 1, "amount": "100.00"})

        async with httpx.AsyncClient(
            base_url=reporting.url, headers={"Authorization": f"Bearer {token}"}
        ) as rep:

            async def first_applied() -> bool:
                r = await rep.get(f"{P}/{nov}/balance-sheet")
                return r.status_code == 200 and r.json()["total_period_balance"] == "100.00"

            await eventually(first_applied, what="the first contribution in reporting")
        # A graceful shutdown (uvicorn re-raises SIGTERM once it has finished).
        assert reporting.stop() in (0, -signal.SIGTERM)

        # Reporting is down: the treasurer goes on working.
        await ok("POST", f"{P}/{nov}/contributions", {"user_id": 2, "amount": "250.00"})
        await ok(
            "POST",
            f"{P}/{nov}/expenses",
            {"amount": "99.99", "payment_type": "Gate", "allocation_strategy": "FIXED_FEE"},
        )
        await ok("POST", f"{P}/{nov}/close")
        expected = await ok("GET", f"{P}/{nov}/balance-sheet")

    back = await start_service("reporting", SOSENKI_DATABASE_URL=database_url)
    async with httpx.AsyncClient(
        base_url=back.url, headers={"Authorization": f"Bearer {token}"}
    ) as rep:

        async def caught_up() -> dict | None:
            # The close comes after the entries: wait for it too, not only the balances.
            period = await rep.get(f"{P}/{nov}")
            if period.status_code != 200 or period.json()["status"] != "CLOSED":
                return None
            r = await rep.get(f"{P}/{nov}/balance-sheet")
            return r.json() if r.status_code == 200 and r.json() == expected else None

        await eventually(caught_up, what="reporting to catch up after its restart")
        verified = (await rep.get("/api/audit/verify", params={"community_id": cid})).json()
        head = (await rep.get("/api/audit/head", params={"community_id": cid})).json()
    # community, 2 owners, period, 2 contributions, expense, close: each audited exactly once.
    assert verified["ok"] is True
    assert head["seq"] == verified["entries_checked"] == 8
