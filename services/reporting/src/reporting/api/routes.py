"""Reporting's REST API: the same paths and shapes as the ledger's seed document, answered from
read models built from events, plus what only reporting answers: an owner's statement across
periods and the fund over time."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from pydantic import BaseModel, Field
from sosenki_contracts.bounds import MAX_INT32, Id
from sosenki_contracts.money import format_amount
from sosenki_platform.access_policy import CommunityData
from sosenki_platform.auth.dependency import CurrentPrincipal
from sosenki_platform.errors import BadRequest, NotFound
from sosenki_platform.service import Runtime
from sqlalchemy import Row, func, select

from reporting.adapters import tables as t
from reporting.adapters.read_models import ReadModels
from reporting.api.access import (
    require_community,
    require_owner_data,
    visible_communities,
    visible_period,
    whose_records,
)
from reporting.domain.balances import FundSummary, OwnerTotals, Statement
from reporting.domain.meters import METER_TYPES

router = APIRouter(prefix="/api/payments", tags=["reporting"])


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


class BalanceEntry(BaseModel):
    owner_id: int
    username: str | None
    total_contributions: str
    total_expenses: str
    total_charges: str
    total_paid_expenses: str
    balance: str


class BalanceSheet(BaseModel):
    period_id: int
    currency: str | None
    entries: list[BalanceEntry]
    total_period_balance: str


class OwnerBalance(BaseModel):
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


def _runtime(request: Request) -> Runtime:
    runtime: Runtime = request.app.state.runtime
    return runtime


def _period_out(row: Row[Any]) -> PeriodOut:
    return PeriodOut(
        id=row.period_id,
        community_id=row.community_id,
        name=row.name,
        start_date=row.start_date,
        end_date=row.end_date,
        status=row.status,
        description=row.description,
        closed_at=row.closed_at,
    )


def balance_entry(totals: OwnerTotals, currency: str) -> BalanceEntry:
    return BalanceEntry(
        owner_id=totals.owner_id,
        username=totals.username,
        total_contributions=format_amount(totals.total_contributions, currency),
        total_expenses=format_amount(totals.total_expenses, currency),
        total_charges=format_amount(totals.total_charges, currency),
        total_paid_expenses=format_amount(totals.total_paid_expenses, currency),
        balance=format_amount(totals.balance, currency),
    )


@router.get("/periods", response_model=PeriodList)
async def list_periods(
    request: Request,
    principal: CurrentPrincipal,
    status: str | None = None,
    community_id: Id | None = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
    offset: Annotated[int, Query(ge=0, le=MAX_INT32)] = 0,
) -> Any:
    query = select(t.periods)
    async with _runtime(request).db.session() as session:
        visible = await visible_communities(session, principal)
    if visible is not None:
        query = query.where(t.periods.c.community_id.in_(visible))
    if community_id is not None:
        query = query.where(t.periods.c.community_id == community_id)
    if status is not None:
        if status.upper() not in ("OPEN", "CLOSED"):
            raise BadRequest("status must be OPEN or CLOSED")
        query = query.where(t.periods.c.status == status.upper())
    async with _runtime(request).db.session() as session:
        total = await session.scalar(select(func.count()).select_from(query.subquery()))
        rows = (
            await session.execute(query.order_by(t.periods.c.period_id).limit(limit).offset(offset))
        ).all()
    return PeriodList(
        periods=[_period_out(r) for r in rows], total=int(total or 0), limit=limit, offset=offset
    )


@router.get("/periods/{period_id}", response_model=PeriodOut)
async def get_period(period_id: Id, request: Request, principal: CurrentPrincipal) -> Any:
    return _period_out(await visible_period(request, principal, period_id))


async def period_balance_sheet(request: Request, period: Row[Any]) -> tuple[str, BalanceSheet]:
    async with _runtime(request).db.session() as session:
        read = ReadModels(session)
        known_currency = await session.scalar(
            select(t.communities.c.base_currency).where(
                t.communities.c.community_id == period.community_id
            )
        )
        entries = await read.balance_sheet(period)
    currency = known_currency or "RUB"
    total = sum((e.balance for e in entries), Decimal(0))
    return currency, BalanceSheet(
        period_id=period.period_id,
        currency=known_currency,
        entries=[balance_entry(e, currency) for e in entries],
        total_period_balance=format_amount(total, currency),
    )


@router.get("/periods/{period_id}/balance-sheet", response_model=BalanceSheet)
async def balance_sheet(period_id: Id, request: Request, principal: CurrentPrincipal) -> Any:
    period = await visible_period(request, principal, period_id, CommunityData.BALANCE_SHEET)
    _, sheet = await period_balance_sheet(request, period)
    return sheet


@router.get("/periods/{period_id}/owner-balance/{owner_id}", response_model=OwnerBalance)
async def owner_balance(
    period_id: Id, owner_id: Id, request: Request, principal: CurrentPrincipal
) -> Any:
    period = await visible_period(request, principal, period_id)
    await require_owner_data(request, principal, period.community_id, owner_id, "Period not found")
    async with _runtime(request).db.session() as session:
        read = ReadModels(session)
        totals = await read.owner_totals(period_id, owner_id)
        known = owner_id in await read.owners(period.community_id)
        currency = await read.currency(period.community_id)
    if totals is None and not known:
        raise NotFound("Owner not found")
    entry = balance_entry(totals or OwnerTotals(owner_id), currency)
    return OwnerBalance(period_id=period_id, **entry.model_dump(exclude={"username"}))


def _fund_out(summary: FundSummary, currency: str) -> FundSummaryOut:
    return FundSummaryOut(
        period_id=summary.period.period_id,
        currency=currency,
        total_contributions=format_amount(summary.total_contributions, currency),
        total_fund_expenses=format_amount(summary.total_fund_expenses, currency),
        fund_balance=format_amount(summary.fund_balance, currency),
    )


@router.get("/periods/{period_id}/fund-summary", response_model=FundSummaryOut)
async def fund_summary(period_id: Id, request: Request, principal: CurrentPrincipal) -> Any:
    period = await visible_period(request, principal, period_id, CommunityData.FUND)
    async with _runtime(request).db.session() as session:
        read = ReadModels(session)
        (summary,) = await read.fund([period])
        currency = await read.currency(period.community_id)
    return _fund_out(summary, currency)


async def community_fund(request: Request, community_id: int) -> FundHistory:
    async with _runtime(request).db.session() as session:
        read = ReadModels(session)
        summaries = await read.fund(await read.periods_of(community_id))
        currency = await read.currency(community_id)
    running = Decimal(0)
    periods = []
    for s in summaries:
        running += s.fund_balance
        periods.append(
            FundPeriod(
                **_fund_out(s, currency).model_dump(),
                name=s.period.name,
                start_date=s.period.start_date,
                end_date=s.period.end_date,
                cumulative_fund_balance=format_amount(running, currency),
            )
        )
    return FundHistory(community_id=community_id, currency=currency, periods=periods)


@router.get("/communities/{community_id}/fund", response_model=FundHistory)
async def fund_over_time(community_id: Id, request: Request, principal: CurrentPrincipal) -> Any:
    await require_community(request, principal, community_id, CommunityData.FUND)
    return await community_fund(request, community_id)


def statement_out(community_id: int, s: Statement, currency: str) -> StatementOut:
    def money(amount: Decimal) -> str:
        return format_amount(amount, currency)

    return StatementOut(
        community_id=community_id,
        owner_id=s.owner_id,
        username=s.lines[0].totals.username if s.lines else None,
        currency=currency,
        periods=[
            StatementPeriod(
                period_id=line.period.period_id,
                name=line.period.name,
                start_date=line.period.start_date,
                end_date=line.period.end_date,
                status=line.period.status,
                carried_forward=line.period.carried_forward,
                opening_balance=money(line.totals.opening_balance),
                total_contributions=money(line.totals.total_contributions),
                total_expenses=money(line.totals.total_expenses),
                total_charges=money(line.totals.total_charges),
                total_paid_expenses=money(line.totals.total_paid_expenses),
                balance=money(line.totals.balance),
            )
            for line in s.lines
        ],
        current_balance=money(s.current_balance),
    )


async def owner_statement(request: Request, community_id: int, owner_id: int) -> StatementOut:
    async with _runtime(request).db.session() as session:
        read = ReadModels(session)
        known = owner_id in await read.owners(community_id)
        s = await read.statement(community_id, owner_id)
        currency = await read.currency(community_id)
    if not known:
        raise NotFound("Owner not found")
    return statement_out(community_id, s, currency)


@router.get("/communities/{community_id}/owners/{owner_id}/statement", response_model=StatementOut)
async def statement_across_periods(
    community_id: Id, owner_id: Id, request: Request, principal: CurrentPrincipal
) -> Any:
    await require_owner_data(request, principal, community_id, owner_id, "Community not found")
    return await owner_statement(request, community_id, owner_id)


@router.get("/periods/{period_id}/budget-vs-actual", response_model=BudgetVsActualOut)
async def budget_vs_actual(period_id: Id, request: Request, principal: CurrentPrincipal) -> Any:
    """Planned (budget items) against actually spent (expenses by payment type), per category."""
    period = await visible_period(request, principal, period_id)
    async with _runtime(request).db.session() as session:
        read = ReadModels(session)
        lines = await read.budget_vs_actual(period_id)
        currency = await read.currency(period.community_id)
    return BudgetVsActualOut(
        period_id=period_id,
        currency=currency,
        categories=[
            BudgetLineOut(
                category=category,
                planned=format_amount(planned, currency),
                actual=format_amount(actual, currency),
                remaining=format_amount(planned - actual, currency),
            )
            for category, planned, actual in lines
        ],
    )


def _decimal_text(value: Decimal) -> str:
    return format(value.normalize(), "f")


@router.get("/periods/{period_id}/consumption", response_model=ConsumptionOut)
async def period_consumption(
    period_id: Id,
    request: Request,
    principal: CurrentPrincipal,
    meter_type: Annotated[str | None, Query(description="electricity, water or gas")] = None,
) -> Any:
    """Each of the community's meters and its consumption in the period, from the readings."""
    if meter_type is not None and meter_type not in METER_TYPES:
        raise BadRequest(f"meter_type must be one of {', '.join(METER_TYPES)}")
    period = await visible_period(request, principal, period_id)
    whose = await whose_records(request, principal, period.community_id)
    async with _runtime(request).db.session() as session:
        used = await ReadModels(session).consumption(period, meter_type)
    used = [(m, c) for m, c in used if whose is None or m.owner_id == whose]
    return ConsumptionOut(
        period_id=period_id,
        meters=[
            MeterConsumptionOut(
                meter_id=m.meter_id,
                owner_id=m.owner_id,
                meter_type=m.meter_type,
                consumption=_decimal_text(c),
            )
            for m, c in used
        ],
    )
