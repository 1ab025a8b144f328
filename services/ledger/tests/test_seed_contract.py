"""The seed document's API examples (../shared/seeds/000_cc97a1f82046a0e8.txt), walked in order
over HTTP: same paths, fields, status codes and error messages."""

from __future__ import annotations

from typing import Any

import pytest

pytestmark = pytest.mark.integration

P = "/api/payments/periods"

PERIOD_FIELDS = {"id", "name", "start_date", "end_date", "status", "description", "closed_at"}
CONTRIBUTION_FIELDS = {"id", "service_period_id", "user_id", "amount", "date", "comment"}
EXPENSE_FIELDS = {
    "id",
    "service_period_id",
    "paid_by_user_id",
    "amount",
    "payment_type",
    "date",
    "vendor",
    "description",
}
BALANCE_FIELDS = {"owner_id", "total_contributions", "total_expenses", "total_charges", "balance"}


async def test_the_seed_examples(treasurer: Any) -> None:
    await treasurer.start({1: "1", 2: "1", 3: "1"})
    call, ok = treasurer.call, treasurer.ok

    # Create Period -> 201
    created = await call(
        "POST",
        P,
        {
            "name": "November 2025",
            "start_date": "2025-11-01",
            "end_date": "2025-11-30",
            "description": "Monthly operational period",
        },
    )
    assert created.status_code == 201
    period = created.json()
    assert PERIOD_FIELDS <= period.keys()
    assert {k: period[k] for k in PERIOD_FIELDS - {"id"}} == {
        "name": "November 2025",
        "start_date": "2025-11-01",
        "end_date": "2025-11-30",
        "status": "OPEN",
        "description": "Monthly operational period",
        "closed_at": None,
    }
    pid = period["id"]

    # Get Period, List Periods -> 200
    assert (await ok("GET", f"{P}/{pid}"))["name"] == "November 2025"
    listed = await ok("GET", P)
    assert [p["id"] for p in listed["periods"]] == [pid]
    assert {"id", "name", "start_date", "end_date", "status"} <= listed["periods"][0].keys()

    # Record Contribution -> 201; List Contributions?owner_id -> 200
    response = await call(
        "POST",
        f"{P}/{pid}/contributions",
        {"user_id": 1, "amount": "1000.00", "comment": "Monthly payment"},
    )
    assert response.status_code == 201
    contribution = response.json()
    assert CONTRIBUTION_FIELDS <= contribution.keys()
    assert (contribution["service_period_id"], contribution["amount"]) == (pid, "1000.00")
    await ok("POST", f"{P}/{pid}/contributions", {"user_id": 2, "amount": "800.00"})
    only_one = await ok("GET", f"{P}/{pid}/contributions?owner_id=1")
    assert [c["id"] for c in only_one] == [contribution["id"]]

    # Record Expense -> 201; List Expenses -> 200
    response = await call(
        "POST",
        f"{P}/{pid}/expenses",
        {
            "paid_by_user_id": 1,
            "amount": "5000.00",
            "payment_type": "Maintenance",
            "vendor": "ABC Maintenance Co",
            "description": "Monthly building maintenance",
        },
    )
    assert response.status_code == 201
    expenses = await ok("GET", f"{P}/{pid}/expenses")
    assert EXPENSE_FIELDS <= expenses[0].keys()
    assert (expenses[0]["vendor"], expenses[0]["amount"]) == ("ABC Maintenance Co", "5000.00")

    # Balance sheet and owner balance -> 200
    sheet = await ok("GET", f"{P}/{pid}/balance-sheet")
    assert sheet["period_id"] == pid and "total_period_balance" in sheet
    assert all(BALANCE_FIELDS | {"username"} <= e.keys() for e in sheet["entries"])
    own = await ok("GET", f"{P}/{pid}/owner-balance/1")
    assert (BALANCE_FIELDS | {"period_id"}) <= own.keys()
    assert own["balance"] == "4333.33"  # 1000 + 5000 paid - 1666.67 share (the extra cent)

    # Error scenarios
    assert (await call("GET", f"{P}/999999")).json() == {
        "detail": "Period not found",
        "code": "period_not_found",
    }
    assert (await call("GET", f"{P}/999999")).status_code == 404
    negative = await call("POST", f"{P}/{pid}/contributions", {"user_id": 1, "amount": "-1.00"})
    assert (negative.status_code, negative.json()) == (
        400,
        {"detail": "Contribution amount must be positive", "code": "amount_not_positive"},
    )
    december = await ok(
        "POST", P, {"name": "December 2025", "start_date": "2025-12-01", "end_date": "2025-12-31"}
    )
    not_closed = await call(
        "POST", f"{P}/carry-forward", {"from_period_id": pid, "to_period_id": december["id"]}
    )
    assert (not_closed.status_code, not_closed.json()) == (
        409,
        {"detail": "Source period must be CLOSED to carry forward", "code": "period_not_closed"},
    )

    # Close Period -> 200 {id, status, closed_at}
    closed = await call("POST", f"{P}/{pid}/close")
    assert closed.status_code == 200
    assert closed.json().keys() == {"id", "status", "closed_at"}
    assert closed.json()["status"] == "CLOSED" and closed.json()["closed_at"]
    late = await call("POST", f"{P}/{pid}/contributions", {"user_id": 1, "amount": "1.00"})
    assert (late.status_code, late.json()) == (
        400,
        {"detail": f"Period {pid} is not open for contributions", "code": "period_not_open"},
    )

    # Carry Forward -> 200; Opening Transactions -> 200
    carried = await call(
        "POST", f"{P}/carry-forward", {"from_period_id": pid, "to_period_id": december["id"]}
    )
    assert carried.status_code == 200
    body = carried.json()
    assert body.keys() == {
        "from_period_id",
        "to_period_id",
        "carried_forward_owners",
        "total_carried",
        "message",
    }
    assert body["total_carried"] == sheet["total_period_balance"]
    assert (
        body["message"]
        == f"Successfully carried forward {len(body['carried_forward_owners'])} owner balances"
    )
    opening = await ok("GET", f"{P}/{december['id']}/opening-transactions")
    assert opening.keys() == {
        "period_id",
        "opening_contributions",
        "opening_charges",
        "total_opening_contributions",
        "total_opening_charges",
    }
    assert {"id", "user_id", "amount", "date", "comment"} <= opening["opening_contributions"][
        0
    ].keys()
    assert {"id", "user_id", "amount", "description"} <= opening["opening_charges"][0].keys()
