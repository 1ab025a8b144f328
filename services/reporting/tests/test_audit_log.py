"""Every event becomes an audit entry; the chain verifies, and a row changed in the database is
named by verify."""

from __future__ import annotations

import itertools
from datetime import datetime
from typing import Any

import pytest
from sosenki_contracts import topics
from sosenki_contracts.envelope import Actor, EventEnvelope
from sosenki_platform.testing import eventually

pytestmark = pytest.mark.integration


def _time(text: str) -> datetime:
    return datetime.fromisoformat(text)


async def _entries(api: Any, token: str, **params: Any) -> list[dict[str, Any]]:
    r = await api.get("/api/audit", params=params, headers={"Authorization": f"Bearer {token}"})
    assert r.status_code == 200, r.text
    return list(r.json()["entries"])


async def test_every_event_is_audited_and_tampering_is_named(
    reporting: Any, ledger: Any, make_token: Any
) -> None:
    await ledger.community({11: "anna", 12: "boris"})
    period = await ledger.period()
    contribution = await ledger.contribution(period, 11, "1000.00")
    await ledger.expense(period, "300.00", {11: "150.00", 12: "150.00"})
    await ledger.contribution(
        period,
        11,
        "-1000.00",
        kind="reversal",
        reverses_id=contribution,
        reason="Recorded for the wrong owner",
    )
    await ledger.publish(
        "ledger.period_closed", period, period_id=period, closed_at="2025-12-01T00:00:00Z"
    )
    token = make_token(11, communities=[ledger.community_id])
    auth = {"Authorization": f"Bearer {token}"}
    api = reporting.client
    cid = ledger.community_id

    async def all_audited() -> list[dict[str, Any]] | None:
        entries = await _entries(api, token, community_id=cid)
        return entries if len(entries) == len(ledger.sent) else None

    entries = await eventually(all_audited, what="an audit entry per event")
    # Entries are in the order reporting applied the events (the community's and the period's
    # events travel on different partitions, so not necessarily the order they were sent in).
    assert {e["event_id"] for e in entries} == {str(e.event_id) for e in ledger.sent}
    assert [e["seq"] for e in entries] == list(range(1, len(entries) + 1))
    (reversal,) = [e for e in entries if e["reason"] is not None]
    assert reversal["reason"] == "Recorded for the wrong owner"
    assert reversal["payload"]["amount"] == "-1000.00"
    assert reversal["actor"] == {"kind": "user", "id": "1", "name": "Tanya"}
    assert entries[0]["prev_hash"] == "0" * 64
    assert all(b["prev_hash"] == a["hash"] for a, b in itertools.pairwise(entries))

    # Filters and pages.
    contributions = await _entries(
        api, token, community_id=cid, event_type="ledger.contribution_recorded"
    )
    assert len(contributions) == 2
    page = await _entries(api, token, community_id=cid, limit=2, offset=2)
    assert [e["seq"] for e in page] == [3, 4]
    since = entries[3]["occurred_at"]
    late = await _entries(api, token, community_id=cid, **{"from": since})
    assert {e["seq"] for e in late} == {
        e["seq"] for e in entries if _time(e["occurred_at"]) >= _time(since)
    }

    head = (await api.get("/api/audit/head", params={"community_id": cid}, headers=auth)).json()
    assert (head["seq"], head["hash"]) == (len(entries), entries[-1]["hash"])
    short = await api.get("/audit/head", params={"community_id": cid}, headers=auth)
    assert short.json() == head  # the same endpoints at /audit, the path
    assert (await api.get("/audit", params={"community_id": cid}, headers=auth)).status_code == 200
    verified = (
        await api.get("/api/audit/verify", params={"community_id": cid}, headers=auth)
    ).json()
    assert verified["ok"] is True and verified["entries_checked"] == len(entries)

    # Someone with database access quietly changes the amount of one entry.
    victim = entries[3]
    await reporting.sql(
        "UPDATE audit_entries SET payload = jsonb_set(payload, '{amount}', '\"1.00\"') "
        "WHERE entry_id = $1",
        victim["entry_id"],
    )
    verified = (
        await api.get("/api/audit/verify", params={"community_id": cid}, headers=auth)
    ).json()
    assert verified["ok"] is False
    assert verified["entries_checked"] == 3
    assert verified["first_broken"]["entry_id"] == victim["entry_id"]
    assert verified["first_broken"]["event_id"] == victim["event_id"]


async def test_another_communitys_chain_is_not_found(reporting: Any, make_token: Any) -> None:
    auth = {"Authorization": f"Bearer {make_token(5, communities=[1])}"}
    r = await reporting.client.get("/api/audit/verify", params={"community_id": 2}, headers=auth)
    assert r.status_code == 404
    r = await reporting.client.get("/api/audit/head", headers=auth)
    assert r.status_code == 400


async def test_events_naming_no_community_are_chained_per_partition(
    reporting: Any, ledger: Any, make_token: Any
) -> None:
    """A rejected command names neither a community nor a group: it joins the chain of the topic
    partition it was read from, which admins can verify."""
    rejected = [
        EventEnvelope(
            event_type="ledger.command_rejected",
            producer="ledger",
            aggregate_id=f"cmd-{n}",
            actor=Actor(kind="service", id="ledger"),
            payload={
                "command_id": f"cmd-{n}",
                "command_type": "ledger.record_contribution",
                "status_code": 400,
                "detail": "Period 1 is not open for contributions",
            },
        )
        for n in range(3)
    ]
    topic = ledger.prefix + topics.LEDGER_EVENTS
    for event in rejected:  # one key: one partition, in this order
        await ledger.producer.send_and_wait(topic, event.to_json_bytes(), key=b"same-key")
    ids = [str(e.event_id) for e in rejected]

    async def audited() -> list[Any] | None:
        rows = await reporting.sql(
            "SELECT e.chain, e.seq, i.partition FROM audit_entries e "
            "JOIN inbox i ON i.message_id = e.event_id WHERE e.event_id = ANY($1::text[]) "
            "ORDER BY e.seq",
            ids,
        )
        return list(rows) if len(rows) == len(ids) else None

    rows = await eventually(audited, what="the rejections audited")
    partition = rows[0]["partition"]
    assert {r["chain"] for r in rows} == {f"partition:{topics.LEDGER_EVENTS}:{partition}"}
    assert [r["seq"] for r in rows] == sorted(r["seq"] for r in rows)

    admin = {"Authorization": f"Bearer {make_token(1, roles=['admin'])}"}
    params = {"topic": topics.LEDGER_EVENTS, "partition": partition}
    verified = (
        await reporting.client.get("/api/audit/verify", params=params, headers=admin)
    ).json()
    assert verified["ok"] is True
    assert verified["chain"] == f"partition:{topics.LEDGER_EVENTS}:{partition}"
    head = (await reporting.client.get("/api/audit/head", params=params, headers=admin)).json()
    assert head["event_id"] == ids[-1]
    owner = {"Authorization": f"Bearer {make_token(11, communities=[1])}"}
    r = await reporting.client.get("/api/audit/verify", params=params, headers=owner)
    assert r.status_code == 404
