"""Request bodies of the ledger's REST API: the command models of
``sosenki_contracts.commands.ledger`` (or their ``…Fields`` base, where the ids are in the path)
with unknown fields refused, so REST and Kafka validate alike. Responses are ``ledger.views``.

Where a body still differs from its command (the seed document's field names ``user_id`` and
``paid_by_user_id`` and enums for the documentation) ``tests/unit/test_one_model_per_write``
pins the difference, and the use case applies the same rule to both transports.
"""

from __future__ import annotations

from datetime import date, datetime

from pydantic import BaseModel, ConfigDict, Field
from sosenki_contracts.bounds import (
    Amount,
    Description,
    Id,
    Label,
    Name,
    RequiredDescription,
    Tariff,
)
from sosenki_contracts.commands import ledger as c

from ledger.domain.allocation import AllocationStrategy
from ledger.domain.meters import MeterType

_IN = ConfigDict(extra="forbid", frozen=True)


class CommunityIn(c.CreateCommunity):
    model_config = _IN


class CommunitySettingsIn(c.CommunitySettingsFields):
    model_config = _IN


class OwnerIn(c.OwnerFields):
    model_config = _IN


class ShareChangeIn(c.ShareFields):
    model_config = _IN


class TreasurerIn(c.TreasurerFields):
    model_config = _IN


class PeriodIn(c.PeriodFields):
    model_config = _IN

    community_id: Id | None = Field(
        default=None, description="Required unless the token is scoped to exactly one community"
    )


class CarryForwardIn(c.CarryForward):
    model_config = _IN


class ReversalIn(c.ReversalFields):
    model_config = _IN


class ReadingIn(c.ReadingFields):
    model_config = _IN


class ContributionIn(BaseModel):
    model_config = _IN

    user_id: Id
    amount: Amount
    comment: Description | None = None


class ExpenseIn(BaseModel):
    model_config = _IN

    paid_by_user_id: Id | None = None
    amount: Amount
    payment_type: Label
    vendor: Name | None = None
    description: Description | None = None
    allocation_strategy: AllocationStrategy = AllocationStrategy.PROPORTIONAL
    owner_ids: list[Id] | None = Field(
        default=None,
        max_length=10000,
        description="Allocate among these owners only (default: all active owners)",
    )
    date: datetime | None = Field(
        default=None, description="When it was spent (default: now); shares valid then apply"
    )
    meter_type: MeterType | None = Field(
        default=None, description="For USAGE_BASED: whose consumption of which meter type"
    )


class ChargeIn(BaseModel):
    model_config = _IN

    user_id: Id
    amount: Amount
    description: RequiredDescription


class ChargeOwnersIn(BaseModel):
    model_config = _IN

    on_date: date = Field(description="The charge goes into the open period covering this day")
    amount: Amount
    description: RequiredDescription
    owner_ids: list[Id] | None = Field(
        default=None, max_length=10000, description="Default: every active owner"
    )


class MeterIn(BaseModel):
    model_config = _IN

    owner_id: Id
    meter_type: MeterType
    name: Name | None = None
    tariff: Tariff | None = Field(default=None, description="Price per unit, to bill usage")


class UsageBillingIn(BaseModel):
    model_config = _IN

    meter_type: MeterType


class BudgetItemIn(BaseModel):
    model_config = _IN

    category: Label = Field(description="Matches expenses' payment_type")
    planned_amount: Amount
    allocation_strategy: AllocationStrategy = AllocationStrategy.PROPORTIONAL
    meter_type: MeterType | None = None
    description: Description | None = None
