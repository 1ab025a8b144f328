"""Over a real process: a write is committed before its response is sent, so the next request
sees it (FastAPI ends yield-dependencies after the response unless told otherwise)."""

from __future__ import annotations

import httpx
import pytest

pytestmark = pytest.mark.e2e

P = "/api/payments/periods"


async def test_the_next_request_sees_the_write(start_service, make_token) -> None:
    ledger = await start_service("ledger")
    async with httpx.AsyncClient(
        base_url=ledger.url, headers={"Authorization": f"Bearer {make_token(1)}"}
    ) as api:
        cid = (await api.post("/api/payments/communities", json={"name": "Firs"})).json()["id"]
        api.headers["Authorization"] = f"Bearer {make_token(1, communities=[cid])}"
        for n in range(60):
            created = await api.post(
                f"/api/payments/communities/{cid}/meters", json={"owner_id": 1, "meter_type": "gas"}
            )
            if n == 0:
                assert created.status_code == 404  # user 1 is not an owner yet
                owner = {"user_id": 1, "display_name": "One", "ownership_share": "1"}
                await api.post(f"/api/payments/communities/{cid}/owners", json=owner)
                continue
            assert created.status_code == 201, created.text
            seen = await api.get(f"/api/payments/meters/{created.json()['id']}/readings")
            assert seen.status_code == 200, f"write {n} was not committed yet: {seen.text}"
