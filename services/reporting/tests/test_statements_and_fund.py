"""An owner's statement across periods, the fund per period and over time, the period listing,
and how fresh it all is."""

from __future__ import annotations

from typing import Any

import pytest
from sosenki_platform.testing import eventually

pytestmark = pytest.mark.integration


async def test_statement_fund_and_periods(reporting: Any, ledger: Any, make_token: Any) -> None:
    nov, dec = await ledger.two_months()
    cid = ledger.community_id
    api = reporting.client
    api.headers["Authorization"] = f"Bearer {make_token(11, communities=[cid])}"
    await reporting.caught_up(ledger)
    body = (await api.get(f"/api/payments/communities/{cid}/owners/11/statement")).json()
    assert body["current_balance"] == "900.00"
    assert [p["name"] for p in body["periods"]] == ["Nov", "Dec"]
    november, december = body["periods"]
    assert (november["opening_balance"], november["balance"]) == ("0.00", "800.00")
    assert (december["opening_balance"], december["total_contributions"]) == ("800.00", "900.00")
    assert body["username"] == "anna"

    fund = (await api.get(f"/api/payments/periods/{nov}/fund-summary")).json()
    assert fund == {
        "period_id": nov,
        "currency": "RUB",
        "total_contributions": "1200.00",
        "total_fund_expenses": "800.00",
        "fund_balance": "400.00",
    }
    history = (await api.get(f"/api/payments/communities/{cid}/fund")).json()
    # December's opening credits are not new money: only Anna's 100.00 counts.
    assert [
        (p["name"], p["fund_balance"], p["cumulative_fund_balance"]) for p in history["periods"]
    ] == [
        ("Nov", "400.00", "400.00"),
        ("Dec", "100.00", "500.00"),
    ]

    listed = (await api.get("/api/payments/periods", params={"community_id": cid})).json()
    assert {p["id"]: p["status"] for p in listed["periods"]} == {nov: "CLOSED", dec: "OPEN"}
    closed = (
        await api.get("/api/payments/periods", params={"community_id": cid, "status": "closed"})
    ).json()
    assert [p["id"] for p in closed["periods"]] == [nov]

    # Another owner's statement is for treasurers only; an unknown owner is not found.
    other = await api.get(f"/api/payments/communities/{cid}/owners/12/statement")
    assert other.status_code == 403
    treasurer = {"Authorization": f"Bearer {make_token(1)}"}
    theirs = await api.get(
        f"/api/payments/communities/{cid}/owners/12/statement", headers=treasurer
    )
    assert theirs.status_code == 200 and theirs.json()["username"] == "boris"
    unknown = f"/api/payments/communities/{cid}/owners/99/statement"
    assert (await api.get(unknown, headers=treasurer)).status_code == 404
    assert (await api.get("/api/payments/communities/1/fund")).status_code == 404

    fresh = (await api.get("/api/reporting/freshness")).json()
    ledger_topic = next(t for t in fresh["topics"] if t["topic"] == "ledger.events.v1")
    assert ledger_topic["events_applied"] >= len(ledger.sent)
    assert ledger_topic["last_applied_at"] is not None

    async def lag_sampled() -> int | None:
        # The broker-side lag is sampled every few seconds: on a busy machine, after the first
        # answer above.
        fresh = (await api.get("/api/reporting/freshness")).json()
        lag = next(t for t in fresh["topics"] if t["topic"] == "ledger.events.v1")["lag"]
        return None if lag is None else int(lag)

    assert await eventually(lag_sampled, what="the ledger topic's lag") >= 0
    assert {t["topic"] for t in fresh["topics"]} == {
        "ledger.events.v1",
        "splits.events.v1",
        "recurring.events.v1",
        "gateway.events.v1",
    }
    metrics = (await api.get("/metrics")).text
    assert "consumer_last_applied_timestamp_seconds{" in metrics
    assert "consumer_lag{" in metrics


async def test_the_current_balance_keeps_a_debt_not_yet_carried_forward(
    reporting: Any, ledger: Any, make_token: Any
) -> None:
    """Boris ends November 300 in debt. Between December opening and November being carried
    forward, his current balance is −300 + December's 100 = −200, and still −200 after."""
    await ledger.community({11: "anna", 12: "boris"})
    cid = ledger.community_id
    nov = await ledger.period("Nov", "2025-11-01", "2025-11-30")
    await ledger.expense(nov, "600.00", {11: "300.00", 12: "300.00"}, paid_by=11)
    await ledger.publish(
        "ledger.period_closed", nov, period_id=nov, closed_at="2025-12-01T00:00:00Z"
    )
    dec = await ledger.period("Dec", "2025-12-01", "2025-12-31")
    await ledger.contribution(dec, 12, "100.00")
    api = reporting.client
    api.headers["Authorization"] = f"Bearer {make_token(12, communities=[cid])}"
    path = f"/api/payments/communities/{cid}/owners/12/statement"
    await reporting.caught_up(ledger)
    before = (await api.get(path)).json()
    assert before["current_balance"] == "-200.00"
    assert [(p["balance"], p["carried_forward"]) for p in before["periods"]] == [
        ("-300.00", False),
        ("100.00", False),
    ]

    await ledger.carried(nov, dec, {11: "300.00", 12: "-300.00"})
    await ledger.contribution(dec, 11, "300.00", kind="opening")
    await ledger.publish(
        "ledger.charge_recorded",
        dec,
        period_id=dec,
        charge_id=ledger.new_id(),
        owner_id=12,
        amount="300.00",
        currency="RUB",
        description="Opening debt from previous period",
        date="2025-12-02T00:00:00Z",
        kind="opening",
    )
    await reporting.caught_up(ledger)
    after = (await api.get(path)).json()
    assert after["current_balance"] == "-200.00"
    assert [(p["balance"], p["carried_forward"]) for p in after["periods"]] == [
        ("-300.00", True),
        ("-200.00", False),
    ]
    api.headers["Authorization"] = f"Bearer {make_token(11, communities=[cid])}"
    anna = (await api.get(f"/api/payments/communities/{cid}/owners/11/statement")).json()
    assert anna["current_balance"] == "300.00"
