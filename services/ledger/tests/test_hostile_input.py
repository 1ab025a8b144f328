"""Input the database cannot hold, sent through the real ledger app (real PostgreSQL and Kafka):
each gets a 400 naming the field, never a 500, and nothing is recorded. Also the abuse limits on
the same edge: tokens an attacker would send (401) and the per-user write limit (429)."""

from __future__ import annotations

import json
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import httpx
import jwt
import pytest
from ledger.app import create_app
from ledger.settings import Settings
from sosenki_platform.auth.tokens import generate_keypair, key_id, mint_token
from sosenki_platform.testing import running_app

pytestmark = pytest.mark.integration

P = "/api/payments"
BIG = 2**63  # one past BIGINT
HUGE = 10**30


@pytest.fixture
async def village(treasurer: Any) -> Any:
    await treasurer.start({1: "1"})
    treasurer.period_id = await treasurer.period()
    return treasurer


async def _refused(village: Any, method: str, path: str, body: Any, field: str) -> None:
    response = await village.call(method, path, body)
    assert response.status_code == 400, f"{method} {path} {body}: {response.text}"
    assert field in response.json()["detail"], response.text


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"user_id": BIG, "amount": "10.00"}, "user_id"),
        ({"user_id": HUGE, "amount": "10.00"}, "user_id"),
        ({"user_id": 1, "amount": "99999999999999999"}, "amount"),
        ({"user_id": 1, "amount": "1" + "0" * 40}, "amount"),
        ({"user_id": 1, "amount": "10.00", "comment": "nul\x00here"}, "comment"),
        ({"user_id": 1, "amount": "10.00", "comment": "escape\x1b[31m"}, "comment"),
    ],
)
async def test_hostile_contributions_get_400(
    village: Any, body: dict[str, Any], field: str
) -> None:
    path = f"{P}/periods/{village.period_id}/contributions"
    await _refused(village, "POST", path, body, field)
    assert await village.ok("GET", path) == []


@pytest.mark.parametrize(
    ("share", "expected"),
    [
        ("0.0000001", "has more than 6 decimal places"),
        ("1000000", "must be below 1000000"),
        ("99999999999999999999", "must be below 1000000"),
        ("0", "must be positive"),
    ],
)
async def test_hostile_ownership_shares_get_400(village: Any, share: str, expected: str) -> None:
    owners = f"{P}/communities/{village.community_id}/owners"
    body = {"user_id": 2, "display_name": "Boris", "ownership_share": share}
    response = await village.call("POST", owners, body)
    assert response.status_code == 400, response.text
    assert response.json()["detail"] == f"ownership_share: ownership_share {expected}"
    change = {"ownership_share": share, "effective_from": "2025-11-15"}
    await _refused(village, "POST", f"{owners}/1/shares", change, "ownership_share")
    assert [o["user_id"] for o in await village.ok("GET", owners)] == [1]


@pytest.mark.parametrize(
    "path",
    [
        f"{P}/periods/{BIG}",
        f"{P}/periods/{HUGE}",
        f"{P}/periods/0",
        f"{P}/periods/-1",
        f"{P}/communities/{BIG}/owners",
        f"{P}/periods/1/expenses/{BIG}",
        f"{P}/meters/{HUGE}/readings",
        f"{P}/periods/1/contributions?owner_id={BIG}",
        f"{P}/periods?offset={HUGE}",
        f"{P}/periods?community_id={BIG}",
    ],
)
async def test_ids_beyond_bigint_in_paths_and_queries_get_400(village: Any, path: str) -> None:
    response = await village.call("GET", path)
    assert response.status_code == 400, response.text
    assert response.json()["detail"]


async def test_a_nul_or_control_character_in_any_text_gets_400(village: Any) -> None:
    pid = village.period_id
    cases = [
        ("POST", f"{P}/communities", {"name": "Vil\x00lage"}, "name"),
        ("POST", f"{P}/communities", {"name": "Village", "timezone": "Europe/\x00"}, "timezone"),
        (
            "POST",
            f"{P}/periods",
            {"name": "P\x00", "start_date": "2025-12-01", "end_date": "2025-12-31"},
            "name",
        ),
        (
            "POST",
            f"{P}/periods/{pid}/expenses",
            {"amount": "10.00", "payment_type": "Roads\x00"},
            "payment_type",
        ),
        (
            "POST",
            f"{P}/periods/{pid}/charges",
            {"user_id": 1, "amount": "10.00", "description": "fee\x00"},
            "description",
        ),
        (
            "POST",
            f"{P}/communities/{village.community_id}/owners",
            {"user_id": 3, "display_name": "Vera\x07", "ownership_share": "1"},
            "display_name",
        ),
    ]
    for method, path, body, field in cases:
        await _refused(village, method, path, body, field)
    assert await village.ok("GET", f"{P}/periods/{pid}/expenses") == []


async def test_a_lone_surrogate_in_json_gets_400(village: Any) -> None:
    response = await village.client.post(
        f"{P}/periods/{village.period_id}/contributions",
        content=b'{"user_id": 1, "amount": "1.00", "comment": "\\ud800"}',
        headers={"content-type": "application/json"},
    )
    assert response.status_code == 400, response.text
    assert "comment" in response.json()["detail"]


async def test_meter_and_budget_numbers_beyond_their_columns_get_400(village: Any) -> None:
    meters = f"{P}/communities/{village.community_id}/meters"
    body = {"owner_id": 1, "meter_type": "electricity", "tariff": "1000000000"}
    await _refused(village, "POST", meters, body, "tariff")
    meter = await village.ok("POST", meters, {"owner_id": 1, "meter_type": "electricity"})
    readings = f"{P}/meters/{meter['id']}/readings"
    for value in ("1.0001", "1000000000000"):
        body = {"reading_date": "2025-11-02", "value": value}
        await _refused(village, "POST", readings, body, "value")
    budget = f"{P}/periods/{village.period_id}/budget-items"
    body = {"category": "Roads", "planned_amount": "99999999999999999"}
    await _refused(village, "POST", budget, body, "planned_amount")


# --- tokens on the real edge ------------------------------------------------------------------


async def test_hostile_tokens_get_401_and_a_skewed_clock_is_forgiven(
    village: Any, signing_keys: tuple[str, str]
) -> None:
    private, public = signing_keys
    other_private, _ = generate_keypair()
    now = int(time.time())
    claims = {"sub": "1", "iss": "sosenki", "iat": now, "exp": now + 600}
    claims["communities"] = [village.community_id]
    header, _payload, signature = mint_token(private, "1").split(".")
    tampered_payload = jwt.utils.base64url_encode(
        json.dumps({**claims, "sub": "2", "roles": ["admin"]}).encode()
    ).decode()
    none_header = jwt.utils.base64url_encode(b'{"alg":"none","typ":"JWT"}').decode()
    hostile = {
        "forged": mint_token(other_private, "1", communities=[village.community_id]),
        "forged with our kid": jwt.encode(
            claims, other_private, algorithm="EdDSA", headers={"kid": key_id(public)}
        ),
        "expired beyond leeway": mint_token(private, "1", ttl_seconds=-120),
        "tampered": f"{header}.{tampered_payload}.{signature}",
        "wrong kid": jwt.encode(claims, private, algorithm="EdDSA", headers={"kid": "old-key"}),
        "alg none": f"{none_header}.{tampered_payload}.",
        "garbage": "not-a-token",
    }
    path = f"{P}/periods/{village.period_id}"
    for name, token in hostile.items():
        response = await village.client.get(path, headers={"Authorization": f"Bearer {token}"})
        assert response.status_code == 401, f"{name}: {response.text}"
        assert response.json()["detail"], name
    skewed = mint_token(private, "1", communities=[village.community_id], ttl_seconds=-10)
    response = await village.client.get(path, headers={"Authorization": f"Bearer {skewed}"})
    assert response.status_code == 200, response.text


# --- the per-user write limit -----------------------------------------------------------------


@pytest.fixture
async def limited_client(
    new_database: Callable[[str], Awaitable[str]], service_env: dict[str, str]
) -> AsyncIterator[httpx.AsyncClient]:
    settings = Settings(
        database_url=await new_database("ledger"),
        kafka_bootstrap_servers=service_env["SOSENKI_KAFKA_BOOTSTRAP_SERVERS"],
        topic_prefix=service_env["SOSENKI_TOPIC_PREFIX"],
        auth_public_key=service_env["SOSENKI_AUTH_PUBLIC_KEY"],
        write_rate_per_second=0.1,  # one new write per 10 s: no refill while it runs
        write_burst=3,
    )
    async with running_app(create_app(settings)) as client:
        yield client


async def test_writes_beyond_the_users_limit_get_429_with_retry_after(
    limited_client: httpx.AsyncClient, make_token: Any
) -> None:
    anna = {"Authorization": f"Bearer {make_token(7)}"}
    boris = {"Authorization": f"Bearer {make_token(8)}"}
    service = {"Authorization": f"Bearer {make_token('service:x', roles=['service'])}"}
    body = {"name": "Village"}
    statuses = [
        (await limited_client.post(f"{P}/communities", json=body, headers=anna)).status_code
        for _ in range(3)
    ]
    assert statuses == [201, 201, 201]
    limited = await limited_client.post(f"{P}/communities", json=body, headers=anna)
    assert limited.status_code == 429, limited.text
    assert 1 <= int(limited.headers["Retry-After"]) <= 10
    assert "Too many changes" in limited.json()["detail"]
    # Reads are not limited, other users have their own allowance, services none.
    community = (await limited_client.post(f"{P}/communities", json=body, headers=boris)).json()
    read = await limited_client.get(f"{P}/communities/{community['id']}", headers=anna)
    assert read.status_code != 429
    for _ in range(5):
        response = await limited_client.post(f"{P}/communities", json=body, headers=service)
        assert response.status_code != 429
    # Without a valid token the route answers (401), the limit does not.
    response = await limited_client.post(f"{P}/communities", json=body)
    assert response.status_code == 401
