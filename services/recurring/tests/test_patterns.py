"""Patterns over the REST API: create, get, list active, pause, resume, cancel, preview, and the
refusals at creation that keep a broken pattern from ever billing anyone."""

from __future__ import annotations

from typing import Any

import pytest

from .conftest import Recurring, charge_pattern

pytestmark = pytest.mark.integration

P = "/api/recurring/patterns"


async def test_a_pattern_is_created_listed_previewed_paused_resumed_and_cancelled(
    recurring: Recurring,
) -> None:
    created = await recurring.ok("POST", P, charge_pattern(max_occurrences=3))
    pid = created["pattern_id"]
    assert created["status"] == "active"
    assert created["next_number"] == 1
    assert created["next_due_at"] == "2027-01-31T06:00:00Z"
    assert created["rrule"] == (
        "DTSTART;TZID=Europe/Moscow:20270131T090000\n"
        "RRULE:FREQ=MONTHLY;COUNT=3;BYSETPOS=-1;BYMONTHDAY=28,29,30,31"
    )
    assert await recurring.ok("GET", f"{P}/{pid}") == created

    preview = await recurring.ok("GET", f"{P}/{pid}/preview?count=10")
    assert [(o["number"], o["occurrence_date"]) for o in preview] == [
        (1, "2027-01-31"),
        (2, "2027-02-28"),
        (3, "2027-03-31"),
    ]
    assert preview[0]["local"] == "2027-01-31T09:00:00+03:00"

    assert [p["pattern_id"] for p in await recurring.ok("GET", P)] == [pid]
    assert (await recurring.ok("POST", f"{P}/{pid}/pause"))["status"] == "paused"
    assert await recurring.ok("GET", P) == []
    assert [p["pattern_id"] for p in await recurring.ok("GET", f"{P}?status=paused")] == [pid]
    assert "is paused, not active" in await recurring.refused(409, "POST", f"{P}/{pid}/pause")
    assert (await recurring.ok("POST", f"{P}/{pid}/resume"))["status"] == "active"
    cancelled = await recurring.ok("POST", f"{P}/{pid}/cancel", {"reason": "moved out"})
    assert cancelled["status"] == "cancelled"
    assert cancelled["next_due_at"] is None
    assert "already cancelled" in await recurring.refused(409, "POST", f"{P}/{pid}/cancel")
    assert await recurring.ok("GET", f"{P}/{pid}/preview") == []


async def test_someone_else_does_not_see_my_pattern(recurring: Recurring) -> None:
    pid = (await recurring.ok("POST", P, charge_pattern()))["pattern_id"]
    recurring.as_user(2)
    assert await recurring.refused(404, "GET", f"{P}/{pid}") == "Pattern not found"
    assert await recurring.refused(404, "POST", f"{P}/{pid}/cancel") == "Pattern not found"
    assert await recurring.ok("GET", P) == []
    assert await recurring.refused(404, "GET", f"{P}/not-a-uuid") == "Pattern not found"


def _target(**changes: Any) -> dict[str, Any]:
    target: dict[str, Any] = dict(charge_pattern()["target"])
    target.update(changes)
    return target


INVALID: list[tuple[dict[str, Any], str]] = [
    ({"interval": 0}, "interval must be at least 1, not 0"),
    ({"end_date": "2027-01-01"}, "end_date 2027-01-01 is before start_date 2027-01-31"),
    (
        {"frequency": "WEEKLY", "days_of_week": ["MO", "FUNDAY"]},
        "Unknown weekday 'FUNDAY' in days_of_week: use MO, TU, WE, TH, FR, SA or SU",
    ),
    (
        {"timezone": "Europe/Atlantis"},
        "Unknown timezone 'Europe/Atlantis': use an IANA name like Europe/Moscow",
    ),
    (
        {"target": _target(amount="-5.00")},
        "The template would be refused by ledger.charge_owners: amount must be positive",
    ),
    (
        {"target": _target(amount="abc")},
        "The template would be refused by ledger.charge_owners: amount",
    ),
    (
        {"target": _target(description="Fee {monht}")},
        "target.description: unknown placeholder {monht}; use {date}, {month}, {year}, {number}",
    ),
    (
        {"target": {"kind": "reminder", "text": "Pay the rent"}},
        "The template would be refused by gateway.send_reminder: a reminder goes to "
        "exactly one of chat_id or user_id",
    ),
    ({"target": {"kind": "lottery"}}, "target"),
]


async def test_an_invalid_pattern_is_refused_at_creation_with_the_reason(
    recurring: Recurring,
) -> None:
    for changes, detail in INVALID:
        message = await recurring.refused(400, "POST", P, charge_pattern(**changes))
        assert message.startswith(detail), message
    assert await recurring.ok("GET", f"{P}?status=all") == []


async def test_preview_before_creating(recurring: Recurring) -> None:
    body = charge_pattern(
        frequency="WEEKLY", start_date="2027-03-01", interval=2, days_of_week=["MO", "WE"]
    )
    preview = await recurring.ok("POST", f"{P}/preview?count=4", body)
    assert [o["occurrence_date"] for o in preview] == [
        "2027-03-01",
        "2027-03-03",
        "2027-03-15",
        "2027-03-17",
    ]
    assert await recurring.ok("GET", f"{P}?status=all") == []


async def test_preview_before_creating_needs_a_token(recurring: Recurring) -> None:
    """Like every endpoint: without a bearer token, 401 (it computes up to 500 occurrences)."""
    body = charge_pattern(frequency="DAILY", start_date="2027-03-01")
    anonymous = await recurring.client.post(
        f"{P}/preview?count=500", json=body, headers={"Authorization": ""}
    )
    assert anonymous.status_code == 401, anonymous.text
    assert anonymous.json()["detail"] == "Missing bearer token"
