"""Reporting's REST API: the same paths and shapes as the ledger's seed document, answered from
read models built from events."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from pydantic import BaseModel
from sosenki_contracts.money import format_amount
from sosenki_platform.auth import Principal
from sosenki_platform.auth.dependency import CurrentPrincipal
from sosenki_platform.errors import BadRequest, NotFound
from sosenki_platform.service import Runtime
from sqlalchemy import Row, func, select

from reporting.adapters import tables as t

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


async def _visible_period(request: Request, principal: Principal, period_id: int) -> Row[Any]:
    async with _runtime(request).db.session() as session:
        row = (
            await session.execute(select(t.periods).where(t.periods.c.period_id == period_id))
        ).one_or_none()
    if row is None or not principal.may_access_community(row.community_id):
        raise NotFound("Period not found")
    return row


@router.get("/periods", response_model=PeriodList)
async def list_periods(
    request: Request,
    principal: CurrentPrincipal,
    status: str | None = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
    offset: Annotated[int, Query(ge=0)] = 0,
) -> Any:
    query = select(t.periods)
    if not principal.is_privileged:
        query = query.where(t.periods.c.community_id.in_(sorted(principal.communities)))
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
async def get_period(period_id: int, request: Request, principal: CurrentPrincipal) -> Any:
    return _period_out(await _visible_period(request, principal, period_id))


@router.get("/periods/{period_id}/balance-sheet", response_model=BalanceSheet)
async def balance_sheet(period_id: int, request: Request, principal: CurrentPrincipal) -> Any:
    period = await _visible_period(request, principal, period_id)
    async with _runtime(request).db.session() as session:
        currency = await session.scalar(
            select(t.communities.c.base_currency).where(
                t.communities.c.community_id == period.community_id
            )
        )
        owners = {
            r.owner_id: r.username
            for r in (
                await session.execute(
                    select(t.owners).where(t.owners.c.community_id == period.community_id)
                )
            ).all()
        }
        balances = {
            r.owner_id: r
            for r in (
                await session.execute(
                    select(t.owner_balances).where(t.owner_balances.c.period_id == period_id)
                )
            ).all()
        }
    cur = currency or "RUB"
    # Every owner of the community, and anyone with entries, as the ledger lists them.
    entries = [
        _entry(owner_id, owners.get(owner_id), balances.get(owner_id), cur)
        for owner_id in sorted(set(owners) | set(balances))
    ]
    total = sum((Decimal(e.balance) for e in entries), Decimal(0))
    return BalanceSheet(
        period_id=period_id,
        currency=currency,
        entries=entries,
        total_period_balance=format_amount(total, cur),
    )


def _entry(
    owner_id: int, username: str | None, row: Row[Any] | None, currency: str
) -> BalanceEntry:
    zero = Decimal(0)
    totals = {
        "total_contributions": row.total_contributions if row else zero,
        "total_expenses": row.total_expenses if row else zero,
        "total_charges": row.total_charges if row else zero,
        "total_paid_expenses": row.total_paid_expenses if row else zero,
    }
    balance = (
        totals["total_contributions"]
        + totals["total_paid_expenses"]
        - totals["total_expenses"]
        - totals["total_charges"]
    )
    return BalanceEntry(
        owner_id=owner_id,
        username=username,
        balance=format_amount(balance, currency),
        **{k: format_amount(v, currency) for k, v in totals.items()},
    )


@router.get("/periods/{period_id}/owner-balance/{owner_id}", response_model=OwnerBalance)
async def owner_balance(
    period_id: int, owner_id: int, request: Request, principal: CurrentPrincipal
) -> Any:
    period = await _visible_period(request, principal, period_id)
    async with _runtime(request).db.session() as session:
        row = (
            await session.execute(
                select(t.owner_balances).where(
                    t.owner_balances.c.period_id == period_id,
                    t.owner_balances.c.owner_id == owner_id,
                )
            )
        ).one_or_none()
        known = await session.scalar(
            select(func.count())
            .select_from(t.owners)
            .where(t.owners.c.community_id == period.community_id, t.owners.c.owner_id == owner_id)
        )
        currency = await session.scalar(
            select(t.communities.c.base_currency).where(
                t.communities.c.community_id == period.community_id
            )
        )
    if row is None and not known:
        raise NotFound("Owner not found")
    entry = _entry(owner_id, None, row, currency or "RUB")
    return OwnerBalance(period_id=period_id, **entry.model_dump(exclude={"username"}))
