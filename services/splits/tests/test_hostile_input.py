"""Input the database cannot hold, sent through the real splits app (real PostgreSQL and Kafka):
each gets a 400 naming the field, never a 500, and nothing is recorded."""

from __future__ import annotations

from typing import Any

import pytest

pytestmark = pytest.mark.integration

BIG = 2**63
E = "/financials/expenses"


@pytest.fixture
async def flat(people: Any) -> tuple[Any, int]:
    anna = people(1)
    return anna, await anna.group([2, 3])


def _expense(group_id: int, fields: dict[str, Any]) -> dict[str, Any]:
    return {"description": "Groceries", "total_amount": "90.00", "group_id": group_id, **fields}


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"total_amount": "99999999999999999"}, "total_amount"),
        ({"exchange_rate": "9" * 21, "currency": "USD"}, "exchange_rate"),
        ({"exchange_rate": "0.00000000001", "currency": "USD"}, "exchange_rate"),
        (
            {
                "split_type": "SHARES",
                "splits_in": [{"user_id": 1, "share_units": 2**31}, {"user_id": 2}],
            },
            "share_units",
        ),
        (
            {"split_type": "SHARES", "splits_in": [{"user_id": 1, "share_units": 10**30}]},
            "share_units",
        ),
        (
            {"split_type": "PERCENTAGE", "splits_in": [{"user_id": 1, "share_percentage": "1e3"}]},
            "share_percentage",
        ),
        (
            {
                "split_type": "EXACT_AMOUNTS",
                "splits_in": [{"user_id": 1, "owed_amount": "99999999999999999"}],
            },
            "owed_amount",
        ),
        ({"paid_by_user_id": BIG}, "paid_by_user_id"),
        ({"description": "Milk\x00"}, "description"),
        ({"category": "food\x00"}, "category"),
        ({"notes": "a\x00b"}, "notes"),
        ({"group_id": BIG}, "group_id"),
    ],
)
async def test_hostile_expenses_get_400(
    flat: tuple[Any, int], fields: dict[str, Any], field: str
) -> None:
    anna, group_id = flat
    detail = await anna.refused(400, "POST", E, _expense(group_id, fields))
    assert field in detail
    listed = await anna.ok("GET", E, params={"group_id": group_id})
    assert listed["expenses"] == []


async def test_hostile_ids_and_text_elsewhere_get_400(flat: tuple[Any, int]) -> None:
    anna, group_id = flat
    cases: list[tuple[str, str, Any, dict[str, Any] | None, str]] = [
        ("GET", f"/groups/{BIG}", None, None, "group_id"),
        ("GET", f"/groups/{10**30}", None, None, "group_id"),
        ("DELETE", f"/groups/{group_id}/members/{BIG}", None, None, "user_id"),
        ("POST", f"/groups/{group_id}/members", {"user_id": BIG}, None, "user_id"),
        ("POST", "/groups", {"name": "Flat\x00"}, None, "name"),
        (
            "POST",
            "/lists",
            {"name": "Shop", "group_id": group_id, "description": "\x00"},
            None,
            "description",
        ),
        ("GET", E, None, {"group_id": BIG}, "group_id"),
        ("GET", E, None, {"offset": 10**30}, "offset"),
        ("DELETE", f"{E}/1", None, {"expected_version": 2**31}, "expected_version"),
        ("DELETE", f"{E}/1", None, {"expected_version": 1, "reason": "x\x00"}, "reason"),
        (
            "POST",
            "/financials/settlements",
            {"group_id": group_id, "paid_by_user_id": 2, "paid_to_user_id": 1, "amount": "1" * 20},
            None,
            "amount",
        ),
        ("GET", f"/financials/settlements/{BIG}", None, None, "settlement_id"),
    ]
    for method, path, body, params, field in cases:
        detail = await anna.refused(400, method, path, body, params)
        assert field in detail, (path, detail)


async def test_item_quantities_and_prices_beyond_their_columns_get_400(
    flat: tuple[Any, int],
) -> None:
    anna, group_id = flat
    shop = await anna.ok("POST", "/lists", {"name": "Shop", "group_id": group_id})
    items = f"/lists/{shop['id']}/items"
    for body, field in [
        ({"name": "Milk", "quantity": 2**31}, "quantity"),
        ({"name": "Milk", "price": "99999999999999999"}, "price"),
        ({"name": "Milk", "assigned_to": BIG}, "assigned_to"),
        ({"name": "Mi\x00lk"}, "name"),
    ]:
        assert field in await anna.refused(400, "POST", items, body)
    assert (await anna.ok("GET", f"/lists/{shop['id']}"))["items"] in (None, [])


async def test_a_converted_total_beyond_the_column_gets_400_not_500(flat: tuple[Any, int]) -> None:
    """Each input fits, their product does not (total × rate > NUMERIC(20, 4)): refused whether
    by a domain rule or by the database (the platform's last line of defence), never a 500."""
    anna, group_id = flat
    body = _expense(
        group_id, {"total_amount": "999999999999.99", "currency": "USD", "exchange_rate": "99999"}
    )
    response = await anna.call("POST", E, body)
    assert response.status_code == 400, response.text
    assert response.json()["detail"]
    listed = await anna.ok("GET", E, params={"group_id": group_id})
    assert listed["expenses"] == []
