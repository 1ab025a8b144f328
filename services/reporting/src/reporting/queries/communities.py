"""A community's questions, answered from read models built from the ledger's events: the same
paths and shapes as the ledger's seed document, plus what only reporting answers (an owner's
statement across periods and the fund over time). Each query checks who may see it first."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from sosenki_contracts.balances import OwnerTotals
from sosenki_contracts.error_codes import ErrorCode
from sosenki_contracts.money import format_amount
from sosenki_contracts.views.ledger import (
    BalanceEntryOut,
    BalanceSheetOut,
    BudgetLineOut,
    BudgetVsActualOut,
    ConsumptionOut,
    FundSummaryOut,
    MeterConsumptionOut,
    OwnerBalanceOut,
    PeriodList,
    PeriodOut,
)
from sosenki_platform.access_policy import CommunityData
from sosenki_platform.auth import Principal
from sosenki_platform.errors import BadRequest, NotFound
from sqlalchemy import Row
from sqlalchemy.ext.asyncio import AsyncSession

from reporting.adapters.read_models import ReadModels
from reporting.domain.balances import FundSummary, Statement
from reporting.domain.meters import METER_TYPES
from reporting.queries.access import (
    require_community,
    require_owner_data,
    visible_communities,
    visible_period,
    whose_records,
)
from reporting.views import FundHistory, FundPeriod, StatementOut, StatementPeriod


async def currency_of(read: ReadModels, community_id: int) -> str:
    """The community's base currency. Access checks have found the community already, so it is
    known; a community reporting has not heard of is not found, never given a made-up currency."""
    currency = await read.currency(community_id)
    if currency is None:
        raise NotFound("Community not found", ErrorCode.COMMUNITY_NOT_FOUND)
    return currency


def period_out(row: Row[Any]) -> PeriodOut:
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


def balance_entry(totals: OwnerTotals, currency: str) -> BalanceEntryOut:
    return BalanceEntryOut(
        owner_id=totals.owner_id,
        username=totals.username,
        total_contributions=format_amount(totals.total_contributions, currency),
        total_expenses=format_amount(totals.total_expenses, currency),
        total_charges=format_amount(totals.total_charges, currency),
        total_paid_expenses=format_amount(totals.total_paid_expenses, currency),
        balance=format_amount(totals.balance, currency),
    )


async def list_periods(
    session: AsyncSession,
    principal: Principal,
    status: str | None,
    community_id: int | None,
    limit: int,
    offset: int,
) -> PeriodList:
    if status is not None and status.upper() not in ("OPEN", "CLOSED"):
        raise BadRequest("status must be OPEN or CLOSED")
    visible = await visible_communities(session, principal)
    total, rows = await ReadModels(session).periods_page(
        visible, community_id, status.upper() if status else None, limit, offset
    )
    return PeriodList(
        periods=[period_out(r) for r in rows], total=total, limit=limit, offset=offset
    )


async def get_period(session: AsyncSession, principal: Principal, period_id: int) -> PeriodOut:
    return period_out(await visible_period(session, principal, period_id))


async def named_balance_sheet(
    session: AsyncSession, principal: Principal, period_id: int
) -> tuple[str, BalanceSheetOut]:
    """(the period's name, its balance sheet): every owner, and anyone with entries."""
    period = await visible_period(session, principal, period_id, CommunityData.BALANCE_SHEET)
    read = ReadModels(session)
    currency = await currency_of(read, period.community_id)
    entries = await read.balance_sheet(period)
    total = sum((e.balance for e in entries), Decimal(0))
    return period.name, BalanceSheetOut(
        period_id=period.period_id,
        currency=currency,
        entries=[balance_entry(e, currency) for e in entries],
        total_period_balance=format_amount(total, currency),
    )


async def owner_balance(
    session: AsyncSession, principal: Principal, period_id: int, owner_id: int
) -> OwnerBalanceOut:
    period = await visible_period(session, principal, period_id)
    await require_owner_data(session, principal, period.community_id, owner_id, "Period not found")
    read = ReadModels(session)
    totals = await read.owner_totals(period_id, owner_id)
    if totals is None and owner_id not in await read.owners(period.community_id):
        raise NotFound("Owner not found", ErrorCode.OWNER_NOT_FOUND)
    entry = balance_entry(
        totals or OwnerTotals(owner_id), await currency_of(read, period.community_id)
    )
    return OwnerBalanceOut(period_id=period_id, **entry.model_dump(exclude={"username"}))


def _fund_out(summary: FundSummary, currency: str) -> FundSummaryOut:
    return FundSummaryOut(
        period_id=summary.period.period_id,
        currency=currency,
        total_contributions=format_amount(summary.total_contributions, currency),
        total_fund_expenses=format_amount(summary.total_fund_expenses, currency),
        fund_balance=format_amount(summary.fund_balance, currency),
    )


async def fund_summary(
    session: AsyncSession, principal: Principal, period_id: int
) -> FundSummaryOut:
    period = await visible_period(session, principal, period_id, CommunityData.FUND)
    read = ReadModels(session)
    (summary,) = await read.fund([period])
    return _fund_out(summary, await currency_of(read, period.community_id))


async def fund_history(
    session: AsyncSession, principal: Principal, community_id: int
) -> FundHistory:
    """The fund period by period, with the running total."""
    await require_community(session, principal, community_id, CommunityData.FUND)
    read = ReadModels(session)
    summaries = await read.fund(await read.periods_of(community_id))
    currency = await currency_of(read, community_id)
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


async def owner_statement(
    session: AsyncSession, principal: Principal, community_id: int, owner_id: int
) -> StatementOut:
    """One owner's balances period by period: their own, or anyone's for treasurers."""
    await require_owner_data(session, principal, community_id, owner_id, "Community not found")
    read = ReadModels(session)
    if owner_id not in await read.owners(community_id):
        raise NotFound("Owner not found", ErrorCode.OWNER_NOT_FOUND)
    s = await read.statement(community_id, owner_id)
    return statement_out(community_id, s, await currency_of(read, community_id))


async def budget_vs_actual(
    session: AsyncSession, principal: Principal, period_id: int
) -> BudgetVsActualOut:
    """Planned (budget items) against actually spent (expenses by payment type), per category."""
    period = await visible_period(session, principal, period_id)
    read = ReadModels(session)
    lines = await read.budget_vs_actual(period_id)
    currency = await currency_of(read, period.community_id)
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


async def consumption(
    session: AsyncSession, principal: Principal, period_id: int, meter_type: str | None
) -> ConsumptionOut:
    """Each of the community's meters (an owner: their own) and its consumption in the period."""
    if meter_type is not None and meter_type not in METER_TYPES:
        raise BadRequest(f"meter_type must be one of {', '.join(METER_TYPES)}")
    period = await visible_period(session, principal, period_id)
    whose = await whose_records(session, principal, period.community_id)
    used = await ReadModels(session).consumption(period, meter_type)
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
            if whose is None or m.owner_id == whose
        ],
    )
