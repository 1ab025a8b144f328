"""A rebuild replays every event topic into fresh tables and switches over: the balance sheets,
statements, fund and audit chain heads are the same as the ones built event by event, and the
live consumer goes on applying new events afterwards."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from reporting.rebuild import rebuild
from sosenki_contracts import topics
from sosenki_contracts.envelope import Actor, EventEnvelope
from sosenki_platform.testing import eventually

pytestmark = pytest.mark.integration

P = "/api/payments/periods"


async def _reject(ledger: Any) -> EventEnvelope:
    """A rejected command: it names no community, so it is chained by partition."""
    event = EventEnvelope(
        event_type="ledger.command_rejected",
        producer="ledger",
        aggregate_id="cmd",
        actor=Actor(kind="service", id="ledger"),
        payload={
            "command_id": f"cmd-{ledger.community_id}",
            "command_type": "ledger.record_charge",
            "status_code": 400,
            "detail": "Period 1 is not open for charges",
        },
    )
    await ledger.producer.send_and_wait(
        ledger.prefix + topics.LEDGER_EVENTS, event.to_json_bytes(), key=b"rejections"
    )
    ledger.sent.append(event)
    return event


async def _snapshot(
    reporting: Any, ledger: Any, periods: tuple[int, int], auth: dict[str, str]
) -> dict[str, Any]:
    api, cid = reporting.client, ledger.community_id
    rejected = str(ledger.sent[-1].event_id)
    chains = await reporting.sql(
        "SELECT DISTINCT chain FROM audit_entries WHERE community_id = $1 OR event_id = $2",
        cid,
        rejected,
    )
    names = sorted(r["chain"] for r in chains)
    snapshot: dict[str, Any] = {
        "chains": names,
        "heads": [
            dict(r)
            for r in await reporting.sql(
                "SELECT chain, seq, hash FROM audit_heads WHERE chain = ANY($1::text[]) "
                "ORDER BY chain",
                names,
            )
        ],
        "entries": [
            dict(r)
            for r in await reporting.sql(
                "SELECT chain, seq, event_id, prev_hash, hash FROM audit_entries "
                "WHERE chain = ANY($1::text[]) ORDER BY chain, seq",
                names,
            )
        ],
    }
    for pid in periods:
        for what in ("balance-sheet", "fund-summary", "owner-balance/12"):
            r = await api.get(f"{P}/{pid}/{what}", headers=auth)
            assert r.status_code == 200, r.text
            snapshot[f"{pid}/{what}"] = r.json()
    for owner in (11, 12):
        path = f"/api/payments/communities/{cid}/owners/{owner}/statement"
        snapshot[path] = (await api.get(path, headers=auth)).json()
    path = f"/api/payments/communities/{cid}/fund"
    snapshot[path] = (await api.get(path, headers=auth)).json()
    return snapshot


async def test_a_rebuild_gives_the_same_read_models_and_chain_heads(
    reporting: Any, ledger: Any, make_token: Any
) -> None:
    nov, dec = await ledger.two_months()
    contribution = await ledger.contribution(dec, 12, "70.00")
    await ledger.contribution(
        dec, 12, "-70.00", kind="reversal", reverses_id=contribution, reason="Bounced"
    )
    await _reject(ledger)
    # A contribution delivered twice (a producer's retry): applied once, live and replayed.
    again = next(e for e in ledger.sent if e.event_type == "ledger.contribution_recorded")
    await ledger.producer.send_and_wait(
        ledger.prefix + topics.LEDGER_EVENTS,
        again.to_json_bytes(),
        key=str(ledger.community_id).encode(),
    )
    await reporting.caught_up(ledger)
    # The treasurer (the community's creator): every owner's balance and statement.
    auth = {"Authorization": f"Bearer {make_token(1, communities=[ledger.community_id])}"}
    before = await _snapshot(reporting, ledger, (nov, dec), auth)
    assert len(before["chains"]) == 2  # the community's, and the rejection's partition

    report = await rebuild(reporting.settings)

    assert report.events_replayed >= len(ledger.sent)
    after = await _snapshot(reporting, ledger, (nov, dec), auth)
    assert after == before
    schemas = await reporting.sql(
        "SELECT nspname FROM pg_namespace WHERE nspname LIKE 'reporting_%'"
    )
    assert list(schemas) == []

    # The live consumer goes on, into the new tables, and applies each event once.
    await ledger.contribution(dec, 12, "5.00")
    await reporting.caught_up(ledger)

    async def applied() -> dict[str, Any] | None:
        r = await reporting.client.get(f"{P}/{dec}/owner-balance/12", headers=auth)
        body: dict[str, Any] = r.json()
        return body if body["total_contributions"] == "55.00" else None

    await eventually(applied, what="a contribution applied after the rebuild")
    cid = ledger.community_id
    verified = (
        await reporting.client.get("/api/audit/verify", params={"community_id": cid}, headers=auth)
    ).json()
    community_head = next(h for h in before["heads"] if h["chain"] == f"community:{cid}")
    assert verified["ok"] is True
    assert verified["entries_checked"] == community_head["seq"] + 1


async def test_events_arriving_during_a_rebuild_are_applied_once(
    reporting: Any, ledger: Any, make_token: Any
) -> None:
    await ledger.community({11: "anna"})
    period = await ledger.period()
    await reporting.caught_up(ledger)

    async def pay_in(times: int) -> None:
        for _ in range(times):
            await ledger.contribution(period, 11, "1.00")
            await asyncio.sleep(0.02)

    payments = asyncio.create_task(pay_in(40))
    await rebuild(reporting.settings)
    await payments
    await reporting.caught_up(ledger)
    auth = {"Authorization": f"Bearer {make_token(11, communities=[ledger.community_id])}"}

    async def all_paid() -> dict[str, Any] | None:
        r = await reporting.client.get(f"{P}/{period}/owner-balance/11", headers=auth)
        body: dict[str, Any] = r.json()
        return body if body["total_contributions"] == "40.00" else None

    await eventually(all_paid, what="40 contributions, each applied once")
    verified = (
        await reporting.client.get(
            "/api/audit/verify", params={"community_id": ledger.community_id}, headers=auth
        )
    ).json()
    assert verified["ok"] is True
    assert verified["entries_checked"] == len(ledger.sent)
