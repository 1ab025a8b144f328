"""Bank details through the REST API: a treasurer sets them in the settings, every check digit
is verified (400 naming the field), owners read them, and the event carries them."""

from __future__ import annotations

from typing import Any

import pytest
from sosenki_contracts.bank_details import BankDetails

pytestmark = pytest.mark.integration


def _as(make_token: Any, user: int, community: int) -> dict[str, str]:
    return {"Authorization": f"Bearer {make_token(user, communities=[community])}"}


async def test_a_treasurer_sets_bank_details_that_owners_read(
    treasurer: Any, make_token: Any
) -> None:
    await treasurer.start({1: "1", 2: "1"})
    community = f"/api/payments/communities/{treasurer.community_id}"
    owner = _as(make_token, 2, treasurer.community_id)
    assert (await treasurer.ok("GET", community))["bank_details"] is None

    refused = await treasurer.client.put(
        f"{community}/settings", json={"bank_details": BankDetails.example()}, headers=owner
    )
    assert refused.status_code == 403
    changed = await treasurer.ok(
        "PUT", f"{community}/settings", {"bank_details": BankDetails.example()}
    )
    assert changed["bank_details"] == BankDetails.example()
    assert changed["owners_see_balance_sheet"] is True
    seen = await treasurer.client.get(community, headers=owner)
    assert seen.json()["bank_details"] == BankDetails.example()

    # Changing the other setting keeps the bank details; removing them keeps the other.
    kept = await treasurer.ok("PUT", f"{community}/settings", {"owners_see_balance_sheet": False})
    assert kept["bank_details"] == BankDetails.example()
    removed = await treasurer.ok("PUT", f"{community}/settings", {"remove_bank_details": True})
    assert removed["bank_details"] is None
    assert removed["owners_see_balance_sheet"] is False


@pytest.mark.parametrize(
    ("changes", "detail"),
    [
        ({"inn": "7707083894"}, "bank_details: INN 7707083894 has a wrong check digit"),
        (
            {"account": "40703810138000000007"},
            "bank_details: Account 40703810138000000007 does not match BIK 044525225 "
            "(wrong control key)",
        ),
        ({"kpp": None}, "bank_details: KPP is required with a 10-digit INN (an organisation)"),
        ({"bik": "04452522X"}, "bank_details: BIK must be 9 digits"),
        ({"recipient_name": "A|B"}, "must not contain '|'"),
        ({"swift": "SABRRUMM"}, "bank_details.swift: Extra inputs are not permitted"),
    ],
)
async def test_wrong_bank_details_are_a_400_naming_what_is_wrong(
    treasurer: Any, changes: dict[str, Any], detail: str
) -> None:
    await treasurer.start({1: "1"})
    community = f"/api/payments/communities/{treasurer.community_id}"
    body = {"bank_details": {**BankDetails.example(), **changes}}
    response = await treasurer.client.put(f"{community}/settings", json=body)
    assert response.status_code == 400, response.text
    assert detail in response.json()["detail"]
    assert (await treasurer.ok("GET", community))["bank_details"] is None


async def test_an_empty_or_contradictory_change_is_a_400(treasurer: Any) -> None:
    await treasurer.start({1: "1"})
    settings = f"/api/payments/communities/{treasurer.community_id}/settings"
    empty = await treasurer.client.put(settings, json={})
    assert empty.status_code == 400
    assert empty.json()["detail"].startswith("Nothing to change")
    both = {"bank_details": BankDetails.example(), "remove_bank_details": True}
    contradictory = await treasurer.client.put(settings, json=both)
    assert contradictory.status_code == 400
    assert contradictory.json()["detail"] == "Give bank_details or remove_bank_details, not both"
