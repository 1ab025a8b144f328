"""Hostile parameters through the real reporting app (real PostgreSQL and Kafka): ids beyond
BIGINT and characters PostgreSQL cannot hold get a 400, never a 500."""

from __future__ import annotations

from typing import Any

import pytest

pytestmark = pytest.mark.integration

BIG = 2**63


@pytest.mark.parametrize(
    "path",
    [
        f"/api/payments/periods/{BIG}",
        f"/api/payments/periods/{BIG}/balance-sheet",
        f"/api/payments/periods/{BIG}/balance-sheet.csv",
        f"/api/payments/periods/1/owner-balance/{BIG}",
        f"/api/payments/communities/{BIG}/fund",
        f"/api/payments/communities/1/owners/{BIG}/statement.pdf",
        f"/api/payments/communities/{10**30}/charts/fund.png",
        f"/costs/groups/{BIG}/balance-summary",
        f"/costs/users/{BIG}/net-position",
        f"/api/payments/periods?community_id={BIG}",
        f"/api/payments/periods?offset={10**30}",
        f"/api/audit?community_id={BIG}",
        f"/api/audit/verify?partition={2**31}",
        "/api/audit?community_id=1&event_type=ledger%00x",
        "/api/audit/head?community_id=1&topic=ledger%00",
    ],
)
async def test_hostile_parameters_get_400(reporting: Any, make_token: Any, path: str) -> None:
    token = make_token(1, roles=["admin"], communities=[1], groups=[1])
    response = await reporting.client.get(path, headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 400, response.text
    assert response.json()["detail"]
