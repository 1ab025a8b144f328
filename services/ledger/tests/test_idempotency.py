"""Idempotency-Key on the ledger's POSTs: a repeated key returns the first response and records
nothing new, also when the repeats race."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

pytestmark = pytest.mark.integration

P = "/api/payments/periods"


async def _setup(treasurer: Any) -> str:
    await treasurer.start({1: "1"})
    pid = await treasurer.period()
    return f"{P}/{pid}/contributions"


async def test_a_repeated_key_returns_the_first_response_and_records_once(treasurer: Any) -> None:
    path = await _setup(treasurer)
    body = {"user_id": 1, "amount": "1000.00", "comment": "June"}
    headers = {"Idempotency-Key": "tg:10001"}
    first = await treasurer.client.post(path, json=body, headers=headers)
    second = await treasurer.client.post(path, json=body, headers=headers)
    assert first.status_code == second.status_code == 201
    assert second.json() == first.json()
    assert second.headers["Idempotent-Replayed"] == "true"
    assert len(await treasurer.ok("GET", path)) == 1


async def test_the_same_key_with_a_different_body_is_a_conflict(treasurer: Any) -> None:
    path = await _setup(treasurer)
    headers = {"Idempotency-Key": "k-1"}
    await treasurer.client.post(path, json={"user_id": 1, "amount": "1.00"}, headers=headers)
    other = await treasurer.client.post(
        path, json={"user_id": 1, "amount": "2.00"}, headers=headers
    )
    assert other.status_code == 409
    assert "different request" in other.json()["detail"]
    assert [c["amount"] for c in await treasurer.ok("GET", path)] == ["1.00"]


async def test_a_refusal_is_replayed_too(treasurer: Any) -> None:
    path = await _setup(treasurer)
    headers = {"Idempotency-Key": "k-neg"}
    bad = {"user_id": 1, "amount": "-1.00"}
    first = await treasurer.client.post(path, json=bad, headers=headers)
    again = await treasurer.client.post(path, json=bad, headers=headers)
    assert first.status_code == again.status_code == 400
    assert again.json() == first.json()


async def test_racing_repeats_record_once(treasurer: Any) -> None:
    path = await _setup(treasurer)
    body = {"user_id": 1, "amount": "5.00"}
    responses = await asyncio.gather(
        *(
            treasurer.client.post(path, json=body, headers={"Idempotency-Key": "race"})
            for _ in range(6)
        )
    )
    statuses = sorted(r.status_code for r in responses)
    assert statuses.count(201) >= 1 and set(statuses) <= {201, 409}
    created = {r.json()["id"] for r in responses if r.status_code == 201}
    assert len(created) == 1  # every 201 is the same contribution (replays)
    assert len(await treasurer.ok("GET", path)) == 1


async def test_keys_belong_to_their_caller_and_requests_without_a_key_are_unaffected(
    treasurer: Any, make_token: Any
) -> None:
    path = await _setup(treasurer)
    body = {"user_id": 1, "amount": "3.00"}
    await treasurer.client.post(path, json=body, headers={"Idempotency-Key": "shared"})
    admin = {
        "Authorization": f"Bearer {make_token('ops', roles=['admin'])}",
        "Idempotency-Key": "shared",
    }
    by_admin = await treasurer.client.post(path, json=body, headers=admin)
    assert by_admin.status_code == 201 and "Idempotent-Replayed" not in by_admin.headers
    await treasurer.client.post(path, json=body)
    await treasurer.client.post(path, json=body)
    assert len(await treasurer.ok("GET", path)) == 4
