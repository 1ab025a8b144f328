"""Request and response bodies of the ledger's REST API (shapes from the seed document)."""

from __future__ import annotations

from datetime import date, datetime

from pydantic import BaseModel, ConfigDict, Field
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

from ledger.domain.allocation import AllocationStrategy
from ledger.domain.meters import MeterType


class Body(BaseModel):
    model_config = ConfigDict(extra="forbid")


class CommunityIn(Body):
    name: Name
    base_currency: CurrencyCode = "RUB"
    timezone: Timezone = "Europe/Moscow"


class CommunityOut(BaseModel):
    id: int
    name: str
    base_currency: str
    timezone: str
    my_role: str | None = Field(
        default=None, description="The caller's role here: treasurer, owner, or admin/service"
    )
    owners_see_balance_sheet: bool = Field(
        default=True, description="Whether owners (not only treasurers) see the balance sheet"
    )


class CommunitySettingsIn(Body):
    owners_see_balance_sheet: bool = Field(
        description="Whether owners (not only treasurers) see the balance sheet"
    )


class MembershipOut(BaseModel):
    community_id: int
    role: str = Field(description="treasurer or owner")
    active: bool = Field(description="False for a deactivated owner")


class UserMembershipsOut(BaseModel):
    user_id: int
    memberships: list[MembershipOut]


class OwnerIn(Body):
    user_id: Id
    display_name: Name
    username: Username | None = None
    ownership_share: Share


class ShareChangeIn(Body):
    ownership_share: Share
    effective_from: date = Field(description="Expenses dated from this day on use the new share")


class TreasurerIn(Body):
    user_id: Id


class ScheduledShareOut(BaseModel):
    effective_from: date
    ownership_share: str


class OwnerOut(BaseModel):
    owner_id: int
    user_id: int
    display_name: str
    username: str | None
    ownership_share: str = Field(description="The share in force today")
    active: bool
    scheduled_shares: list[ScheduledShareOut] = Field(
        default_factory=list, description="Share changes dated after today, earliest first"
    )


class PeriodIn(Body):
    community_id: Id | None = Field(
        default=None, description="Required unless the token is scoped to exactly one community"
    )
    name: Name
    start_date: date
    end_date: date
    description: Description | None = None


class PeriodOut(BaseModel):
    id: int
    community_id: int
    name: str
    start_date: date
    end_date: date
    status: str
    description: str | None
    closed_at: datetime | None


class PeriodList(BaseModel):
    periods: list[PeriodOut]
    total: int
    limit: int
    offset: int


class PeriodClosedOut(BaseModel):
    id: int
    status: str
    closed_at: datetime | None


class ContributionIn(Body):
    user_id: Id
    amount: Amount
    comment: Description | None = None


class EntryFacts(BaseModel):
    """What every posted entry says about itself: how it came to be."""

    kind: str = Field(description="regular, opening (carried forward) or reversal")
    reverses_id: int | None = None
    reason: str | None = None


class ContributionOut(EntryFacts):
    id: int
    service_period_id: int
    user_id: int
    amount: str
    currency: str
    date: datetime
    comment: str | None


class ReversalIn(Body):
    reason: Reason


class ExpenseIn(Body):
    paid_by_user_id: Id | None = None
    amount: Amount
    payment_type: Label
    vendor: Name | None = None
    description: Description | None = None
    allocation_strategy: AllocationStrategy = AllocationStrategy.PROPORTIONAL
    owner_ids: list[Id] | None = Field(
        default=None, description="Allocate among these owners only (default: all active owners)"
    )
    date: datetime | None = Field(
        default=None, description="When it was spent (default: now); shares valid then apply"
    )
    meter_type: MeterType | None = Field(
        default=None, description="For USAGE_BASED: whose consumption of which meter type"
    )


class AllocationLineOut(BaseModel):
    owner_id: int
    amount: str


class ExpenseOut(EntryFacts):
    id: int
    service_period_id: int
    paid_by_user_id: int | None
    amount: str
    currency: str
    payment_type: str
    date: datetime
    vendor: str | None
    description: str | None
    allocation_strategy: str
    allocations: list[AllocationLineOut]


class ChargeIn(Body):
    user_id: Id
    amount: Amount
    description: RequiredDescription


class ChargeOwnersIn(Body):
    on_date: date = Field(description="The charge goes into the open period covering this day")
    amount: Amount
    description: RequiredDescription
    owner_ids: list[Id] | None = Field(default=None, description="Default: every active owner")


class ChargeOut(EntryFacts):
    id: int
    service_period_id: int
    user_id: int
    amount: str
    currency: str
    description: str
    date: datetime


class BalanceEntryOut(BaseModel):
    owner_id: int
    username: str | None
    total_contributions: str
    total_expenses: str
    total_charges: str
    total_paid_expenses: str
    balance: str


class BalanceSheetOut(BaseModel):
    period_id: int
    currency: str
    entries: list[BalanceEntryOut]
    total_period_balance: str


class OwnerBalanceOut(BaseModel):
    owner_id: int
    period_id: int
    total_contributions: str
    total_expenses: str
    total_charges: str
    total_paid_expenses: str
    balance: str


class FundSummaryOut(BaseModel):
    period_id: int
    currency: str
    total_contributions: str = Field(
        description="Contributions paid in, net of reversals (opening balances excluded)"
    )
    total_fund_expenses: str = Field(description="Expenses paid from the community fund")
    fund_balance: str


class CarryForwardIn(Body):
    from_period_id: Id
    to_period_id: Id


class CarryForwardOut(BaseModel):
    from_period_id: int
    to_period_id: int
    carried_forward_owners: dict[str, str]
    total_carried: str
    message: str


class OpeningContributionOut(BaseModel):
    id: int
    user_id: int
    amount: str
    date: datetime
    comment: str | None


class OpeningChargeOut(BaseModel):
    id: int
    user_id: int
    amount: str
    description: str


class OpeningTransactionsOut(BaseModel):
    period_id: int
    opening_contributions: list[OpeningContributionOut]
    opening_charges: list[OpeningChargeOut]
    total_opening_contributions: str
    total_opening_charges: str


class MeterIn(Body):
    owner_id: Id
    meter_type: MeterType
    name: Name | None = None
    tariff: Tariff | None = Field(default=None, description="Price per unit, to bill usage")


class MeterOut(BaseModel):
    id: int
    community_id: int
    owner_id: int
    meter_type: str
    name: str | None
    tariff: str | None


class ReadingIn(Body):
    reading_date: date
    value: MeterValue
    is_replacement: bool = False


class ReadingOut(BaseModel):
    id: int
    meter_id: int
    reading_date: date
    value: str
    is_replacement: bool


class MeterConsumptionOut(BaseModel):
    meter_id: int
    owner_id: int
    meter_type: str
    consumption: str


class ConsumptionOut(BaseModel):
    period_id: int
    meters: list[MeterConsumptionOut]


class UsageBillingIn(Body):
    meter_type: MeterType


class BudgetItemIn(Body):
    category: Label = Field(description="Matches expenses' payment_type")
    planned_amount: Amount
    allocation_strategy: AllocationStrategy = AllocationStrategy.PROPORTIONAL
    meter_type: MeterType | None = None
    description: Description | None = None


class BudgetItemOut(BaseModel):
    id: int
    service_period_id: int
    category: str
    planned_amount: str
    currency: str
    allocation_strategy: str
    meter_type: str | None
    description: str | None
    applied_at: datetime | None


class BudgetLineOut(BaseModel):
    category: str
    planned: str
    actual: str
    remaining: str


class BudgetVsActualOut(BaseModel):
    period_id: int
    currency: str
    categories: list[BudgetLineOut]
