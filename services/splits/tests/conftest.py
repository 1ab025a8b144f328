"""The splits app in-process against the test run's real PostgreSQL and Kafka."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import httpx
import pytest
from sosenki_platform.testing import running_app
from splits.app import create_app
from splits.settings import Settings


@pytest.fixture
async def splits_settings(
    new_database: Callable[[str], Awaitable[str]], service_env: dict[str, str]
) -> Settings:
    return Settings(
        database_url=await new_database("splits"),
        kafka_bootstrap_servers=service_env["SOSENKI_KAFKA_BOOTSTRAP_SERVERS"],
        topic_prefix=service_env["SOSENKI_TOPIC_PREFIX"],
        auth_public_key=service_env["SOSENKI_AUTH_PUBLIC_KEY"],
    )


@pytest.fixture
async def splits_client(splits_settings: Settings) -> AsyncIterator[httpx.AsyncClient]:
    async with running_app(create_app(splits_settings)) as client:
        yield client


class Person:
    """Speaks to the splits service as one user."""

    def __init__(self, client: httpx.AsyncClient, make_token: Any, user_id: int) -> None:
        self.client = client
        self.user_id = user_id
        self.headers = {"Authorization": f"Bearer {make_token(user_id)}"}

    async def call(
        self, method: str, path: str, body: Any = None, params: dict[str, Any] | None = None
    ) -> httpx.Response:
        return await self.client.request(
            method, path, json=body, params=params, headers=self.headers
        )

    async def ok(
        self, method: str, path: str, body: Any = None, params: dict[str, Any] | None = None
    ) -> Any:
        response = await self.call(method, path, body, params)
        assert response.status_code in (200, 201, 204), f"{method} {path}: {response.text}"
        return response.json() if response.content else None

    async def refused(
        self,
        status: int,
        method: str,
        path: str,
        body: Any = None,
        params: dict[str, Any] | None = None,
    ) -> str:
        response = await self.call(method, path, body, params)
        assert response.status_code == status, f"{method} {path}: {response.text}"
        detail: str = response.json()["detail"]
        return detail

    async def group(self, members: list[int], currency: str = "RUB") -> int:
        """A new group owned by this person, with ``members`` added."""
        group = await self.ok("POST", "/groups", {"name": "Flat", "base_currency": currency})
        for user_id in members:
            await self.ok("POST", f"/groups/{group['id']}/members", {"user_id": user_id})
        return int(group["id"])

    async def expense(self, group_id: int, total: str, **fields: Any) -> Any:
        body = {"description": "Groceries", "total_amount": total, "group_id": group_id, **fields}
        return await self.ok("POST", "/financials/expenses", body)


@pytest.fixture
def people(splits_client: httpx.AsyncClient, make_token: Any) -> Callable[[int], Person]:
    def person(user_id: int) -> Person:
        return Person(splits_client, make_token, user_id)

    return person
