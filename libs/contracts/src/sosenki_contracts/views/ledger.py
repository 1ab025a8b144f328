"""The ledger's read shapes (the seed document's), answered by the ledger and by reporting."""

from __future__ import annotations

from datetime import date, datetime

from pydantic import BaseModel, Field


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


class BudgetLineOut(BaseModel):
    category: str
    planned: str
    actual: str
    remaining: str


class BudgetVsActualOut(BaseModel):
    period_id: int
    currency: str
    categories: list[BudgetLineOut]


class MeterConsumptionOut(BaseModel):
    meter_id: int
    owner_id: int
    meter_type: str
    consumption: str


class ConsumptionOut(BaseModel):
    period_id: int
    meters: list[MeterConsumptionOut]
