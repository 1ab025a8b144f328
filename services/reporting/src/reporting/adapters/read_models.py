"""Reading reporting's tables: periods, balance sheets, statements, the fund."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from sosenki_contracts.balances import OwnerTotals
from sqlalchemy import Row, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from reporting.adapters import tables as t
from reporting.domain.balances import (
    FundSummary,
    PeriodInfo,
    Statement,
    StatementLine,
    statement,
)
from reporting.domain.meters import Reading, consumption


def period_info(row: Row[Any]) -> PeriodInfo:
    return PeriodInfo(
        row.period_id, row.name, row.start_date, row.end_date, row.status, row.carried_forward
    )


def _totals(owner_id: int, username: str | None, row: Row[Any] | None) -> OwnerTotals:
    if row is None:
        return OwnerTotals(owner_id, username)
    return OwnerTotals(
        owner_id,
        username,
        total_contributions=row.total_contributions,
        total_expenses=row.total_expenses,
        total_charges=row.total_charges,
        total_paid_expenses=row.total_paid_expenses,
        opening_balance=row.opening_balance,
    )


class ReadModels:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def period(self, period_id: int) -> Row[Any] | None:
        return (
            await self.session.execute(select(t.periods).where(t.periods.c.period_id == period_id))
        ).one_or_none()

    async def periods_of(self, community_id: int) -> list[Row[Any]]:
        rows = await self.session.execute(
            select(t.periods)
            .where(t.periods.c.community_id == community_id)
            .order_by(t.periods.c.start_date, t.periods.c.period_id)
        )
        return list(rows.all())

    async def periods_page(
        self,
        communities: list[int] | None,
        community_id: int | None,
        status: str | None,
        limit: int,
        offset: int,
    ) -> tuple[int, list[Row[Any]]]:
        """(how many match, one page of them by id); ``communities`` None: any community."""
        query = select(t.periods)
        if communities is not None:
            query = query.where(t.periods.c.community_id.in_(communities))
        if community_id is not None:
            query = query.where(t.periods.c.community_id == community_id)
        if status is not None:
            query = query.where(t.periods.c.status == status)
        total = await self.session.scalar(select(func.count()).select_from(query.subquery()))
        rows = await self.session.execute(
            query.order_by(t.periods.c.period_id).limit(limit).offset(offset)
        )
        return int(total or 0), list(rows.all())

    async def currency(self, community_id: int) -> str | None:
        """The community's base currency; None until its creation event has been applied."""
        return await self.session.scalar(
            select(t.communities.c.base_currency).where(
                t.communities.c.community_id == community_id
            )
        )

    async def community_known(self, community_id: int) -> bool:
        found = await self.session.scalar(
            select(t.communities.c.community_id).where(t.communities.c.community_id == community_id)
        )
        return found is not None

    async def owners(self, community_id: int) -> dict[int, str | None]:
        rows = await self.session.execute(
            select(t.owners).where(t.owners.c.community_id == community_id)
        )
        return {r.owner_id: r.username for r in rows.all()}

    async def balance_sheet(self, period: Row[Any]) -> list[OwnerTotals]:
        """Every owner of the community, and anyone with entries, as the ledger lists them."""
        owners = await self.owners(period.community_id)
        balances = {
            r.owner_id: r
            for r in (
                await self.session.execute(
                    select(t.owner_balances).where(t.owner_balances.c.period_id == period.period_id)
                )
            ).all()
        }
        return [
            _totals(owner_id, owners.get(owner_id), balances.get(owner_id))
            for owner_id in sorted(set(owners) | set(balances))
        ]

    async def owner_totals(self, period_id: int, owner_id: int) -> OwnerTotals | None:
        row = (
            await self.session.execute(
                select(t.owner_balances).where(
                    t.owner_balances.c.period_id == period_id,
                    t.owner_balances.c.owner_id == owner_id,
                )
            )
        ).one_or_none()
        return None if row is None else _totals(owner_id, None, row)

    async def statement(self, community_id: int, owner_id: int) -> Statement:
        periods = await self.periods_of(community_id)
        balances = {
            r.period_id: r
            for r in (
                await self.session.execute(
                    select(t.owner_balances).where(
                        t.owner_balances.c.community_id == community_id,
                        t.owner_balances.c.owner_id == owner_id,
                    )
                )
            ).all()
        }
        username = (await self.owners(community_id)).get(owner_id)
        return statement(
            owner_id,
            [
                StatementLine(
                    period_info(p), _totals(owner_id, username, balances.get(p.period_id))
                )
                for p in periods
            ],
        )

    async def fund(self, periods: list[Row[Any]]) -> list[FundSummary]:
        ids = [p.period_id for p in periods]
        rows = {
            r.period_id: r
            for r in (
                await self.session.execute(
                    select(t.fund_totals).where(t.fund_totals.c.period_id.in_(ids))
                )
            ).all()
        }
        zero = Decimal(0)
        return [
            FundSummary(
                period_info(p),
                rows[p.period_id].total_contributions if p.period_id in rows else zero,
                rows[p.period_id].total_fund_expenses if p.period_id in rows else zero,
            )
            for p in periods
        ]

    async def budget_vs_actual(self, period_id: int) -> list[tuple[str, Decimal, Decimal]]:
        """(category, planned, actually spent) by category name."""
        rows = await self.session.execute(
            select(t.budget_lines)
            .where(t.budget_lines.c.period_id == period_id)
            .order_by(t.budget_lines.c.category)
        )
        return [(r.category, r.planned, r.actual) for r in rows.all()]

    async def consumption(
        self, period: Row[Any], meter_type: str | None
    ) -> list[tuple[Row[Any], Decimal]]:
        """(meter, consumption in the period) for the community's meters, by meter id."""
        query = select(t.meters).where(t.meters.c.community_id == period.community_id)
        if meter_type is not None:
            query = query.where(t.meters.c.meter_type == meter_type)
        meters = (await self.session.execute(query.order_by(t.meters.c.meter_id))).all()
        readings: dict[int, list[Reading]] = {m.meter_id: [] for m in meters}
        if meters:
            r = t.meter_readings
            rows = await self.session.execute(
                select(r).where(r.c.meter_id.in_(list(readings))).order_by(r.c.reading_date)
            )
            for row in rows.all():
                readings[row.meter_id].append(
                    Reading(row.reading_date, Decimal(row.value), row.is_replacement)
                )
        return [
            (m, consumption(readings[m.meter_id], period.start_date, period.end_date))
            for m in meters
        ]
