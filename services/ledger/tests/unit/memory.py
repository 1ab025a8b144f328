"""The ledger's storage in memory (``ledger.ports.LedgerStore`` over dicts): lets the use cases'
unit tests run without PostgreSQL. Row locks are no-ops here (one test, one task); what they
serialise is covered by the integration tests."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import replace
from datetime import date, datetime
from decimal import Decimal
from types import SimpleNamespace
from typing import Any

from ledger.domain.balances import ZERO, OwnerTotals
from ledger.domain.meters import Reading
from ledger.domain.periods import Period, PeriodStatus
from ledger.ports import PeriodAccess
from ledger.queries import shapes
from sosenki_contracts.money import format_amount

Row = SimpleNamespace

_ENTRY_DEFAULTS: dict[str, dict[str, Any]] = {
    "contribution": {"kind": "regular", "reverses_id": None, "reason": None, "comment": None},
    "charge": {"kind": "charge", "reverses_id": None, "reason": None, "usage_meter_type": None},
    "expense": {
        "kind": "regular",
        "reverses_id": None,
        "reason": None,
        "vendor": None,
        "description": None,
    },
}


class MemoryStore:
    def __init__(self) -> None:
        self._ids = 0
        self.communities: dict[int, Row] = {}
        self.treasurers: set[tuple[int, int]] = set()
        self.owners: dict[tuple[int, int], Row] = {}
        self.shares: dict[tuple[int, int, date], Decimal] = {}
        self.periods: dict[int, Period] = {}
        self.entries: dict[str, dict[int, Row]] = {k: {} for k in _ENTRY_DEFAULTS}
        self.allocations: dict[int, dict[int, Decimal]] = {}
        self.budget_items: dict[int, Row] = {}
        self.meters: dict[int, Row] = {}
        self.readings_of: dict[int, list[Row]] = {}

    def _next(self) -> int:
        self._ids += 1
        return self._ids

    # Communities and people
    async def add_community(
        self, name: str, base_currency: str, timezone: str, created_by: str
    ) -> Row:
        row = Row(
            id=self._next(),
            name=name,
            base_currency=base_currency,
            timezone=timezone,
            created_by=created_by,
            owners_see_balance_sheet=True,
            bank_details=None,
        )
        self.communities[row.id] = row
        return row

    async def get_community(self, community_id: int) -> Row | None:
        return self.communities.get(community_id)

    async def community_and_membership(
        self, community_id: int, user_id: int | None
    ) -> tuple[Row | None, bool, bool]:
        row = self.communities.get(community_id)
        if row is None or user_id is None:
            return row, False, False
        return (
            row,
            (community_id, user_id) in self.treasurers,
            (
                community_id,
                user_id,
            )
            in self.owners,
        )

    async def update_community(self, community_id: int, **values: Any) -> Row:
        row = self.communities[community_id]
        for key, value in values.items():
            setattr(row, key, value)
        return row

    async def communities_of(self, user_id: int) -> list[int]:
        found = {c for c, u in self.treasurers if u == user_id}
        found |= {c for c, u in self.owners if u == user_id}
        return sorted(found)

    async def add_treasurer(self, community_id: int, user_id: int) -> None:
        self.treasurers.add((community_id, user_id))

    async def is_treasurer(self, community_id: int, user_id: int) -> bool:
        return (community_id, user_id) in self.treasurers

    async def memberships_of(self, user_id: int) -> list[tuple[int, str, bool]]:
        found = [(c, "treasurer", True) for c, u in self.treasurers if u == user_id]
        found += [(c, "owner", bool(o.active)) for (c, u), o in self.owners.items() if u == user_id]
        return sorted(found)

    async def get_owner(self, community_id: int, user_id: int) -> Row | None:
        return self.owners.get((community_id, user_id))

    async def add_owner(
        self,
        community_id: int,
        user_id: int,
        display_name: str,
        username: str | None,
        ownership_share: Decimal,
    ) -> Row:
        row = Row(
            community_id=community_id,
            user_id=user_id,
            display_name=display_name,
            username=username,
            ownership_share=ownership_share,
            active=True,
        )
        self.owners[(community_id, user_id)] = row
        return row

    async def set_share(
        self, community_id: int, user_id: int, effective_from: date, share: Decimal
    ) -> None:
        self.shares[(community_id, user_id, effective_from)] = share

    async def shares_on(self, community_id: int, day: date) -> dict[int, Decimal]:
        result: dict[int, Decimal] = {}
        for user_id, changes in (await self.share_history(community_id)).items():
            owner = self.owners.get((community_id, user_id))
            valid = [share for since, share in changes if since <= day]
            if owner is not None and owner.active and valid:
                result[user_id] = valid[-1]
        return dict(sorted(result.items()))

    async def share_history(self, community_id: int) -> dict[int, list[tuple[date, Decimal]]]:
        history: dict[int, list[tuple[date, Decimal]]] = {}
        for (c, u, since), share in sorted(self.shares.items()):
            if c == community_id:
                history.setdefault(u, []).append((since, share))
        return history

    async def update_owner(self, community_id: int, user_id: int, **values: Any) -> Row:
        row = self.owners[(community_id, user_id)]
        for key, value in values.items():
            setattr(row, key, value)
        return row

    async def list_owners(self, community_id: int, active_only: bool = False) -> list[Row]:
        return [
            o
            for (c, _), o in sorted(self.owners.items())
            if c == community_id and (o.active or not active_only)
        ]

    # Periods
    async def add_period(
        self,
        community_id: int,
        name: str,
        start_date: date,
        end_date: date,
        description: str | None,
    ) -> Period:
        period = Period(
            id=self._next(),
            community_id=community_id,
            name=name,
            start_date=start_date,
            end_date=end_date,
            description=description,
            status=PeriodStatus.OPEN,
            closed_at=None,
            carried_forward=False,
        )
        self.periods[period.id] = period
        return period

    def _of(self, community_id: int) -> list[Period]:
        found = [p for p in self.periods.values() if p.community_id == community_id]
        return sorted(found, key=lambda p: (p.start_date, p.id))

    async def periods_overlapping(
        self, community_id: int, start_date: date, end_date: date
    ) -> list[Period]:
        return [
            p
            for p in self._of(community_id)
            if p.start_date <= end_date and p.end_date >= start_date
        ]

    async def next_period_after(self, community_id: int, day: date) -> Period | None:
        return next((p for p in self._of(community_id) if p.start_date > day), None)

    async def get_period(self, period_id: int) -> Period | None:
        return self.periods.get(period_id)

    async def period_access(
        self,
        period_id: int,
        user_id: int | None,
        *,
        owner_id: int | None = None,
        for_update: bool = False,
        for_share: bool = False,
    ) -> PeriodAccess | None:
        period = self.periods.get(period_id)
        if period is None:
            return None
        community, is_treasurer, is_owner = await self.community_and_membership(
            period.community_id, user_id
        )
        return PeriodAccess(
            period,
            community,
            is_treasurer=is_treasurer,
            is_owner=is_owner,
            owner_exists=(period.community_id, owner_id) in self.owners,
        )

    async def list_periods(
        self,
        community_ids: Sequence[int] | None,
        status: PeriodStatus | None,
        limit: int,
        offset: int,
    ) -> tuple[list[Period], int]:
        found = [
            p
            for _, p in sorted(self.periods.items())
            if (community_ids is None or p.community_id in community_ids)
            and (status is None or p.status is status)
        ]
        return found[offset : offset + limit], len(found)

    async def open_period_covering(self, community_id: int, day: date) -> int | None:
        found = [
            p
            for p in self._of(community_id)
            if p.status is PeriodStatus.OPEN and p.start_date <= day <= p.end_date
        ]
        return found[-1].id if found else None

    async def save_period_state(self, period: Period) -> None:
        self.periods[period.id] = replace(
            self.periods[period.id],
            status=period.status,
            closed_at=period.closed_at,
            carried_forward=period.carried_forward,
        )

    # Money
    def _add(self, entry: str, period: Period, values: dict[str, Any]) -> Row:
        row = Row(
            **(
                _ENTRY_DEFAULTS[entry]
                | {"id": self._next(), "period_id": period.id}
                | {"community_id": period.community_id}
                | values
            )
        )
        self.entries[entry][row.id] = row
        return row

    def _list(
        self, entry: str, period_id: int, owner_id: int | None, kind: str | None
    ) -> list[Row]:
        return [
            r
            for _, r in sorted(self.entries[entry].items())
            if r.period_id == period_id
            and (owner_id is None or r.owner_id == owner_id)
            and (kind is None or r.kind == kind)
        ]

    async def add_contribution(self, period: Period, values: dict[str, Any]) -> Row:
        return self._add("contribution", period, values)

    async def list_contributions(
        self, period_id: int, owner_id: int | None = None, kind: str | None = None
    ) -> list[Row]:
        return self._list("contribution", period_id, owner_id, kind)

    async def add_charge(self, period: Period, values: dict[str, Any]) -> Row:
        return self._add("charge", period, values)

    async def list_charges(
        self, period_id: int, owner_id: int | None = None, kind: str | None = None
    ) -> list[Row]:
        return self._list("charge", period_id, owner_id, kind)

    async def balance_sheet_json(self, period: Period, currency: str, units: int) -> str:
        entries = list((await self.period_totals(period)).values())
        total = sum((e.balance for e in entries), ZERO)
        return json.dumps(
            {
                "period_id": period.id,
                "currency": currency,
                "entries": [
                    {"username": e.username, **shapes.totals(e, currency)} for e in entries
                ],
                "total_period_balance": format_amount(total, currency),
            }
        )

    async def period_totals(self, period: Period) -> dict[int, OwnerTotals]:
        owners = {o.user_id: o.username for o in await self.list_owners(period.community_id)}
        sums: dict[str, dict[int, Decimal]] = {}

        def add(what: str, owner: int, amount: Decimal) -> None:
            sums.setdefault(what, {})[owner] = sums.get(what, {}).get(owner, Decimal(0)) + amount

        for r in self._list("contribution", period.id, None, None):
            add("total_contributions", r.owner_id, r.amount)
        for r in self._list("charge", period.id, None, None):
            add("total_charges", r.owner_id, r.amount)
        for r in self._list("expense", period.id, None, None):
            for owner, amount in self.allocations.get(r.id, {}).items():
                add("total_expenses", owner, amount)
            if r.paid_by_owner_id is not None:
                add("total_paid_expenses", r.paid_by_owner_id, r.amount)
        everyone = set(owners).union(*(set(s) for s in sums.values()))
        return {
            o: OwnerTotals(
                owner_id=o,
                username=owners.get(o),
                **{what: by_owner[o] for what, by_owner in sums.items() if o in by_owner},
            )
            for o in sorted(everyone)
        }

    async def fund_totals(self, period_id: int) -> tuple[Decimal, Decimal]:
        paid_in = sum(
            (
                r.amount
                for r in self._list("contribution", period_id, None, None)
                if r.kind != "opening"
            ),
            Decimal(0),
        )
        spent = sum(
            (
                r.amount
                for r in self._list("expense", period_id, None, None)
                if r.paid_by_owner_id is None
            ),
            Decimal(0),
        )
        return paid_in, spent

    async def add_expense(self, period: Period, values: dict[str, Any]) -> Row:
        return self._add("expense", period, values)

    async def lock_balances(self, period_id: int, owner_ids: Sequence[int]) -> None:
        return None  # one task at a time: nothing to order

    async def add_allocations(self, expense_id: int, lines: dict[int, Decimal]) -> None:
        self.allocations[expense_id] = dict(sorted(lines.items()))

    async def get_entry(
        self, table: str, period_id: int, entry_id: int, *, for_update: bool = False
    ) -> Row | None:
        row = self.entries[table].get(entry_id)
        return row if row is not None and row.period_id == period_id else None

    async def reversal_of(self, table: str, entry_id: int) -> int | None:
        return next((r.id for r in self.entries[table].values() if r.reverses_id == entry_id), None)

    async def list_expenses(self, period_id: int) -> list[Row]:
        return self._list("expense", period_id, None, None)

    async def allocations_of(self, expense_ids: Sequence[int]) -> dict[int, dict[int, Decimal]]:
        return {e: dict(self.allocations.get(e, {})) for e in expense_ids}

    # Budgets
    async def add_budget_item(self, period: Period, values: dict[str, Any]) -> Row:
        row = Row(
            id=self._next(),
            period_id=period.id,
            community_id=period.community_id,
            applied_at=None,
            **values,
        )
        self.budget_items[row.id] = row
        return row

    async def get_budget_item(self, period_id: int, item_id: int) -> Row | None:
        row = self.budget_items.get(item_id)
        return row if row is not None and row.period_id == period_id else None

    async def list_budget_items(self, period_id: int) -> list[Row]:
        return [r for _, r in sorted(self.budget_items.items()) if r.period_id == period_id]

    async def mark_budget_item_applied(self, item_id: int, applied_at: datetime) -> Row:
        self.budget_items[item_id].applied_at = applied_at
        return self.budget_items[item_id]

    async def spent_by_category(self, period_id: int) -> dict[str, Decimal]:
        spent: dict[str, Decimal] = {}
        for r in self._list("expense", period_id, None, None):
            spent[r.payment_type] = spent.get(r.payment_type, Decimal(0)) + r.amount
        return spent

    # Meters
    async def add_meter(self, values: dict[str, Any]) -> Row:
        row = Row(id=self._next(), **values)
        self.meters[row.id] = row
        self.readings_of[row.id] = []
        return row

    async def get_meter(self, meter_id: int, *, for_update: bool = False) -> Row | None:
        return self.meters.get(meter_id)

    async def list_meters(
        self, community_id: int, meter_type: str | None = None, owner_id: int | None = None
    ) -> list[Row]:
        return [
            m
            for _, m in sorted(self.meters.items())
            if m.community_id == community_id
            and (meter_type is None or m.meter_type == meter_type)
            and (owner_id is None or m.owner_id == owner_id)
        ]

    async def readings(self, meter_ids: Sequence[int]) -> dict[int, list[Reading]]:
        return {
            m: [
                Reading(r.reading_date, r.value, r.is_replacement)
                for r in sorted(self.readings_of[m], key=lambda r: r.reading_date)
            ]
            for m in meter_ids
        }

    async def reading_rows(self, meter_id: int) -> list[Row]:
        return sorted(self.readings_of[meter_id], key=lambda r: r.reading_date)

    async def add_reading(self, meter_id: int, reading: Reading, created_by: str) -> Row:
        row = Row(
            id=self._next(),
            meter_id=meter_id,
            reading_date=reading.reading_date,
            value=reading.value,
            is_replacement=reading.is_replacement,
            created_by=created_by,
        )
        self.readings_of[meter_id].append(row)
        return row

    async def usage_billed(self, period_id: int, meter_type: str) -> bool:
        reversed_ids = {r.reverses_id for r in self.entries["charge"].values()}
        return any(
            r.period_id == period_id
            and r.usage_meter_type == meter_type
            and r.kind == "charge"
            and r.id not in reversed_ids
            for r in self.entries["charge"].values()
        )
