"""A recurring expense when people leave (issue 11, item 13), with occurrences sent as the
recurring service sends them (``splits.create_expense_occurrence`` over real Kafka): an EQUAL or
SHARES template goes on among those still in the group; an EXACT_AMOUNTS one is refused with
who left (the recurring service then pauses the pattern and tells its creator)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from sosenki_contracts import topics
from sosenki_contracts.envelope import Actor
from sosenki_platform.testing import eventually

from .test_commands import _command, _events_for, _send

pytestmark = pytest.mark.integration

E = "/financials/expenses"


async def test_occurrences_after_someone_left_drop_them_or_are_refused_with_why(
    people: Callable[[int], Any], infrastructure: Any, topic_prefix: str
) -> None:
    alice, vera = people(1), people(3)
    gid = await alice.group([2, 3])
    monthly = {"is_recurring": True, "recurrence": {"type": "monthly"}}
    cleaning = await alice.expense(gid, "90.00", description="Cleaning", **monthly)
    shares = await alice.expense(
        gid,
        "100.00",
        description="Internet",
        split_type="SHARES",
        splits_in=[
            {"user_id": 1, "share_units": 2},
            {"user_id": 2, "share_units": 1},
            {"user_id": 3, "share_units": 1},
        ],
        **monthly,
    )
    rent = await alice.expense(
        gid,
        "300.00",
        description="Rent",
        split_type="EXACT_AMOUNTS",
        splits_in=[{"user_id": u, "owed_amount": "100.00"} for u in (1, 2, 3)],
        **monthly,
    )
    # Vera pays her shares and leaves.
    for template in (cleaning, shares, rent):
        split = next(s for s in template["splits"] if s["user_id"] == 3)
        await vera.ok(
            "POST",
            f"/financials/expense_splits/{split['id']}/settle",
            {"amount_paid": split["owed_amount"]},
        )
    await vera.ok("DELETE", f"/groups/{gid}/members/3")

    bootstrap = infrastructure.kafka_bootstrap_servers
    creator = Actor(kind="user", id="1")  # the recurring service acts for the pattern's creator
    sent = {
        t["id"]: _command(
            "splits.create_expense_occurrence",
            {"template_expense_id": t["id"], "occurrence_date": "2027-01-01"},
            actor=creator,
        )
        for t in (cleaning, shares, rent)
    }
    await _send(bootstrap, topic_prefix + topics.SPLITS_COMMANDS, *sent.values())

    async def occurrences() -> dict[int, Any] | None:
        found = (await alice.ok("GET", E, params={"group_id": gid}))["expenses"]
        linked = {e["template_expense_id"]: e for e in found if e["template_expense_id"]}
        return linked if len(linked) >= 2 else None

    made = await eventually(occurrences, what="the occurrences without Vera")
    assert [(s["user_id"], s["owed_amount"]) for s in made[cleaning["id"]]["splits"]] == [
        (1, "45.00"),
        (2, "45.00"),
    ]
    assert made[cleaning["id"]]["total_amount"] == "90.00"
    assert [(s["user_id"], s["owed_amount"]) for s in made[shares["id"]]["splits"]] == [
        (1, "66.67"),
        (2, "33.33"),
    ]
    assert rent["id"] not in made

    async def rejection() -> list[dict[str, Any]] | None:
        correlation = sent[rent["id"]].correlation_id or ""
        return (
            await _events_for(bootstrap, topic_prefix + topics.SPLITS_EVENTS, correlation) or None
        )

    (refused,) = await eventually(rejection, what="the refused rent occurrence")
    assert refused["event_type"] == "splits.command_rejected"
    assert refused["payload"]["status_code"] == 409
    assert refused["payload"]["detail"] == (
        f"Recurring expense {rent['id']}: users [3] have left group {gid}, and an EXACT_AMOUNTS "
        "split cannot be shared without them; change the recurring expense, then resume its "
        "pattern"
    )
    summary = await alice.ok("GET", f"/costs/groups/{gid}/balance-summary")
    assert {b["user_id"] for b in summary["user_balances"]} >= {1, 2}
