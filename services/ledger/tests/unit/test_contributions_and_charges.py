"""Money posted into a period: positive, in the currency's minor units, by a treasurer, into an
open period; a charge to every owner lands in the open period covering its date."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

import pytest
from sosenki_contracts.commands import ledger as c
from sosenki_contracts.events import ledger as ev
from sosenki_platform.errors import BadRequest, Forbidden, NotFound

pytestmark = pytest.mark.unit


async def test_a_contribution_is_a_row_and_an_event_with_the_currency_s_minor_units(
    ledger: Any,
) -> None:
    await ledger.village()
    row = await ledger.do(
        c.RecordContribution(period_id=ledger.period_id, owner_id=2, amount=Decimal("1000"))
    )
    assert (row.owner_id, row.amount, row.currency, row.date) == (
        2,
        Decimal(1000),
        "RUB",
        ledger.clock.now(),
    )
    (event,) = ledger.published(ev.ContributionRecorded)
    wire = event.model_dump(mode="json")
    assert wire["amount"] == "1000.00" and wire["kind"] == "regular"
    assert ev.ContributionRecorded.model_validate(wire) == event


async def test_the_seed_s_messages_for_bad_contributions(ledger: Any) -> None:
    await ledger.village()

    def pay(amount: str, owner: int = 2) -> Any:
        # As the REST route builds it: the body allows any sign, the use case refuses.
        return c.RecordContribution.model_construct(
            period_id=ledger.period_id, owner_id=owner, amount=Decimal(amount), comment=None
        )

    with pytest.raises(BadRequest, match=r"^Contribution amount must be positive$"):
        await ledger.do(pay("0"))
    with pytest.raises(BadRequest, match="more than 2 decimal places for RUB"):
        await ledger.do(pay("1.001"))
    with pytest.raises(NotFound, match="Owner 9 not found"):
        await ledger.do(pay("1", owner=9))
    with pytest.raises(Forbidden):
        await ledger.do(pay("1"), as_user=2)
    await ledger.do(c.ClosePeriod(period_id=ledger.period_id))
    with pytest.raises(BadRequest, match=f"Period {ledger.period_id} is not open for contrib"):
        await ledger.do(pay("1"))
    assert ledger.published(ev.ContributionRecorded) == []


async def test_a_charge_for_every_active_owner_goes_into_the_period_covering_its_day(
    ledger: Any,
) -> None:
    await ledger.village({1: "1", 2: "1", 3: "1"})
    await ledger.do(c.DeactivateOwner(community_id=ledger.community_id, owner_id=3))
    fee = c.ChargeOwners(
        community_id=ledger.community_id,
        on_date=date(2025, 11, 20),
        amount=Decimal("150"),
        description="Monthly fee",
    )
    rows = await ledger.do(fee, as_user=None)  # the recurring service
    assert [(r.owner_id, r.period_id, r.amount) for r in rows] == [
        (1, ledger.period_id, Decimal(150)),
        (2, ledger.period_id, Decimal(150)),
    ]
    assert [e.amount for e in ledger.published(ev.ChargeRecorded)] == [Decimal("150.00")] * 2
    with pytest.raises(BadRequest, match=r"No open period of community .* covers 2026-01-05"):
        await ledger.do(fee.model_copy(update={"on_date": date(2026, 1, 5)}))
    with pytest.raises(BadRequest, match="owner_ids must not repeat"):
        await ledger.do(fee.model_copy(update={"owner_ids": [1, 1]}))


async def test_a_charge_needs_a_description(ledger: Any) -> None:
    await ledger.village()
    blank = c.RecordCharge(
        period_id=ledger.period_id, owner_id=1, amount=Decimal(5), description="  "
    )
    with pytest.raises(BadRequest, match="Charge description must not be empty"):
        await ledger.do(blank)
