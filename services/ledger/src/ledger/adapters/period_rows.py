"""Service periods (the exclusion constraint of migration 0007 refuses overlaps)."""

from __future__ import annotations

import functools
from collections.abc import Sequence
from datetime import date
from types import SimpleNamespace
from typing import Any

from sosenki_contracts.error_codes import ErrorCode
from sosenki_platform.errors import Conflict
from sqlalchemy import Row, bindparam, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from ledger.adapters import tables as t
from ledger.domain.periods import Period, PeriodStatus
from ledger.ports import PeriodAccess


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


@functools.cache
def _period_access_query(lock: str | None) -> Any:
    """The statement of :meth:`PeriodRows.period_access`, built once per lock mode (building it
    and its cache key on every request cost more than running it)."""
    p, c = t.periods, t.communities

    def member(table: Any, who: str) -> Any:
        return (
            select(table.c.user_id)
            .where(table.c.community_id == p.c.community_id, table.c.user_id == bindparam(who))
            .exists()
        )

    query = (
        select(
            *p.c,
            *(column.label(f"community__{column.name}") for column in c.c),
            member(t.treasurers, "user_id").label("_is_treasurer"),
            member(t.owners, "user_id").label("_is_owner"),
            member(t.owners, "owner_id").label("_owner"),
        )
        .join_from(p, c, c.c.id == p.c.community_id)
        .where(p.c.id == bindparam("period_id"))
    )
    if lock == "update":
        return query.with_for_update(of=p)
    if lock == "share":
        # FOR KEY SHARE: writers of entries do not wait for each other (the entry's foreign
        # key takes this lock anyway), but a close, reopen or carry-forward (FOR UPDATE)
        # waits for them and they for it, so no entry lands in a period closed meanwhile.
        return query.with_for_update(read=True, key_share=True, of=p)
    return query


class PeriodRows:
    session: AsyncSession

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
                    "overlap",
                    ErrorCode.PERIOD_OVERLAPS,
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

    async def get_period(self, period_id: int) -> Period | None:
        row = (
            await self.session.execute(select(t.periods).where(t.periods.c.id == period_id))
        ).one_or_none()
        return _period(row) if row else None

    async def period_access(
        self,
        period_id: int,
        user_id: int | None,
        *,
        owner_id: int | None = None,
        for_update: bool = False,
        for_share: bool = False,
    ) -> PeriodAccess | None:
        """The period, its community and who the caller is there (and whether ``owner_id`` is
        an owner of it) in one round trip: every period-scoped request starts with this."""
        lock = "update" if for_update else "share" if for_share else None
        query = _period_access_query(lock)
        params = {
            "period_id": period_id,
            "user_id": user_id if user_id is not None else -1,
            "owner_id": owner_id if owner_id is not None else -1,
        }
        row = (await self.session.execute(query, params)).one_or_none()
        if row is None:
            return None
        values = row._mapping
        community = SimpleNamespace(
            **{col.name: values[f"community__{col.name}"] for col in t.communities.c}
        )
        return PeriodAccess(
            _period(row),
            community,
            is_treasurer=bool(row._is_treasurer),
            is_owner=bool(row._is_owner),
            owner_exists=bool(row._owner),
        )

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
