"""Response shapes only reporting answers with. The shapes it shares with the ledger and splits
(balance sheets, owner balances, group balance summaries, ...) are in
``sosenki_contracts.views``."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from pydantic import BaseModel, Field
from sosenki_contracts.views.ledger import FundSummaryOut
from sosenki_contracts.views.splits import SuggestedSettlementOut


class FundPeriod(FundSummaryOut):
    name: str
    start_date: date
    end_date: date
    cumulative_fund_balance: str = Field(
        description="The fund balance of this and every earlier period"
    )


class FundHistory(BaseModel):
    community_id: int
    currency: str
    periods: list[FundPeriod]


class StatementPeriod(BaseModel):
    period_id: int
    name: str
    start_date: date
    end_date: date
    status: str
    carried_forward: bool = Field(description="Its balance has moved into the next period")
    opening_balance: str = Field(description="Carried forward from the previous period")
    total_contributions: str
    total_expenses: str
    total_charges: str
    total_paid_expenses: str
    balance: str


class StatementOut(BaseModel):
    community_id: int
    owner_id: int
    username: str | None
    currency: str
    periods: list[StatementPeriod]
    current_balance: str = Field(
        description="What the owner stands at: the balances of the periods not carried forward "
        "(the latest one, and any earlier one whose balance has not moved on yet)"
    )


class GroupPositionOut(BaseModel):
    group_id: int
    group_name: str
    currency: str
    net_balance: str = Field(description="Positive: the group owes the user")
    settle_up: list[SuggestedSettlementOut] = Field(
        description="The transfers of the group's settle-up plan that the user makes or gets"
    )


class CurrencyTotalOut(BaseModel):
    currency: str
    net_balance: str


class NetPositionOut(BaseModel):
    user_id: int
    groups: list[GroupPositionOut]
    totals: list[CurrencyTotalOut] = Field(
        description="Net balance per currency over all the user's groups"
    )


class ActorOut(BaseModel):
    kind: str
    id: str
    name: str | None


class AuditEntryOut(BaseModel):
    entry_id: int
    chain: str
    seq: int
    community_id: int | None
    group_id: int | None
    event_id: str
    event_type: str
    event_version: int
    occurred_at: datetime
    actor: ActorOut = Field(description="Who did it")
    payload: dict[str, Any] = Field(description="What happened (amounts as strings)")
    before: dict[str, Any] | None
    after: dict[str, Any] | None
    reason: str | None = Field(description="Why, for reversals and other corrections")
    prev_hash: str
    hash: str


class AuditPage(BaseModel):
    entries: list[AuditEntryOut]
    total: int
    limit: int
    offset: int


class BrokenEntry(BaseModel):
    entry_id: int | None
    seq: int | None
    event_id: str | None
    problem: str


class VerifyOut(BaseModel):
    chain: str
    ok: bool
    entries_checked: int
    first_broken: BrokenEntry | None


class HeadOut(BaseModel):
    chain: str
    seq: int = Field(description="How many entries the chain has")
    hash: str
    entry_id: int | None
    event_id: str | None
    event_type: str | None
    occurred_at: datetime | None
