"""Commands the ledger service accepts on ``ledger.commands.v1``.

They mirror the REST requests, so a command and a REST call are validated alike. A refused command
produces a ``ledger.command_rejected`` event carrying the ``command_id``.
"""

from __future__ import annotations

from datetime import date
from typing import Literal

from pydantic import BaseModel, ConfigDict

from sosenki_contracts.money import PositiveAmount
from sosenki_contracts.registry import command

_CONFIG = ConfigDict(extra="ignore", frozen=True)


@command("ledger.create_period", version=1)
class CreatePeriod(BaseModel):
    model_config = _CONFIG

    community_id: int
    name: str
    start_date: date
    end_date: date
    description: str | None = None


@command("ledger.record_contribution", version=1)
class RecordContribution(BaseModel):
    model_config = _CONFIG

    period_id: int
    owner_id: int
    amount: PositiveAmount
    comment: str | None = None


@command("ledger.add_owner", version=1)
class AddOwner(BaseModel):
    model_config = _CONFIG

    community_id: int
    user_id: int
    display_name: str
    username: str | None = None
    ownership_share: PositiveAmount


@command("ledger.close_period", version=1)
class ClosePeriod(BaseModel):
    model_config = _CONFIG

    period_id: int


@command("ledger.reopen_period", version=1)
class ReopenPeriod(BaseModel):
    model_config = _CONFIG

    period_id: int


@command("ledger.record_expense", version=1)
class RecordExpense(BaseModel):
    model_config = _CONFIG

    period_id: int
    amount: PositiveAmount
    payment_type: str
    paid_by_owner_id: int | None = None
    vendor: str | None = None
    description: str | None = None
    #: PROPORTIONAL, FIXED_FEE, USAGE_BASED or NONE
    allocation_strategy: str = "PROPORTIONAL"
    owner_ids: list[int] | None = None


@command("ledger.record_charge", version=1)
class RecordCharge(BaseModel):
    model_config = _CONFIG

    period_id: int
    owner_id: int
    amount: PositiveAmount
    description: str


@command("ledger.charge_owners", version=1)
class ChargeOwners(BaseModel):
    """Charge each owner (every active owner when ``owner_ids`` is None) the same amount, in the
    community's open period that covers ``on_date`` — what a monthly fee does."""

    model_config = _CONFIG

    community_id: int
    on_date: date
    amount: PositiveAmount
    description: str
    owner_ids: list[int] | None = None


@command("ledger.reverse_entry", version=1)
class ReverseEntry(BaseModel):
    """Reverse a contribution, expense or charge (``entry``) of a period, with a reason."""

    model_config = _CONFIG

    entry: Literal["contribution", "expense", "charge"]
    period_id: int
    entry_id: int
    reason: str


@command("ledger.carry_forward", version=1)
class CarryForward(BaseModel):
    model_config = _CONFIG

    from_period_id: int
    to_period_id: int


@command("ledger.change_share", version=1)
class ChangeShare(BaseModel):
    model_config = _CONFIG

    community_id: int
    owner_id: int
    ownership_share: PositiveAmount
    effective_from: date


@command("ledger.deactivate_owner", version=1)
class DeactivateOwner(BaseModel):
    model_config = _CONFIG

    community_id: int
    owner_id: int


@command("ledger.create_budget_item", version=1)
class CreateBudgetItem(BaseModel):
    model_config = _CONFIG

    period_id: int
    category: str
    planned_amount: PositiveAmount
    allocation_strategy: str = "PROPORTIONAL"
    meter_type: str | None = None
    description: str | None = None


@command("ledger.apply_budget_item", version=1)
class ApplyBudgetItem(BaseModel):
    model_config = _CONFIG

    period_id: int
    budget_item_id: int


@command("ledger.register_meter", version=1)
class RegisterMeter(BaseModel):
    model_config = _CONFIG

    community_id: int
    owner_id: int
    meter_type: str
    name: str | None = None
    tariff: PositiveAmount | None = None


@command("ledger.record_meter_reading", version=1)
class RecordMeterReading(BaseModel):
    model_config = _CONFIG

    meter_id: int
    reading_date: date
    value: PositiveAmount
    is_replacement: bool = False


@command("ledger.bill_usage", version=1)
class BillUsage(BaseModel):
    model_config = _CONFIG

    period_id: int
    meter_type: str


__all__ = [
    "AddOwner",
    "ApplyBudgetItem",
    "BillUsage",
    "CarryForward",
    "ChangeShare",
    "ChargeOwners",
    "ClosePeriod",
    "CreateBudgetItem",
    "CreatePeriod",
    "DeactivateOwner",
    "RecordCharge",
    "RecordContribution",
    "RecordExpense",
    "RecordMeterReading",
    "RegisterMeter",
    "ReopenPeriod",
    "ReverseEntry",
]
