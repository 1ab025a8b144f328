"""Money posted in a period: contributions, charges, expenses and their allocation lines, and the
sums balances are made of."""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal
from typing import Any

from sqlalchemy import Row, func, select, text
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from ledger.adapters import tables as t
from ledger.domain.balances import OwnerTotals
from ledger.domain.periods import Period


class EntryRows:
    session: AsyncSession

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
        """Every owner of the community, and anyone with entries, with their totals: read from
        the running balances the database keeps with each entry (migration 0010), so a read
        costs the same whatever the period's history."""
        o, b = t.owners, t.period_balances
        owners = select(o.c.user_id.label("owner_id"), o.c.username).where(
            o.c.community_id == period.community_id
        )
        balances = select(b).where(b.c.period_id == period.id).subquery()
        listed = owners.subquery()
        rows = await self.session.execute(
            select(
                func.coalesce(listed.c.owner_id, balances.c.owner_id).label("owner_id"),
                listed.c.username,
                balances.c.total_contributions,
                balances.c.total_expenses,
                balances.c.total_charges,
                balances.c.total_paid_expenses,
            ).select_from(
                listed.join(balances, listed.c.owner_id == balances.c.owner_id, full=True)
            )
        )
        zero = Decimal(0)
        found = {
            r.owner_id: OwnerTotals(
                owner_id=r.owner_id,
                username=r.username,
                total_contributions=Decimal(r.total_contributions or zero),
                total_expenses=Decimal(r.total_expenses or zero),
                total_charges=Decimal(r.total_charges or zero),
                total_paid_expenses=Decimal(r.total_paid_expenses or zero),
            )
            for r in rows.all()
        }
        return {owner: found[owner] for owner in sorted(found)}

    async def balance_sheet_json(self, period: Period, currency: str, units: int) -> str:
        """The balance sheet (``views.BalanceSheetOut``) as JSON, built by PostgreSQL from the
        running balances: a thousand owners cost a millisecond there and tens in Python.
        Amounts are exact at the currency's ``units`` (entries are checked to them), so
        ``round`` only pads. The balance is ``domain/balances.py``'s rule (contributions +
        expenses paid personally - allocated share - charges); tests/test_period_balances.py
        proves the two agree."""
        row = await self.session.execute(
            text(
                """
                WITH sheet AS (
                    SELECT coalesce(o.user_id, b.owner_id) AS owner_id, o.username,
                        coalesce(b.total_contributions, 0) AS c,
                        coalesce(b.total_expenses, 0) AS e,
                        coalesce(b.total_charges, 0) AS ch,
                        coalesce(b.total_paid_expenses, 0) AS p
                    FROM (SELECT user_id, username FROM owners WHERE community_id = :community)
                        AS o
                    FULL JOIN (SELECT * FROM period_balances WHERE period_id = :period) AS b
                        ON b.owner_id = o.user_id
                )
                SELECT json_build_object(
                    'period_id', CAST(:period AS bigint),
                    'currency', CAST(:currency AS text),
                    'entries', coalesce(json_agg(json_build_object(
                        'owner_id', owner_id,
                        'username', username,
                        'total_contributions', round(c, :units)::text,
                        'total_expenses', round(e, :units)::text,
                        'total_charges', round(ch, :units)::text,
                        'total_paid_expenses', round(p, :units)::text,
                        'balance', round(c + p - e - ch, :units)::text
                    ) ORDER BY owner_id), '[]'::json),
                    'total_period_balance', round(coalesce(sum(c + p - e - ch), 0), :units)::text
                )::text
                FROM sheet
                """
            ),
            {
                "community": period.community_id,
                "period": period.id,
                "currency": currency,
                "units": units,
            },
        )
        return str(row.scalar_one())

    async def period_totals_aggregated(self, period: Period) -> dict[int, OwnerTotals]:
        """The same as :meth:`period_totals`, summed from every entry of the period: what the
        running balances must always equal (tests), and the naive figure benchmarks compare."""
        pid = period.id
        listed = await self.session.execute(
            select(t.owners.c.user_id, t.owners.c.username).where(
                t.owners.c.community_id == period.community_id
            )
        )
        owners = {o.user_id: o.username for o in listed.all()}

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

    async def lock_balances(self, period_id: int, owner_ids: Sequence[int]) -> None:
        """Lock these owners' running balances of the period in ascending order, before an
        entry that touches several of them (an expense: its payer, then its lines) updates them
        through the triggers of migration 0010: every transaction then takes balance rows in
        one order, so two writes never deadlock on them."""
        owners = sorted(set(owner_ids))
        if not owners:
            return
        b = t.period_balances
        await self.session.execute(
            insert(b)
            .values([{"period_id": period_id, "owner_id": o} for o in owners])
            .on_conflict_do_nothing()
        )
        await self.session.execute(
            select(b.c.owner_id)
            .where(b.c.period_id == period_id, b.c.owner_id.in_(owners))
            .order_by(b.c.owner_id)
            .with_for_update()
        )

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
