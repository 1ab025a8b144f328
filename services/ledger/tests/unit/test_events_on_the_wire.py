"""Every event the use cases publish goes on the wire as its consumers read it: the envelope's type
and version come from the registry, and the JSON payload reads back into the same model (amounts
as strings with the currency's minor units, dates in ISO 8601)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

import pytest
from sosenki_contracts.commands import ledger as c
from sosenki_contracts.envelope import Actor
from sosenki_contracts.registry import event_payload_model
from sosenki_platform.use_case import envelope_of

pytestmark = pytest.mark.unit


async def test_a_month_s_events_read_back_from_their_envelopes(ledger: Any) -> None:
    await ledger.village()
    pid = ledger.period_id
    await ledger.do(c.RecordContribution(period_id=pid, owner_id=1, amount=Decimal("10.5")))
    await ledger.do(c.RecordExpense(period_id=pid, amount=Decimal(3), payment_type="Roads"))
    await ledger.do(c.RecordCharge(period_id=pid, owner_id=2, amount=Decimal(1), description="Fee"))
    meter = await ledger.do(
        c.RegisterMeter(community_id=ledger.community_id, owner_id=1, meter_type="gas")
    )
    await ledger.do(
        c.RecordMeterReading(meter_id=meter.id, reading_date=date(2025, 11, 2), value=Decimal(7))
    )
    await ledger.do(c.ClosePeriod(period_id=pid))
    december = await ledger.period(date(2025, 12, 1), date(2025, 12, 31))
    await ledger.do(c.CarryForward(from_period_id=pid, to_period_id=december))

    types = []
    for published in ledger.events.published:
        envelope = envelope_of(
            published.event,
            published.aggregate_id,
            producer="ledger",
            actor=Actor(kind="user", id="1"),
        )
        model = event_payload_model(envelope.event_type, envelope.event_version)
        assert model is type(published.event)
        assert model.model_validate(envelope.payload) == published.event
        assert envelope.aggregate_id == str(ledger.community_id)
        types.append(envelope.event_type)
    assert types[:3] == ["ledger.community_created", "ledger.owner_added", "ledger.owner_added"]
    assert "ledger.balances_carried_forward" in types
    contribution = next(
        p.event for p in ledger.events.published if type(p.event).__name__ == "ContributionRecorded"
    )
    wire = contribution.model_dump(mode="json")
    assert (wire["amount"], wire["currency"], wire["date"]) == (
        "10.50",
        "RUB",
        "2025-11-15T12:00:00Z",
    )
