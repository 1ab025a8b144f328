"""Reads and writes of the ledger's rows, in the caller's transaction (``ports.LedgerStore``)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sosenki_platform.errors import Conflict
from sqlalchemy import Row, func, select, union
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from ledger.adapters import tables as t
from ledger.domain.balances import OwnerTotals
from ledger.domain.meters import Reading
from ledger.domain.periods import Period, PeriodStatus


def _period(row: Row[Any]) -> Period:
    return Period(
        id=row.id,
        community_id=row.community_id,
        name=row.name,
        start_date=row.start_date,
        end_date=row.end_date,
        description=row.description,
        status=PeriodStatus(row.status),
        closed_at=row.closed_at,
        carried_forward=row.carried_forward,
    )


class LedgerRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    # Communities and people
    async def add_community(
        self, name: str, base_currency: str, timezone: str, created_by: str
    ) -> Row[Any]:
        return (
            await self.session.execute(
                t.communities.insert()
                .values(
                    name=name, base_currency=base_currency, timezone=timezone, created_by=created_by
                )
                .returning(*t.communities.c)
            )
        ).one()

    async def get_community(self, community_id: int) -> Row[Any] | None:
        return (
            await self.session.execute(
                select(t.communities).where(t.communities.c.id == community_id)
            )
        ).one_or_none()

    async def update_community(self, community_id: int, **values: Any) -> Row[Any]:
        return (
            await self.session.execute(
                t.communities.update()
                .where(t.communities.c.id == community_id)
                .values(**values)
                .returning(*t.communities.c)
            )
        ).one()

    async def communities_of(self, user_id: int) -> list[int]:
        """Communities where the user is a treasurer or an owner."""
        query = union(
            select(t.treasurers.c.community_id).where(t.treasurers.c.user_id == user_id),
            select(t.owners.c.community_id).where(t.owners.c.user_id == user_id),
        )
        return sorted(int(c) for c in (await self.session.scalars(query)).all())

    async def add_treasurer(self, community_id: int, user_id: int) -> None:
        await self.session.execute(
            t.treasurers.insert().values(community_id=community_id, user_id=user_id)
        )

    async def is_treasurer(self, community_id: int, user_id: int) -> bool:
        found = await self.session.scalar(
            select(func.count())
            .select_from(t.treasurers)
            .where(t.treasurers.c.community_id == community_id, t.treasurers.c.user_id == user_id)
        )
        return bool(found)

    async def memberships_of(self, user_id: int) -> list[tuple[int, str, bool]]:
        """(community id, role, active) of every treasurer and owner record of a user."""
        treasurers = await self.session.execute(
            select(t.treasurers.c.community_id).where(t.treasurers.c.user_id == user_id)
        )
        owners = await self.session.execute(
            select(t.owners.c.community_id, t.owners.c.active).where(t.owners.c.user_id == user_id)
        )
        found = [(int(r.community_id), "treasurer", True) for r in treasurers]
        found += [(int(r.community_id), "owner", bool(r.active)) for r in owners]
        return sorted(found)

    async def get_owner(self, community_id: int, user_id: int) -> Row[Any] | None:
        return (
            await self.session.execute(
                select(t.owners).where(
                    t.owners.c.community_id == community_id, t.owners.c.user_id == user_id
                )
            )
        ).one_or_none()

    async def add_owner(
        self,
        community_id: int,
        user_id: int,
        display_name: str,
        username: str | None,
        ownership_share: Decimal,
    ) -> Row[Any]:
        return (
            await self.session.execute(
                t.owners.insert()
                .values(
                    community_id=community_id,
                    user_id=user_id,
                    display_name=display_name,
                    username=username,
                    ownership_share=ownership_share,
                )
                .returning(*t.owners.c)
            )
        ).one()

    async def set_share(
        self, community_id: int, user_id: int, effective_from: date, share: Decimal
    ) -> None:
        stmt = insert(t.ownership_shares).values(
            community_id=community_id,
            user_id=user_id,
            effective_from=effective_from,
            ownership_share=share,
        )
        await self.session.execute(
            stmt.on_conflict_do_update(
                index_elements=["community_id", "user_id", "effective_from"],
                set_={"ownership_share": stmt.excluded.ownership_share},
            )
        )

    async def shares_on(self, community_id: int, day: date) -> dict[int, Decimal]:
        """Each active owner's share valid on ``day``."""
        s = t.ownership_shares
        latest = (
            select(s.c.user_id, func.max(s.c.effective_from).label("effective_from"))
            .where(s.c.community_id == community_id, s.c.effective_from <= day)
            .group_by(s.c.user_id)
            .subquery()
        )
        rows = (
            await self.session.execute(
                select(s.c.user_id, s.c.ownership_share)
                .join(
                    latest,
                    (latest.c.user_id == s.c.user_id)
                    & (latest.c.effective_from == s.c.effective_from),
                )
                .join(
                    t.owners,
                    (t.owners.c.community_id == s.c.community_id)
                    & (t.owners.c.user_id == s.c.user_id),
                )
                .where(s.c.community_id == community_id, t.owners.c.active.is_(True))
                .order_by(s.c.user_id)
            )
        ).all()
        return {r.user_id: Decimal(r.ownership_share) for r in rows}

    async def share_history(self, community_id: int) -> dict[int, list[tuple[date, Decimal]]]:
        """Owner id → (effective_from, share) of every change, oldest first."""
        s = t.ownership_shares
        rows = await self.session.execute(
            select(s.c.user_id, s.c.effective_from, s.c.ownership_share)
            .where(s.c.community_id == community_id)
            .order_by(s.c.user_id, s.c.effective_from)
        )
        history: dict[int, list[tuple[date, Decimal]]] = {}
        for row in rows.all():
            history.setdefault(row.user_id, []).append(
                (row.effective_from, Decimal(row.ownership_share))
            )
        return history

    async def update_owner(self, community_id: int, user_id: int, **values: Any) -> Row[Any]:
        return (
            await self.session.execute(
                t.owners.update()
                .where(t.owners.c.community_id == community_id, t.owners.c.user_id == user_id)
                .values(**values)
                .returning(*t.owners.c)
            )
        ).one()

    async def list_owners(self, community_id: int, active_only: bool = False) -> Sequence[Row[Any]]:
        query = select(t.owners).where(t.owners.c.community_id == community_id)
        if active_only:
            query = query.where(t.owners.c.active.is_(True))
        return (await self.session.execute(query.order_by(t.owners.c.user_id))).all()

    # Periods
    async def add_period(
        self,
        community_id: int,
        name: str,
        start_date: date,
        end_date: date,
        description: str | None,
    ) -> Period:
        insert_period = (
            t.periods.insert()
            .values(
                community_id=community_id,
                name=name,
                start_date=start_date,
                end_date=end_date,
                description=description,
            )
            .returning(*t.periods.c)
        )
        try:
            row = (await self.session.execute(insert_period)).one()
        except IntegrityError as exc:
            # A concurrent creation got there first (the exclusion constraint of migration 0007).
            if "periods_do_not_overlap" in str(exc.orig):
                raise Conflict(
                    f"Period {start_date.isoformat()} – {end_date.isoformat()} overlaps another "
                    "period of the community created meanwhile; a community's periods must not "
                    "overlap"
                ) from None
            raise
        return _period(row)

    async def periods_overlapping(
        self, community_id: int, start_date: date, end_date: date
    ) -> list[Period]:
        p = t.periods
        rows = await self.session.execute(
            select(p)
            .where(p.c.community_id == community_id)
            .where(p.c.start_date <= end_date, p.c.end_date >= start_date)
            .order_by(p.c.start_date)
        )
        return [_period(r) for r in rows.all()]

    async def next_period_after(self, community_id: int, day: date) -> Period | None:
        """The community's first period starting after ``day``."""
        p = t.periods
        row = (
            await self.session.execute(
                select(p)
                .where(p.c.community_id == community_id, p.c.start_date > day)
                .order_by(p.c.start_date, p.c.id)
                .limit(1)
            )
        ).one_or_none()
        return _period(row) if row else None

    async def get_period(self, period_id: int, *, for_update: bool = False) -> Period | None:
        query = select(t.periods).where(t.periods.c.id == period_id)
        if for_update:
            query = query.with_for_update()
        row = (await self.session.execute(query)).one_or_none()
        return _period(row) if row else None

    async def list_periods(
        self,
        community_ids: Sequence[int] | None,
        status: PeriodStatus | None,
        limit: int,
        offset: int,
    ) -> tuple[list[Period], int]:
        query = select(t.periods)
        if community_ids is not None:
            query = query.where(t.periods.c.community_id.in_(community_ids))
        if status is not None:
            query = query.where(t.periods.c.status == status.value)
        total = await self.session.scalar(select(func.count()).select_from(query.subquery()))
        rows = (
            await self.session.execute(query.order_by(t.periods.c.id).limit(limit).offset(offset))
        ).all()
        return [_period(r) for r in rows], int(total or 0)

    async def open_period_covering(self, community_id: int, day: date) -> int | None:
        """The id of the community's OPEN period whose dates include ``day`` (the latest)."""
        p = t.periods
        found = await self.session.scalar(
            select(p.c.id)
            .where(
                p.c.community_id == community_id,
                p.c.status == PeriodStatus.OPEN.value,
                p.c.start_date <= day,
                p.c.end_date >= day,
            )
            .order_by(p.c.start_date.desc(), p.c.id.desc())
            .limit(1)
        )
        return int(found) if found is not None else None

    async def save_period_state(self, period: Period) -> None:
        await self.session.execute(
            t.periods.update()
            .where(t.periods.c.id == period.id)
            .values(
                status=period.status.value,
                closed_at=period.closed_at,
                carried_forward=period.carried_forward,
            )
        )

    # Money
    async def add_contribution(self, period: Period, values: dict[str, Any]) -> Row[Any]:
        return (
            await self.session.execute(
                t.contributions.insert()
                .values(period_id=period.id, community_id=period.community_id, **values)
                .returning(*t.contributions.c)
            )
        ).one()

    async def list_contributions(
        self, period_id: int, owner_id: int | None = None, kind: str | None = None
    ) -> Sequence[Row[Any]]:
        query = select(t.contributions).where(t.contributions.c.period_id == period_id)
        if owner_id is not None:
            query = query.where(t.contributions.c.owner_id == owner_id)
        if kind is not None:
            query = query.where(t.contributions.c.kind == kind)
        return (await self.session.execute(query.order_by(t.contributions.c.id))).all()

    async def add_charge(self, period: Period, values: dict[str, Any]) -> Row[Any]:
        return (
            await self.session.execute(
                t.service_charges.insert()
                .values(period_id=period.id, community_id=period.community_id, **values)
                .returning(*t.service_charges.c)
            )
        ).one()

    async def list_charges(
        self, period_id: int, owner_id: int | None = None, kind: str | None = None
    ) -> Sequence[Row[Any]]:
        query = select(t.service_charges).where(t.service_charges.c.period_id == period_id)
        if owner_id is not None:
            query = query.where(t.service_charges.c.owner_id == owner_id)
        if kind is not None:
            query = query.where(t.service_charges.c.kind == kind)
        return (await self.session.execute(query.order_by(t.service_charges.c.id))).all()

    async def period_totals(self, period: Period) -> dict[int, OwnerTotals]:
        """Every owner of the community, and anyone with entries, with their totals."""
        pid = period.id
        owners = {o.user_id: o.username for o in await self.list_owners(period.community_id)}

        async def sums(query: Any) -> dict[int, Decimal]:
            return {r[0]: Decimal(r[1]) for r in (await self.session.execute(query)).all()}

        c, e, ch, ea = t.contributions, t.expenses, t.service_charges, t.expense_allocations
        contributions = await sums(
            select(c.c.owner_id, func.sum(c.c.amount))
            .where(c.c.period_id == pid)
            .group_by(c.c.owner_id)
        )
        allocated = await sums(
            select(ea.c.owner_id, func.sum(ea.c.amount))
            .join(e, e.c.id == ea.c.expense_id)
            .where(e.c.period_id == pid)
            .group_by(ea.c.owner_id)
        )
        charges = await sums(
            select(ch.c.owner_id, func.sum(ch.c.amount))
            .where(ch.c.period_id == pid)
            .group_by(ch.c.owner_id)
        )
        paid = await sums(
            select(e.c.paid_by_owner_id, func.sum(e.c.amount))
            .where(e.c.period_id == pid, e.c.paid_by_owner_id.is_not(None))
            .group_by(e.c.paid_by_owner_id)
        )
        everyone = sorted(
            set(owners) | set(contributions) | set(allocated) | set(charges) | set(paid)
        )
        zero = Decimal(0)
        return {
            o: OwnerTotals(
                owner_id=o,
                username=owners.get(o),
                total_contributions=contributions.get(o, zero),
                total_expenses=allocated.get(o, zero),
                total_charges=charges.get(o, zero),
                total_paid_expenses=paid.get(o, zero),
            )
            for o in everyone
        }

    async def fund_totals(self, period_id: int) -> tuple[Decimal, Decimal]:
        """(contributions paid in, expenses paid from the fund) of a period.

        Opening balances carried from the previous period are not money paid in; reversals are
        counted, so a reversed contribution leaves the fund.
        """
        c, e = t.contributions, t.expenses
        contributed = await self.session.scalar(
            select(func.coalesce(func.sum(c.c.amount), 0)).where(
                c.c.period_id == period_id, c.c.kind != "opening"
            )
        )
        spent = await self.session.scalar(
            select(func.coalesce(func.sum(e.c.amount), 0)).where(
                e.c.period_id == period_id, e.c.paid_by_owner_id.is_(None)
            )
        )
        return Decimal(contributed or 0), Decimal(spent or 0)

    async def add_expense(self, period: Period, values: dict[str, Any]) -> Row[Any]:
        return (
            await self.session.execute(
                t.expenses.insert()
                .values(period_id=period.id, community_id=period.community_id, **values)
                .returning(*t.expenses.c)
            )
        ).one()

    async def add_allocations(self, expense_id: int, lines: dict[int, Decimal]) -> None:
        if lines:
            await self.session.execute(
                t.expense_allocations.insert(),
                [{"expense_id": expense_id, "owner_id": o, "amount": a} for o, a in lines.items()],
            )

    async def get_entry(
        self, table: str, period_id: int, entry_id: int, *, for_update: bool = False
    ) -> Row[Any] | None:
        """A contribution, expense or service charge of a period (locked for a reversal)."""
        entries = {
            "contribution": t.contributions,
            "expense": t.expenses,
            "charge": t.service_charges,
        }[table]
        query = select(entries).where(entries.c.id == entry_id, entries.c.period_id == period_id)
        if for_update:
            query = query.with_for_update()
        return (await self.session.execute(query)).one_or_none()

    async def reversal_of(self, table: str, entry_id: int) -> int | None:
        entries = {
            "contribution": t.contributions,
            "expense": t.expenses,
            "charge": t.service_charges,
        }[table]
        found = await self.session.scalar(
            select(entries.c.id).where(entries.c.reverses_id == entry_id)
        )
        return int(found) if found is not None else None

    # Budgets
    async def add_budget_item(self, period: Period, values: dict[str, Any]) -> Row[Any]:
        return (
            await self.session.execute(
                t.budget_items.insert()
                .values(period_id=period.id, community_id=period.community_id, **values)
                .returning(*t.budget_items.c)
            )
        ).one()

    async def get_budget_item(self, period_id: int, item_id: int) -> Row[Any] | None:
        b = t.budget_items
        return (
            await self.session.execute(
                select(b).where(b.c.id == item_id, b.c.period_id == period_id).with_for_update()
            )
        ).one_or_none()

    async def list_budget_items(self, period_id: int) -> Sequence[Row[Any]]:
        b = t.budget_items
        return (
            await self.session.execute(select(b).where(b.c.period_id == period_id).order_by(b.c.id))
        ).all()

    async def mark_budget_item_applied(self, item_id: int, applied_at: datetime) -> Row[Any]:
        b = t.budget_items
        return (
            await self.session.execute(
                b.update().where(b.c.id == item_id).values(applied_at=applied_at).returning(*b.c)
            )
        ).one()

    async def spent_by_category(self, period_id: int) -> dict[str, Decimal]:
        e = t.expenses
        rows = (
            await self.session.execute(
                select(e.c.payment_type, func.sum(e.c.amount))
                .where(e.c.period_id == period_id)
                .group_by(e.c.payment_type)
            )
        ).all()
        return {r[0]: Decimal(r[1]) for r in rows}

    # Meters
    async def add_meter(self, values: dict[str, Any]) -> Row[Any]:
        return (
            await self.session.execute(t.meters.insert().values(**values).returning(*t.meters.c))
        ).one()

    async def get_meter(self, meter_id: int, *, for_update: bool = False) -> Row[Any] | None:
        query = select(t.meters).where(t.meters.c.id == meter_id)
        if for_update:
            query = query.with_for_update()
        return (await self.session.execute(query)).one_or_none()

    async def list_meters(
        self, community_id: int, meter_type: str | None = None, owner_id: int | None = None
    ) -> Sequence[Row[Any]]:
        query = select(t.meters).where(t.meters.c.community_id == community_id)
        if meter_type is not None:
            query = query.where(t.meters.c.meter_type == meter_type)
        if owner_id is not None:
            query = query.where(t.meters.c.owner_id == owner_id)
        return (await self.session.execute(query.order_by(t.meters.c.id))).all()

    async def readings(self, meter_ids: Sequence[int]) -> dict[int, list[Reading]]:
        result: dict[int, list[Reading]] = {m: [] for m in meter_ids}
        if meter_ids:
            r = t.meter_readings
            rows = (
                await self.session.execute(
                    select(r).where(r.c.meter_id.in_(meter_ids)).order_by(r.c.reading_date)
                )
            ).all()
            for row in rows:
                result[row.meter_id].append(
                    Reading(row.reading_date, Decimal(row.value), row.is_replacement)
                )
        return result

    async def reading_rows(self, meter_id: int) -> Sequence[Row[Any]]:
        r = t.meter_readings
        return (
            await self.session.execute(
                select(r).where(r.c.meter_id == meter_id).order_by(r.c.reading_date)
            )
        ).all()

    async def add_reading(self, meter_id: int, reading: Reading, created_by: str) -> Row[Any]:
        return (
            await self.session.execute(
                t.meter_readings.insert()
                .values(
                    meter_id=meter_id,
                    reading_date=reading.reading_date,
                    value=reading.value,
                    is_replacement=reading.is_replacement,
                    created_by=created_by,
                )
                .returning(*t.meter_readings.c)
            )
        ).one()

    async def usage_billed(self, period_id: int, meter_type: str) -> bool:
        """Whether a usage charge of this type stands unreversed in the period."""
        c, r = t.service_charges, t.service_charges.alias("r")
        found = await self.session.scalar(
            select(c.c.id)
            .where(
                c.c.period_id == period_id,
                c.c.usage_meter_type == meter_type,
                c.c.kind == "charge",
                ~select(r.c.id).where(r.c.reverses_id == c.c.id).exists(),
            )
            .limit(1)
        )
        return found is not None

    async def list_expenses(self, period_id: int) -> Sequence[Row[Any]]:
        return (
            await self.session.execute(
                select(t.expenses)
                .where(t.expenses.c.period_id == period_id)
                .order_by(t.expenses.c.id)
            )
        ).all()

    async def allocations_of(self, expense_ids: Sequence[int]) -> dict[int, dict[int, Decimal]]:
        result: dict[int, dict[int, Decimal]] = {e: {} for e in expense_ids}
        if expense_ids:
            rows = (
                await self.session.execute(
                    select(t.expense_allocations)
                    .where(t.expense_allocations.c.expense_id.in_(expense_ids))
                    .order_by(t.expense_allocations.c.owner_id)
                )
            ).all()
            for r in rows:
                result[r.expense_id][r.owner_id] = r.amount
        return result
