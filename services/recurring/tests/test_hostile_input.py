"""Hostile pattern definitions through the real recurring app (real PostgreSQL and Kafka): each
gets a 400 naming what is wrong, never a 500, and no pattern is stored."""

from __future__ import annotations

from typing import Any

import pytest

from .conftest import charge_pattern

pytestmark = pytest.mark.integration

P = "/api/recurring/patterns"


def _target(**changes: Any) -> dict[str, Any]:
    target: dict[str, Any] = dict(charge_pattern()["target"])
    target.update(changes)
    return target


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"name": "Fee\x00"}, "name"),
        ({"timezone": "Europe/Moscow\x00"}, "timezone"),
        ({"interval": 2**63}, "interval"),
        ({"max_occurrences": 2**31}, "max_occurrences"),
        ({"days_of_week": ["MO"] * 8}, "days_of_week"),
        ({"target": _target(community_id=2**63)}, "community_id"),
        ({"target": _target(owner_ids=[2**63])}, "owner_ids"),
        ({"target": _target(amount="99999999999999999")}, "amount"),
        ({"target": _target(description="Fee\x00")}, "description"),
        (
            {"target": {"kind": "reminder", "user_id": 1, "text": "Pay\x00up"}},
            "text",
        ),
        ({"target": {"kind": "splits_expense", "template_expense_id": 0}}, "template_expense_id"),
    ],
)
async def test_hostile_patterns_get_400(
    recurring: Any, overrides: dict[str, Any], field: str
) -> None:
    detail = await recurring.refused(400, "POST", P, charge_pattern(**overrides))
    assert field in detail, detail
    assert (await recurring.ok("GET", P)) in ([], {"patterns": [], "total": 0})


async def test_a_pattern_id_that_is_not_a_uuid_is_not_found(recurring: Any) -> None:
    for pattern_id in ("x" * 5000, "1", "%00"):
        response = await recurring.call("GET", f"{P}/{pattern_id}")
        assert response.status_code in (400, 404), response.text
