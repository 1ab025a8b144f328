"""Money at the edges of periods, meters and corrections (issue 11), over HTTP."""

from __future__ import annotations

import asyncio
from datetime import date, timedelta
from decimal import Decimal
from itertools import pairwise
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings, strategies as st
from ledger.adapters.repository import LedgerRepository
from ledger.app import create_app
from ledger.settings import Settings
from sosenki_platform.errors import Conflict
from sosenki_platform.testing import running_app

pytestmark = pytest.mark.integration

P = "/api/payments/periods"
MONTHS = {
    "Nov": ("2025-11-01", "2025-11-30"),
    "Dec": ("2025-12-01", "2025-12-31"),
    "Jan": ("2026-01-01", "2026-01-31"),
}


async def _periods(treasurer: Any, *names: str) -> list[int]:
    ids = []
    for name in names:
        start, end = MONTHS[name]
        body = {"name": name, "start_date": start, "end_date": end}
        ids.append(int((await treasurer.ok("POST", P, body))["id"]))
    return ids


async def test_a_reading_on_a_first_day_closes_the_previous_period(treasurer: Any) -> None:
    await treasurer.start({1: "1"})
    nov, dec = await _periods(treasurer, "Nov", "Dec")
    meter = await treasurer.ok(
        "POST",
        f"/api/payments/communities/{treasurer.community_id}/meters",
        {"owner_id": 1, "meter_type": "water"},
    )
    for day, value in (("2025-11-01", "100"), ("2025-12-01", "150"), ("2026-01-01", "230")):
        await treasurer.ok(
            "POST",
            f"/api/payments/meters/{meter['id']}/readings",
            {"reading_date": day, "value": value},
        )
    used = [
        (await treasurer.ok("GET", f"{P}/{pid}/consumption"))["meters"][0]["consumption"]
        for pid in (nov, dec)
    ]
    assert used == ["50", "80"]


async def test_carry_forward_goes_into_the_next_period_only(treasurer: Any) -> None:
    await treasurer.start({1: "1"})
    nov, dec, jan = await _periods(treasurer, "Nov", "Dec", "Jan")
    await treasurer.ok("POST", f"{P}/{nov}/contributions", {"user_id": 1, "amount": "10.00"})
    await treasurer.ok("POST", f"{P}/{nov}/close")
    past = await treasurer.call(
        "POST", f"{P}/carry-forward", {"from_period_id": nov, "to_period_id": jan}
    )
    assert past.status_code == 409
    assert past.json()["detail"] == (
        f"Period {nov} carries forward into its next period {dec} 'Dec' "
        f"(2025-12-01 – 2025-12-31), not into period {jan}"
    )
    await treasurer.ok("POST", f"{P}/{dec}/close")
    await treasurer.ok("POST", f"{P}/{nov}/reopen")
    back = await treasurer.call(
        "POST", f"{P}/carry-forward", {"from_period_id": dec, "to_period_id": nov}
    )
    assert back.status_code == 400
    assert back.json()["detail"] == (
        f"Carry-forward goes forward: period {nov} starts 2025-11-01, not after period {dec} "
        "ends (2025-12-31)"
    )
    await treasurer.ok("POST", f"{P}/{nov}/close")
    await treasurer.ok("POST", f"{P}/{dec}/reopen")
    done = await treasurer.ok(
        "POST", f"{P}/carry-forward", {"from_period_id": nov, "to_period_id": dec}
    )
    assert done["total_carried"] == "10.00"


async def test_opening_entries_are_not_reversed(treasurer: Any) -> None:
    await treasurer.start({1: "1", 2: "1"})
    nov, dec = await _periods(treasurer, "Nov", "Dec")
    await treasurer.ok("POST", f"{P}/{nov}/contributions", {"user_id": 1, "amount": "300.00"})
    await treasurer.ok(
        "POST", f"{P}/{nov}/charges", {"user_id": 2, "amount": "100.00", "description": "Fee"}
    )
    await treasurer.ok("POST", f"{P}/{nov}/close")
    await treasurer.ok("POST", f"{P}/carry-forward", {"from_period_id": nov, "to_period_id": dec})
    opening = await treasurer.ok("GET", f"{P}/{dec}/opening-transactions")
    (credit,) = opening["opening_contributions"]
    (debt,) = opening["opening_charges"]
    for what, entry in (("contributions", credit), ("charges", debt)):
        refused = await treasurer.call(
            "POST", f"{P}/{dec}/{what}/{entry['id']}/reverse", {"reason": "wrong"}
        )
        assert refused.status_code == 409
        assert "opening balance carried forward" in refused.json()["detail"]
    assert await treasurer.ok("GET", f"{P}/{dec}/opening-transactions") == opening
    fund = await treasurer.ok("GET", f"{P}/{dec}/fund-summary")
    assert fund["fund_balance"] == "0.00"
    sheet = await treasurer.ok("GET", f"{P}/{dec}/balance-sheet")
    assert [e["balance"] for e in sheet["entries"]] == ["300.00", "-100.00"]


# A chain of months, each with random entries and reversals, closed and carried into the next.
ENTRY = st.tuples(
    st.sampled_from(["contribution", "charge", "expense", "paid_expense"]),
    st.sampled_from([1, 2, 3]),
    st.integers(1, 100_000).map(lambda cents: Decimal(cents) / 100),
    st.booleans(),  # reversed afterwards
)


@settings(
    max_examples=4,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(st.lists(st.lists(ENTRY, max_size=5), min_size=2, max_size=3))
async def test_carry_forward_chains_with_reversals_keep_every_balance(
    treasurer: Any, months: list[list[tuple[str, int, Decimal, bool]]]
) -> None:
    await treasurer.start({1: "1", 2: "2", 3: "3"})
    first = date(2025, 1, 1)
    periods = []
    for n in range(len(months)):
        start = first + timedelta(days=31 * n)
        body = {
            "name": f"M{n}",
            "start_date": start.isoformat(),
            "end_date": (start + timedelta(days=30)).isoformat(),
        }
        periods.append(int((await treasurer.ok("POST", P, body))["id"]))
    for n, (pid, entries) in enumerate(zip(periods, months, strict=True)):
        for kind, owner, amount, reverse in entries:
            if kind == "contribution":
                path, body = "contributions", {"user_id": owner, "amount": str(amount)}
            elif kind == "charge":
                path = "charges"
                body = {"user_id": owner, "amount": str(amount), "description": "Fee"}
            else:
                path = "expenses"
                body = {
                    "amount": str(amount),
                    "payment_type": "Roads",
                    "allocation_strategy": "PROPORTIONAL",
                }
                if kind == "paid_expense":
                    body["paid_by_user_id"] = owner
            entry = await treasurer.ok("POST", f"{P}/{pid}/{path}", body)
            if reverse:
                await treasurer.ok(
                    "POST", f"{P}/{pid}/{path}/{entry['id']}/reverse", {"reason": "undo"}
                )
        if n > 0:  # the opening entries stay as they were carried
            opening = await treasurer.ok("GET", f"{P}/{pid}/opening-transactions")
            for entry in opening["opening_contributions"][:1]:
                refused = await treasurer.call(
                    "POST", f"{P}/{pid}/contributions/{entry['id']}/reverse", {"reason": "x"}
                )
                assert refused.status_code == 409
        if n + 1 < len(periods):
            sheet = await treasurer.ok("GET", f"{P}/{pid}/balance-sheet")
            balances = {e["owner_id"]: Decimal(e["balance"]) for e in sheet["entries"]}
            await treasurer.ok("POST", f"{P}/{pid}/close")
            carried = await treasurer.ok(
                "POST",
                f"{P}/carry-forward",
                {"from_period_id": pid, "to_period_id": periods[n + 1]},
            )
            assert Decimal(carried["total_carried"]) == sum(balances.values(), Decimal(0))
            assert {int(o): Decimal(b) for o, b in carried["carried_forward_owners"].items()} == {
                o: b for o, b in balances.items() if b != 0
            }
            opening = await treasurer.ok("GET", f"{P}/{periods[n + 1]}/opening-transactions")
            assert Decimal(opening["total_opening_contributions"]) - Decimal(
                opening["total_opening_charges"]
            ) == sum(balances.values(), Decimal(0))
    # The last balance sheet holds every entry of the chain (net of reversals) exactly once.
    net = Decimal(0)
    for entries in months:
        for kind, _, amount, reverse in entries:
            if not reverse:
                net += {"contribution": amount, "charge": -amount}.get(kind, Decimal(0))
                if kind == "expense":
                    net -= amount
    last = await treasurer.ok("GET", f"{P}/{periods[-1]}/balance-sheet")
    assert Decimal(last["total_period_balance"]) == net


async def test_usage_billing_bills_only_something_and_again_after_reversal(
    treasurer: Any,
) -> None:
    await treasurer.start({1: "1", 2: "1"})
    (nov,) = await _periods(treasurer, "Nov")
    meter = await treasurer.ok(
        "POST",
        f"/api/payments/communities/{treasurer.community_id}/meters",
        {"owner_id": 1, "meter_type": "electricity", "tariff": "5.5"},
    )
    bill = {"meter_type": "electricity"}
    nothing = await treasurer.call("POST", f"{P}/{nov}/usage-billing", bill)
    assert nothing.status_code == 400
    assert nothing.json()["detail"] == (
        f"Nothing to bill: no electricity consumption at a tariff in period {nov} yet"
    )
    for day, value in (("2025-11-01", "0"), ("2025-12-01", "100")):
        await treasurer.ok(
            "POST",
            f"/api/payments/meters/{meter['id']}/readings",
            {"reading_date": day, "value": value},
        )
    (charge,) = await treasurer.ok("POST", f"{P}/{nov}/usage-billing", bill)
    assert (charge["user_id"], charge["amount"]) == (1, "550.00")
    again = await treasurer.call("POST", f"{P}/{nov}/usage-billing", bill)
    assert again.status_code == 409
    await treasurer.ok("POST", f"{P}/{nov}/charges/{charge['id']}/reverse", {"reason": "tariff"})
    (rebilled,) = await treasurer.ok("POST", f"{P}/{nov}/usage-billing", bill)
    assert rebilled["amount"] == "550.00"
    balance = await treasurer.ok("GET", f"{P}/{nov}/owner-balance/1")
    assert balance["total_charges"] == "550.00"


async def test_an_expense_uses_the_shares_in_force_on_its_date_within_its_period(
    treasurer: Any,
) -> None:
    await treasurer.start({1: "1", 2: "1"})
    (nov,) = await _periods(treasurer, "Nov")  # over by now, still open
    owners = f"/api/payments/communities/{treasurer.community_id}/owners"
    await treasurer.ok(
        "POST", f"{owners}/2/shares", {"ownership_share": "3", "effective_from": "2025-12-01"}
    )
    undated = await treasurer.ok(
        "POST", f"{P}/{nov}/expenses", {"amount": "100.00", "payment_type": "Roads"}
    )
    assert undated["date"].startswith("2025-11-30")
    assert [a["amount"] for a in undated["allocations"]] == ["50.00", "50.00"]
    outside = await treasurer.call(
        "POST",
        f"{P}/{nov}/expenses",
        {"amount": "100.00", "payment_type": "Roads", "date": "2025-12-05T10:00:00Z"},
    )
    assert outside.status_code == 400
    assert outside.json()["detail"] == (
        f"Expense date 2025-12-05 is outside period {nov} (2025-11-01 – 2025-11-30)"
    )

    # A change dated after today is scheduled, not the current share.
    later = (date.today() + timedelta(days=30)).isoformat()
    changed = await treasurer.ok(
        "POST", f"{owners}/2/shares", {"ownership_share": "5", "effective_from": later}
    )
    assert changed["ownership_share"] == "3"
    assert changed["scheduled_shares"] == [{"effective_from": later, "ownership_share": "5"}]
    listed = {o["owner_id"]: o for o in await treasurer.ok("GET", owners)}
    assert listed[2]["ownership_share"] == "3"
    assert listed[2]["scheduled_shares"] == changed["scheduled_shares"]
    assert listed[1]["scheduled_shares"] == []


async def test_a_balance_sheet_never_sees_an_expense_paid_but_not_allocated(
    treasurer: Any,
) -> None:
    """Expenses paid by an owner and shared by everyone sum to zero in every snapshot."""
    await treasurer.start({1: "1", 2: "1", 3: "1"})
    (nov,) = await _periods(treasurer, "Nov")
    done = asyncio.Event()

    async def write() -> None:
        try:
            for n in range(40):
                await treasurer.ok(
                    "POST",
                    f"{P}/{nov}/expenses",
                    {"amount": f"{n + 1}.01", "payment_type": "Roads", "paid_by_user_id": 1},
                )
        finally:
            done.set()

    async def read() -> list[str]:
        seen = []
        while not done.is_set():
            sheet = await treasurer.ok("GET", f"{P}/{nov}/balance-sheet")
            seen.append(sheet["total_period_balance"])
            fund = await treasurer.ok("GET", f"{P}/{nov}/fund-summary")
            assert fund["fund_balance"] == "0.00"
        return seen

    _, *readers = await asyncio.gather(write(), *(read() for _ in range(4)))
    totals = [t for seen in readers for t in seen]
    assert totals and set(totals) == {"0.00"}
    sheet = await treasurer.ok("GET", f"{P}/{nov}/balance-sheet")
    assert Decimal(sheet["entries"][0]["total_paid_expenses"]) == sum(
        Decimal(f"{n + 1}.01") for n in range(40)
    )


async def test_periods_of_a_community_do_not_overlap_even_when_created_at_once(
    treasurer: Any,
) -> None:
    await treasurer.start({1: "1"})
    (nov,) = await _periods(treasurer, "Nov")
    overlapping = await treasurer.call(
        "POST", P, {"name": "Mid", "start_date": "2025-11-15", "end_date": "2025-12-15"}
    )
    assert overlapping.status_code == 409
    assert overlapping.json()["detail"] == (
        f"Period 2025-11-15 – 2025-12-15 overlaps period {nov} 'Nov' (2025-11-01 – 2025-11-30); "
        "a community's periods must not overlap"
    )
    await _periods(treasurer, "Dec")  # the day after November ends is free
    for year in (2027, 2028, 2029):
        bodies = [
            {"name": f"A{year}", "start_date": f"{year}-01-01", "end_date": f"{year}-01-31"},
            {"name": f"B{year}", "start_date": f"{year}-01-31", "end_date": f"{year}-02-27"},
        ]
        answers = await asyncio.gather(*(treasurer.call("POST", P, b) for b in bodies))
        assert sorted(a.status_code for a in answers) == [201, 409], [a.text for a in answers]
    listed = await treasurer.ok("GET", f"{P}?community_id={treasurer.community_id}")
    spans = sorted((p["start_date"], p["end_date"]) for p in listed["periods"])
    assert all(a[1] < b[0] for a, b in pairwise(spans))


async def test_the_database_refuses_an_overlapping_period_created_meanwhile(
    new_database: Any, service_env: dict[str, str], make_token: Any
) -> None:
    """Two transactions that both passed the check: the second insert waits for the first and
    is refused by the exclusion constraint (409), whatever the application checked before."""
    settings = Settings(
        database_url=await new_database("ledger"),
        kafka_bootstrap_servers=service_env["SOSENKI_KAFKA_BOOTSTRAP_SERVERS"],
        topic_prefix=service_env["SOSENKI_TOPIC_PREFIX"],
        auth_public_key=service_env["SOSENKI_AUTH_PUBLIC_KEY"],
    )
    app = create_app(settings)
    async with running_app(app) as client:
        client.headers["Authorization"] = f"Bearer {make_token(1)}"
        community = await client.post("/api/payments/communities", json={"name": "Race"})
        cid = community.json()["id"]
        db = app.state.runtime.db

        async def create(name: str, start: date, end: date) -> Any:
            async with db.transaction() as session:
                return await LedgerRepository(session).add_period(cid, name, start, end, None)

        async with db.transaction() as session:
            await LedgerRepository(session).add_period(
                cid, "Nov", date(2025, 11, 1), date(2025, 11, 30), None
            )
            second = asyncio.create_task(create("Mid", date(2025, 11, 30), date(2025, 12, 30)))
            await asyncio.sleep(0.5)
            assert not second.done()  # waits for the first transaction's uncommitted period
        with pytest.raises(Conflict, match="created meanwhile"):
            await second
        apart = await create("Dec", date(2025, 12, 1), date(2025, 12, 31))
        assert apart.start_date == date(2025, 12, 1)
