"""An owner's statement across periods, the fund per period and over time, the period listing,
and how fresh it all is."""

from __future__ import annotations

from typing import Any

import pytest

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
    assert ledger_topic["lag"] is not None
    assert {t["topic"] for t in fresh["topics"]} == {
        "ledger.events.v1",
        "splits.events.v1",
        "recurring.events.v1",
        "gateway.events.v1",
    }
    metrics = (await api.get("/metrics")).text
    assert "consumer_last_applied_timestamp_seconds{" in metrics
    assert "consumer_lag{" in metrics
