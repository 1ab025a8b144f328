"""Commands the ledger service accepts on ``ledger.commands.v1``.

One model per write: the ledger's REST bodies are these models (or subclass their ``…Fields``
base, the body of a route whose ids are in its path), and both transports call the same use case,
so a command and a REST call are validated alike. A refused command produces a
``ledger.command_rejected`` event carrying the ``command_id``.

Amounts are of any sign on the wire: the use case refuses one of 0 or below with the seed
contract's message ("Contribution amount must be positive"), so a command gets the same refusal
(a rejection event) as a REST call, never a silent dead letter. Where REST keeps a stricter type
for its documentation (the enums of ``allocation_strategy``/``meter_type``, which a command
carries as a label and the use case refuses with a 400 naming the field), the use case applies
the same rule to both.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from sosenki_contracts.bank_details import BankDetailsInput
from sosenki_contracts.bounds import (
    Amount,
    Description,
    Id,
    Label,
    MeterValue,
    Name,
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


class TreasurerFields(BaseModel):
    model_config = _CONFIG

    user_id: Id


@command("ledger.appoint_treasurer", version=1)
class AppointTreasurer(TreasurerFields):
    """A treasurer of the community appoints another user as treasurer."""

    community_id: Id


class CommunitySettingsFields(BaseModel):
    """Only what is given changes; an empty change is refused (400)."""

    model_config = _CONFIG

    owners_see_balance_sheet: bool | None = Field(
        default=None,
        description="Whether owners (not only treasurers) see the balance sheet; "
        "unchanged when absent",
    )
    bank_details: BankDetailsInput | None = Field(
        default=None,
        description="Where owners pay (statements and the payment QR show them); unchanged "
        "when absent; every check digit verified (sosenki_contracts.bank_details)",
    )
    remove_bank_details: bool = Field(
        default=False, description="Remove the bank details (not together with bank_details)"
    )


@command("ledger.change_community_settings", version=1)
class ChangeCommunitySettings(CommunitySettingsFields):
    """A treasurer decides what owners see and where they pay."""

    community_id: Id


class PeriodFields(BaseModel):
    model_config = _CONFIG

    name: Name
    start_date: date
    end_date: date
    description: Description | None = None


@command("ledger.create_period", version=1)
class CreatePeriod(PeriodFields):
    community_id: Id


@command("ledger.record_contribution", version=1)
class RecordContribution(BaseModel):
    model_config = _CONFIG

    period_id: Id
    owner_id: Id
    amount: Amount
    comment: Description | None = None


class OwnerFields(BaseModel):
    model_config = _CONFIG

    user_id: Id
    display_name: Name
    username: Username | None = None
    ownership_share: Share


@command("ledger.add_owner", version=1)
class AddOwner(OwnerFields):
    community_id: Id


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
    amount: Amount
    payment_type: Label
    paid_by_owner_id: Id | None = None
    vendor: Name | None = None
    description: Description | None = None
    #: PROPORTIONAL, FIXED_FEE, USAGE_BASED or NONE
    allocation_strategy: Label = "PROPORTIONAL"
    owner_ids: list[Id] | None = Field(
        default=None,
        max_length=10000,
        description="Allocate among these owners only (default: all active owners)",
    )
    date: datetime | None = Field(
        default=None, description="When it was spent (default: now); shares valid then apply"
    )
    #: electricity, water or gas: for USAGE_BASED, whose consumption of which meter type
    meter_type: Label | None = None


@command("ledger.record_charge", version=1)
class RecordCharge(BaseModel):
    model_config = _CONFIG

    period_id: Id
    owner_id: Id
    amount: Amount
    description: RequiredDescription


@command("ledger.charge_owners", version=1)
class ChargeOwners(BaseModel):
    """Charge each owner (every active owner when ``owner_ids`` is None) the same amount, in the
    community's open period that covers ``on_date`` — what a monthly fee does."""

    model_config = _CONFIG

    community_id: Id
    on_date: date
    amount: Amount
    description: RequiredDescription
    owner_ids: list[Id] | None = Field(default=None, max_length=10000)


class ReversalFields(BaseModel):
    model_config = _CONFIG

    reason: Reason


@command("ledger.reverse_entry", version=1)
class ReverseEntry(ReversalFields):
    """Reverse a contribution, expense or charge (``entry``) of a period, with a reason."""

    entry: Literal["contribution", "expense", "charge"]
    period_id: Id
    entry_id: Id


@command("ledger.carry_forward", version=1)
class CarryForward(BaseModel):
    model_config = _CONFIG

    from_period_id: Id
    to_period_id: Id


class ShareFields(BaseModel):
    model_config = _CONFIG

    ownership_share: Share
    effective_from: date = Field(description="Expenses dated from this day on use the new share")


@command("ledger.change_share", version=1)
class ChangeShare(ShareFields):
    community_id: Id
    owner_id: Id


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
    planned_amount: Amount
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
    name: Name | None = None
    tariff: Tariff | None = Field(default=None, description="Price per unit, to bill usage")


class ReadingFields(BaseModel):
    model_config = _CONFIG

    reading_date: date
    value: MeterValue
    is_replacement: bool = False


@command("ledger.record_meter_reading", version=1)
class RecordMeterReading(ReadingFields):
    """A reading of 0 is a reading (a new meter); REST and commands accept it alike."""

    meter_id: Id


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
    "ChangeCommunitySettings",
    "ChangeShare",
    "ChargeOwners",
    "ClosePeriod",
    "CommunitySettingsFields",
    "CreateBudgetItem",
    "CreateCommunity",
    "CreatePeriod",
    "DeactivateOwner",
    "OwnerFields",
    "PeriodFields",
    "ReadingFields",
    "RecordCharge",
    "RecordContribution",
    "RecordExpense",
    "RecordMeterReading",
    "RegisterMeter",
    "ReopenPeriod",
    "ReversalFields",
    "ReverseEntry",
    "ShareFields",
    "TreasurerFields",
]
