"""The ledger app in-process against the test run's real PostgreSQL and Kafka."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import date, timedelta
from typing import Any

import httpx
import pytest
from ledger.app import create_app
from ledger.settings import Settings
from sosenki_platform.testing import running_app


@pytest.fixture
async def ledger_client(
    new_database: Callable[[str], Awaitable[str]], service_env: dict[str, str]
) -> AsyncIterator[httpx.AsyncClient]:
    settings = Settings(
        database_url=await new_database("ledger"),
        kafka_bootstrap_servers=service_env["SOSENKI_KAFKA_BOOTSTRAP_SERVERS"],
        topic_prefix=service_env["SOSENKI_TOPIC_PREFIX"],
        auth_public_key=service_env["SOSENKI_AUTH_PUBLIC_KEY"],
    )
    async with running_app(create_app(settings)) as client:
        yield client


class Treasurer:
    """Speaks to the ledger as the treasurer of one fresh community."""

    def __init__(self, client: httpx.AsyncClient, make_token: Any, user_id: int = 1) -> None:
        self.client = client
        self.make_token = make_token
        self.user_id = user_id
        self.community_id = 0
        self.months = 0

    async def start(self, owners: dict[int, str], currency: str = "RUB") -> Treasurer:
        self.client.headers["Authorization"] = f"Bearer {self.make_token(self.user_id)}"
        community = await self.client.post(
            "/api/payments/communities", json={"name": "Village", "base_currency": currency}
        )
        assert community.status_code == 201, community.text
        self.community_id = community.json()["id"]
        self.months = 0
        token = self.make_token(self.user_id, communities=[self.community_id])
        self.client.headers["Authorization"] = f"Bearer {token}"
        for user_id, share in owners.items():
            await self.ok(
                "POST",
                f"/api/payments/communities/{self.community_id}/owners",
                {"user_id": user_id, "display_name": f"Owner {user_id}", "ownership_share": share},
            )
        return self

    async def call(self, method: str, path: str, body: Any = None) -> httpx.Response:
        return await self.client.request(method, path, json=body)

    async def ok(self, method: str, path: str, body: Any = None) -> Any:
        response = await self.call(method, path, body)
        assert response.status_code in (200, 201), f"{method} {path}: {response.text}"
        return response.json()

    async def period(self, name: str = "November 2025") -> int:
        """The next month of the community (periods never overlap): November 2025, December…"""
        start = date(2025 + (10 + self.months) // 12, (10 + self.months) % 12 + 1, 1)
        end = date(start.year + start.month // 12, start.month % 12 + 1, 1) - timedelta(days=1)
        self.months += 1
        body = {"name": name, "start_date": start.isoformat(), "end_date": end.isoformat()}
        return int((await self.ok("POST", "/api/payments/periods", body))["id"])


@pytest.fixture
def treasurer(ledger_client: httpx.AsyncClient, make_token: Any) -> Treasurer:
    return Treasurer(ledger_client, make_token)
