"""The ledger's HTTP edge in-process against a real PostgreSQL and Kafka: bad input gets a clear
400, auth failures 401, oversized bodies 413, and nothing is recorded."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

pytestmark = pytest.mark.integration


@pytest.fixture
async def api(treasurer: Any) -> httpx.AsyncClient:
    await treasurer.start({1: "1"})
    client: httpx.AsyncClient = treasurer.client
    client.period_id = await treasurer.period()  # type: ignore[attr-defined]
    return client


async def _contributions(api: Any) -> list[Any]:
    response = await api.get(f"/api/payments/periods/{api.period_id}/contributions")
    assert response.status_code == 200
    return list(response.json())


@pytest.mark.parametrize(
    ("body", "detail"),
    [
        ({"user_id": 1, "amount": 10.5}, "not a number with a fractional part"),
        ({"user_id": 1, "amount": "-5.00"}, "Contribution amount must be positive"),
        ({"user_id": 1, "amount": "0"}, "Contribution amount must be positive"),
        ({"user_id": 1, "amount": "10.001"}, "more than 2 decimal places for RUB"),
        ({"user_id": 1, "amount": "ten"}, "amount"),
        ({"amount": "10.00"}, "user_id: field required"),
    ],
)
async def test_bad_contributions_get_400_with_a_clear_detail(
    api: Any, body: dict[str, Any], detail: str
) -> None:
    response = await api.post(f"/api/payments/periods/{api.period_id}/contributions", json=body)
    assert response.status_code == 400, response.text
    assert detail in response.json()["detail"]
    assert await _contributions(api) == []


async def test_malformed_json_gets_400(api: Any) -> None:
    response = await api.post(
        f"/api/payments/periods/{api.period_id}/contributions",
        content=b'{"user_id": 1, "amount": ',
        headers={"content-type": "application/json"},
    )
    assert response.status_code == 400
    assert response.json() == {
        "detail": "Request body is not valid JSON",
        "code": "invalid_input",
    }


async def test_period_with_end_before_start_gets_400(api: Any) -> None:
    response = await api.post(
        "/api/payments/periods",
        json={"name": "Bad", "start_date": "2025-11-30", "end_date": "2025-11-01"},
    )
    assert response.status_code == 400
    assert response.json()["detail"] == "Period end_date must not be before start_date"


async def test_unknown_period_gets_404_as_in_the_seed(api: Any) -> None:
    response = await api.get("/api/payments/periods/999999")
    assert response.status_code == 404
    assert response.json() == {"detail": "Period not found", "code": "period_not_found"}


async def test_a_body_over_one_mebibyte_gets_413(api: Any) -> None:
    huge = {"user_id": 1, "amount": "1.00", "comment": "x" * (1024 * 1024 + 1)}
    response = await api.post(f"/api/payments/periods/{api.period_id}/contributions", json=huge)
    assert response.status_code == 413
    assert "larger than" in response.json()["detail"]
    assert await _contributions(api) == []


@pytest.mark.parametrize(
    "authorization",
    [None, "Bearer not-a-jwt", "Basic dXNlcjpwYXNz"],
    ids=["none", "garbage", "basic"],
)
async def test_requests_without_a_valid_token_get_401(api: Any, authorization: str | None) -> None:
    headers = {} if authorization is None else {"Authorization": authorization}
    async with httpx.AsyncClient(transport=api._transport, base_url="http://service") as anon:
        response = await anon.get("/api/payments/periods", headers=headers)
    assert response.status_code == 401
    assert "detail" in response.json()


async def test_an_expired_token_gets_401(api: Any, make_token: Any) -> None:
    expired = make_token(1, ttl_seconds=-120)
    response = await api.get(
        "/api/payments/periods", headers={"Authorization": f"Bearer {expired}"}
    )
    assert response.status_code == 401
    assert response.json()["detail"] == "Token has expired"


async def test_a_recorded_contribution_matches_the_seed_shape(api: Any) -> None:
    response = await api.post(
        f"/api/payments/periods/{api.period_id}/contributions",
        json={"user_id": 1, "amount": "1000.00", "comment": "Monthly payment"},
    )
    assert response.status_code == 201
    body = response.json()
    assert {"id", "service_period_id", "user_id", "amount", "date", "comment"} <= body.keys()
    assert (body["amount"], body["user_id"], body["comment"]) == ("1000.00", 1, "Monthly payment")
    assert [c["id"] for c in await _contributions(api)] == [body["id"]]


async def test_an_unknown_owner_gets_404(api: Any) -> None:
    response = await api.post(
        f"/api/payments/periods/{api.period_id}/contributions",
        json={"user_id": 4242, "amount": "1.00"},
    )
    assert response.status_code == 404
    assert response.json()["detail"].startswith("Owner 4242 not found")
    assert await _contributions(api) == []
