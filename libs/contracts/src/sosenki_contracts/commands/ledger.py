"""Commands the ledger service accepts on ``ledger.commands.v1``.

They mirror the REST requests, so a command and a REST call are validated alike. A refused command
produces a ``ledger.command_rejected`` event carrying the ``command_id``.
"""

from __future__ import annotations

from datetime import date
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from sosenki_contracts.bounds import (
    Description,
    Id,
    Label,
    MeterValue,
    Name,
    PositiveAmount,
    Reason,
    RequiredDescription,
    Share,
    Tariff,
    Timezone,
    Username,
)
from sosenki_contracts.money import CurrencyCode
from sosenki_contracts.registry import command

_CONFIG = ConfigDict(extra="ignore", frozen=True)


@command("ledger.create_community", version=1)
class CreateCommunity(BaseModel):
    """A new community; whoever sends it (the command's actor) becomes its first treasurer."""

    model_config = _CONFIG

    name: Name
    base_currency: CurrencyCode = "RUB"
    timezone: Timezone = "Europe/Moscow"


@command("ledger.appoint_treasurer", version=1)
class AppointTreasurer(BaseModel):
    """A treasurer of the community appoints another user as treasurer."""

    model_config = _CONFIG

    community_id: Id
    user_id: Id


@command("ledger.create_period", version=1)
class CreatePeriod(BaseModel):
    model_config = _CONFIG

    community_id: Id
    name: Name
    start_date: date
    end_date: date
    description: Description | None = None


@command("ledger.record_contribution", version=1)
class RecordContribution(BaseModel):
    model_config = _CONFIG

    period_id: Id
    owner_id: Id
    amount: PositiveAmount
    comment: Description | None = None


@command("ledger.add_owner", version=1)
class AddOwner(BaseModel):
    model_config = _CONFIG

    community_id: Id
    user_id: Id
    display_name: Name
    username: Username | None = None
    ownership_share: Share


@command("ledger.close_period", version=1)
class ClosePeriod(BaseModel):
    model_config = _CONFIG

    period_id: Id


@command("ledger.reopen_period", version=1)
class ReopenPeriod(BaseModel):
    model_config = _CONFIG

    period_id: Id


@command("ledger.record_expense", version=1)
class RecordExpense(BaseModel):
    model_config = _CONFIG

    period_id: Id
    amount: PositiveAmount
    payment_type: Label
    paid_by_owner_id: Id | None = None
    vendor: Name | None = None
    description: Description | None = None
    #: PROPORTIONAL, FIXED_FEE, USAGE_BASED or NONE
    allocation_strategy: Label = "PROPORTIONAL"
    owner_ids: list[Id] | None = Field(default=None, max_length=10000)


@command("ledger.record_charge", version=1)
class RecordCharge(BaseModel):
    model_config = _CONFIG

    period_id: Id
    owner_id: Id
    amount: PositiveAmount
    description: RequiredDescription


@command("ledger.charge_owners", version=1)
class ChargeOwners(BaseModel):
    """Charge each owner (every active owner when ``owner_ids`` is None) the same amount, in the
    community's open period that covers ``on_date`` — what a monthly fee does."""

    model_config = _CONFIG

    community_id: Id
    on_date: date
    amount: PositiveAmount
    description: RequiredDescription
    owner_ids: list[Id] | None = Field(default=None, max_length=10000)


@command("ledger.reverse_entry", version=1)
class ReverseEntry(BaseModel):
    """Reverse a contribution, expense or charge (``entry``) of a period, with a reason."""

    model_config = _CONFIG

    entry: Literal["contribution", "expense", "charge"]
    period_id: Id
    entry_id: Id
    reason: Reason


@command("ledger.carry_forward", version=1)
class CarryForward(BaseModel):
    model_config = _CONFIG

    from_period_id: Id
    to_period_id: Id


@command("ledger.change_share", version=1)
class ChangeShare(BaseModel):
    model_config = _CONFIG

    community_id: Id
    owner_id: Id
    ownership_share: Share
    effective_from: date


@command("ledger.deactivate_owner", version=1)
class DeactivateOwner(BaseModel):
    model_config = _CONFIG

    community_id: Id
    owner_id: Id


@command("ledger.create_budget_item", version=1)
class CreateBudgetItem(BaseModel):
    model_config = _CONFIG

    period_id: Id
    category: Label
    planned_amount: PositiveAmount
    allocation_strategy: Label = "PROPORTIONAL"
    meter_type: Label | None = None
    description: Description | None = None


@command("ledger.apply_budget_item", version=1)
class ApplyBudgetItem(BaseModel):
    model_config = _CONFIG

    period_id: Id
    budget_item_id: Id


@command("ledger.register_meter", version=1)
class RegisterMeter(BaseModel):
    model_config = _CONFIG

    community_id: Id
    owner_id: Id
    meter_type: Label
    name: str | None = None
    tariff: Tariff | None = None


@command("ledger.record_meter_reading", version=1)
class RecordMeterReading(BaseModel):
    model_config = _CONFIG

    meter_id: Id
    reading_date: date
    value: MeterValue
    is_replacement: bool = False


@command("ledger.bill_usage", version=1)
class BillUsage(BaseModel):
    model_config = _CONFIG

    period_id: Id
    meter_type: Label


__all__ = [
    "AddOwner",
    "ApplyBudgetItem",
    "AppointTreasurer",
    "BillUsage",
    "CarryForward",
    "ChangeShare",
    "ChargeOwners",
    "ClosePeriod",
    "CreateBudgetItem",
    "CreateCommunity",
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
