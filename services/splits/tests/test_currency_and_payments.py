"""Currency, exchange rate and payments (issue 11, item 10), through REST against real
PostgreSQL, over random expenses (hypothesis): once anyone has paid towards an expense its
currency and rate cannot change (409, nothing moves); without payments a change recomputes
exactly; and whatever happened, paying every split in full leaves every balance at zero."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

pytestmark = pytest.mark.integration

E = "/financials/expenses"
D = Decimal

# (currency, rate) of the expense in a RUB group.
money_kinds = st.sampled_from(
    [("RUB", None), ("EUR", "99"), ("EUR", "97.125"), ("USD", "90.5"), ("USD", "0.37")]
)


@settings(
    max_examples=12,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(
    total_cents=st.integers(100, 1_000_000),
    kind=money_kinds,
    change=money_kinds,
    new_total_cents=st.none() | st.integers(100, 1_000_000),
    payments=st.lists(st.tuples(st.sampled_from([2, 3]), st.integers(1, 100)), max_size=3),
)
async def test_a_currency_change_after_payments_is_refused_and_paid_splits_clear_exactly(
    people: Callable[[int], Any],
    total_cents: int,
    kind: tuple[str, str | None],
    change: tuple[str, str | None],
    new_total_cents: int | None,
    payments: list[tuple[int, int]],
) -> None:
    alice = people(1)
    gid = await alice.group([2, 3])
    currency, rate = kind
    body: dict[str, Any] = {"currency": currency}
    if rate is not None:
        body["exchange_rate"] = rate
    expense = await alice.expense(gid, str(D(total_cents).scaleb(-2)), **body)
    url = f"{E}/{expense['id']}"

    # Bob and Carol pay part of their shares (percent of what remains, at least a cent).
    paid_any = False
    for user_id, percent in payments:
        split = next(s for s in (await alice.ok("GET", url))["splits"] if s["user_id"] == user_id)
        remaining = D(split["owed_amount"]) - D(split["paid_amount"])
        amount = max(D("0.01"), (remaining * percent / 100).quantize(D("0.01")))
        if remaining <= 0:
            continue
        await people(user_id).ok(
            "POST",
            f"/financials/expense_splits/{split['id']}/settle",
            {"amount_paid": str(min(amount, remaining))},
        )
        paid_any = True

    before = await alice.ok("GET", url)
    balances = await alice.ok("GET", f"/costs/groups/{gid}/balance-summary")
    new_currency, new_rate = change
    update: dict[str, Any] = {"version": before["version"], "currency": new_currency}
    update["exchange_rate"] = new_rate
    if new_total_cents is not None:
        update["total_amount"] = str(D(new_total_cents).scaleb(-2))
    same = new_currency == currency and (
        (new_rate is None and rate is None)
        or (new_rate is not None and rate is not None and D(new_rate) == D(rate))
    )
    response = await alice.call("PUT", url, update)
    if paid_any and not same:
        assert response.status_code == 409, response.text
        assert response.json()["detail"] == (
            f"Expense {expense['id']} has payments recorded against it in {currency}: its "
            "currency and exchange rate can no longer change (delete it and record it again)"
        )
        assert await alice.ok("GET", url) == before
        assert await alice.ok("GET", f"/costs/groups/{gid}/balance-summary") == balances
    elif response.status_code != 200:
        # Only a share falling below what its participant already paid may be refused.
        assert response.status_code == 409, response.text
        assert "is already paid (remaining amount: 0.00 " in response.json()["detail"]
        assert await alice.ok("GET", url) == before
    else:
        after = response.json()
        assert after["currency"] == new_currency
        assert sum(D(s["base_owed_amount"]) for s in after["splits"]) == D(
            after["base_total_amount"]
        )

    # Everyone pays the rest of their share: every balance is exactly zero.
    for split in (await alice.ok("GET", url))["splits"]:
        remaining = D(split["owed_amount"]) - D(split["paid_amount"])
        if remaining > 0:
            await people(split["user_id"]).ok(
                "POST",
                f"/financials/expense_splits/{split['id']}/settle",
                {"amount_paid": str(remaining)},
            )
    final = await alice.ok("GET", url)
    assert {s["status"] for s in final["splits"]} == {"paid"}
    summary = await alice.ok("GET", f"/costs/groups/{gid}/balance-summary")
    assert [D(b["net_balance"]) for b in summary["user_balances"]] == [0, 0, 0]
    assert summary["suggested_settlements"] == []


async def test_boris_paid_in_euros_so_the_expense_stays_in_euros(
    people: Callable[[int], Any],
) -> None:
    alice, boris = people(1), people(2)
    gid = await alice.group([2])
    expense = await alice.expense(gid, "100.00", currency="EUR", exchange_rate="99")
    split = next(s for s in expense["splits"] if s["user_id"] == 2)
    await boris.ok(
        "POST", f"/financials/expense_splits/{split['id']}/settle", {"amount_paid": "50.00"}
    )
    detail = await alice.refused(
        409,
        "PUT",
        f"{E}/{expense['id']}",
        {"version": 1, "total_amount": "9900.00", "currency": "RUB", "exchange_rate": None},
    )
    assert "can no longer change" in detail
    assert "can no longer change" in await alice.refused(
        409, "PUT", f"{E}/{expense['id']}", {"version": 1, "exchange_rate": "100"}
    )
    # The same currency and rate, with a new total, is still fine.
    changed = await alice.ok(
        "PUT", f"{E}/{expense['id']}", {"version": 1, "total_amount": "120.00"}
    )
    assert [(s["user_id"], s["owed_amount"], s["paid_amount"]) for s in changed["splits"]] == [
        (1, "60.00", "60.00"),
        (2, "60.00", "50.00"),
    ]
