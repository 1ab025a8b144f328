"""Every ledger command has its use case, every REST write its command, and a REST body validates
its fields as the command does (the differences are listed here, and each has a reason)."""

from __future__ import annotations

from typing import Any

import pytest
from ledger.api import schemas as s
from ledger.commands import HANDLERS
from pydantic import BaseModel
from sosenki_contracts.commands import ledger as c
from sosenki_contracts.registry import all_commands

pytestmark = pytest.mark.unit


def test_every_ledger_command_has_a_use_case() -> None:
    ledger_commands = {m for (name, _), m in all_commands().items() if name.startswith("ledger.")}
    assert ledger_commands == set(HANDLERS)


#: REST body -> (command, {body field: command field}); fields absent from the body are in the path.
BODIES: dict[type[BaseModel], tuple[type[BaseModel], dict[str, str]]] = {
    s.CommunityIn: (c.CreateCommunity, {}),
    s.CommunitySettingsIn: (c.ChangeCommunitySettings, {}),
    s.TreasurerIn: (c.AppointTreasurer, {}),
    s.OwnerIn: (c.AddOwner, {}),
    s.ShareChangeIn: (c.ChangeShare, {}),
    s.PeriodIn: (c.CreatePeriod, {}),
    s.CarryForwardIn: (c.CarryForward, {}),
    s.ReversalIn: (c.ReverseEntry, {}),
    s.ReadingIn: (c.RecordMeterReading, {}),
    s.ContributionIn: (c.RecordContribution, {"user_id": "owner_id"}),
    s.ChargeIn: (c.RecordCharge, {"user_id": "owner_id"}),
    s.ChargeOwnersIn: (c.ChargeOwners, {}),
    s.ExpenseIn: (c.RecordExpense, {"paid_by_user_id": "paid_by_owner_id"}),
    s.BudgetItemIn: (c.CreateBudgetItem, {}),
    s.MeterIn: (c.RegisterMeter, {}),
    s.UsageBillingIn: (c.BillUsage, {}),
}

#: Where a body's field is validated differently, and why.
DIFFERENT = {
    # Enums in REST (documented in OpenAPI); a command's label is refused by the use case with
    # a 400 naming the field (``use_cases.access.choice``).
    (s.ExpenseIn, "allocation_strategy"),
    (s.ExpenseIn, "meter_type"),
    (s.BudgetItemIn, "allocation_strategy"),
    (s.BudgetItemIn, "meter_type"),
    (s.MeterIn, "meter_type"),
    (s.UsageBillingIn, "meter_type"),
    # Optional in REST: a token scoped to one community names it.
    (s.PeriodIn, "community_id"),
}


def _rule(field: Any) -> tuple[Any, ...]:
    return (field.annotation, tuple(map(repr, field.metadata)), field.is_required())


@pytest.mark.parametrize("body", list(BODIES), ids=lambda b: b.__name__)
def test_a_rest_body_validates_like_its_command(body: type[BaseModel]) -> None:
    command, renamed = BODIES[body]
    assert body.model_config.get("extra") == "forbid"
    for name, field in body.model_fields.items():
        target = command.model_fields[renamed.get(name, name)]
        if (body, name) in DIFFERENT:
            assert _rule(field) != _rule(target), f"{body.__name__}.{name} is the same now"
            continue
        assert _rule(field) == _rule(target), f"{body.__name__}.{name} drifted from {command}"
