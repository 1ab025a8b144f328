"""What the ledger's reads and writes answer: typed views (the REST responses, in the seed
document's shapes), built from rows by ``queries/shapes.py``."""

from __future__ import annotations

from datetime import date, datetime

from pydantic import BaseModel, Field
from sosenki_contracts.bank_details import BankDetailsFields

# The shapes reporting serves as well: defined once, in the contracts.
from sosenki_contracts.views.ledger import (
    BalanceEntryOut as BalanceEntryOut,
    BalanceSheetOut as BalanceSheetOut,
    BudgetLineOut as BudgetLineOut,
    BudgetVsActualOut as BudgetVsActualOut,
    ConsumptionOut as ConsumptionOut,
    FundSummaryOut as FundSummaryOut,
    MeterConsumptionOut as MeterConsumptionOut,
    OwnerBalanceOut as OwnerBalanceOut,
    PeriodList as PeriodList,
    PeriodOut as PeriodOut,
)


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
    bank_details: BankDetailsFields | None = Field(
        default=None, description="Where owners pay; none until a treasurer sets them"
    )


class MembershipOut(BaseModel):
    community_id: int
    role: str = Field(description="treasurer or owner")
    active: bool = Field(description="False for a deactivated owner")


class UserMembershipsOut(BaseModel):
    user_id: int
    memberships: list[MembershipOut]


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


class PeriodClosedOut(BaseModel):
    id: int
    status: str
    closed_at: datetime | None


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


class ChargeOut(EntryFacts):
    id: int
    service_period_id: int
    user_id: int
    amount: str
    currency: str
    description: str
    date: datetime


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


class MeterOut(BaseModel):
    id: int
    community_id: int
    owner_id: int
    meter_type: str
    name: str | None
    tariff: str | None


class ReadingOut(BaseModel):
    id: int
    meter_id: int
    reading_date: date
    value: str
    is_replacement: bool


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
