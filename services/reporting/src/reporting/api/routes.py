"""Reporting's REST API for communities: the same paths and shapes as the ledger's seed document,
answered from read models built from events (``reporting.queries.communities``)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query
from sosenki_contracts.bounds import MAX_INT32, Id
from sosenki_contracts.views.ledger import (
    BalanceSheetOut,
    BudgetVsActualOut,
    ConsumptionOut,
    FundSummaryOut,
    OwnerBalanceOut,
    PeriodList,
    PeriodOut,
)
from sosenki_platform.auth.dependency import CurrentPrincipal
from sosenki_platform.requests import ReadSession

from reporting.queries import communities as q
from reporting.views import FundHistory, StatementOut

router = APIRouter(prefix="/api/payments", tags=["reporting"])


@router.get("/periods")
async def list_periods(
    principal: CurrentPrincipal,
    session: ReadSession,
    status: str | None = None,
    community_id: Id | None = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
    offset: Annotated[int, Query(ge=0, le=MAX_INT32)] = 0,
) -> PeriodList:
    return await q.list_periods(session, principal, status, community_id, limit, offset)


@router.get("/periods/{period_id}")
async def get_period(period_id: Id, principal: CurrentPrincipal, session: ReadSession) -> PeriodOut:
    return await q.get_period(session, principal, period_id)


@router.get("/periods/{period_id}/balance-sheet")
async def balance_sheet(
    period_id: Id, principal: CurrentPrincipal, session: ReadSession
) -> BalanceSheetOut:
    _, sheet = await q.named_balance_sheet(session, principal, period_id)
    return sheet


@router.get("/periods/{period_id}/owner-balance/{owner_id}")
async def owner_balance(
    period_id: Id, owner_id: Id, principal: CurrentPrincipal, session: ReadSession
) -> OwnerBalanceOut:
    return await q.owner_balance(session, principal, period_id, owner_id)


@router.get("/periods/{period_id}/fund-summary")
async def fund_summary(
    period_id: Id, principal: CurrentPrincipal, session: ReadSession
) -> FundSummaryOut:
    return await q.fund_summary(session, principal, period_id)


@router.get("/communities/{community_id}/fund")
async def fund_over_time(
    community_id: Id, principal: CurrentPrincipal, session: ReadSession
) -> FundHistory:
    return await q.fund_history(session, principal, community_id)


@router.get("/communities/{community_id}/owners/{owner_id}/statement")
async def statement_across_periods(
    community_id: Id, owner_id: Id, principal: CurrentPrincipal, session: ReadSession
) -> StatementOut:
    return await q.owner_statement(session, principal, community_id, owner_id)


@router.get("/periods/{period_id}/budget-vs-actual")
async def budget_vs_actual(
    period_id: Id, principal: CurrentPrincipal, session: ReadSession
) -> BudgetVsActualOut:
    """Planned (budget items) against actually spent (expenses by payment type), per category."""
    return await q.budget_vs_actual(session, principal, period_id)


@router.get("/periods/{period_id}/consumption")
async def period_consumption(
    period_id: Id,
    principal: CurrentPrincipal,
    session: ReadSession,
    meter_type: Annotated[str | None, Query(description="electricity, water or gas")] = None,
) -> ConsumptionOut:
    """Each of the community's meters and its consumption in the period, from the readings."""
    return await q.consumption(session, principal, period_id, meter_type)
