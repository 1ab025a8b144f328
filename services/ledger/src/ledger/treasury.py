"""What a treasurer does: the ledger's use cases, called alike by REST routes and by commands.

Each method runs inside the caller's unit of work: it checks permissions, applies the domain
rules, writes the rows and appends the resulting events to the outbox, all in one transaction.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

from sosenki_contracts import topics
from sosenki_contracts.money import check_scale, format_amount, minor_units
from sosenki_platform.access_policy import (
    CommunityData,
    CommunityRole,
    community_role,
    require_in_community,
)
from sosenki_platform.errors import BadRequest, Conflict, Forbidden, NotFound
from sosenki_platform.service import Runtime
from sqlalchemy.ext.asyncio import AsyncSession

from ledger.access import Caller
from ledger.adapters.repository import LedgerRepository
from ledger.domain import carry_forward as carry_rules
from ledger.domain import meters as meter_rules
from ledger.domain import periods as period_rules
from ledger.domain import shares as share_rules
from ledger.domain import usage_billing as billing_rules
from ledger.domain.allocation import AllocationStrategy, allocate_expense
from ledger.domain.balances import OwnerTotals
from ledger.domain.carry_forward import CarryForwardPlan
from ledger.domain.expense_dates import expense_date
from ledger.domain.meters import MeterType, Reading
from ledger.domain.periods import Period, PeriodStatus
from ledger.domain.reversals import check_reversal

SINCE_THE_BEGINNING = date(1, 1, 1)


class Treasury:
    def __init__(
        self,
        runtime: Runtime,
        session: AsyncSession,
        caller: Caller,
        correlation_id: str | None = None,
        causation_id: str | None = None,
    ) -> None:
        self.runtime = runtime
        self.repo = LedgerRepository(session)
        self.session = session
        self.caller = caller
        self.correlation_id = correlation_id
        self.causation_id = causation_id

    async def _publish(self, event_type: str, community_id: int, payload: dict[str, Any]) -> None:
        # The community is the aggregate: carry-forward spans periods, and keying every event of
        # a community alike keeps them in one total order (one partition) for every consumer.
        event = self.runtime.event(
            event_type,
            community_id,
            payload,
            actor=self.caller.actor,
            correlation_id=self.correlation_id,
            causation_id=self.causation_id,
        )
        await self.runtime.outbox.append(self.session, topics.LEDGER_EVENTS, event)

    # Access: the shared policy, decided from this ledger's treasurers and owners.
    async def _community(self, community_id: int) -> Any:
        community = await self.repo.get_community(community_id)
        if community is None or not self.caller.in_scope(community_id):
            raise NotFound("Community not found")
        return community

    async def role(self, community_id: int) -> CommunityRole:
        uid = self.caller.user_id
        return community_role(
            self.caller.asker,
            community_id,
            is_treasurer=uid is not None and await self.repo.is_treasurer(community_id, uid),
            is_owner=uid is not None and await self.repo.get_owner(community_id, uid) is not None,
        )

    async def require(
        self, community_id: int, data: CommunityData, hidden: str = "Community not found"
    ) -> Any:
        """The community, if the caller may read or do ``data`` there (404 or 403 otherwise)."""
        community = await self.repo.get_community(community_id)
        if community is None:
            raise NotFound(hidden)
        require_in_community(
            await self.role(community_id),
            data,
            community_id,
            owners_see_balance_sheet=community.owners_see_balance_sheet,
            hidden=hidden,
        )
        return community

    async def require_reader(self, community_id: int) -> Any:
        return await self.require(community_id, CommunityData.COMMUNITY)

    async def _is_treasurer(self, community_id: int) -> bool:
        return await self.role(community_id) in (CommunityRole.SERVICE, CommunityRole.TREASURER)

    async def role_in(self, community_id: int) -> str:
        """treasurer, owner, or the caller's privileged role (admin/service)."""
        await self.require_reader(community_id)
        if self.caller.privileged:
            return self.caller.actor.kind if self.caller.actor.kind == "service" else "admin"
        return (await self.role(community_id)).value

    async def memberships_of(self, user_id: int) -> list[tuple[int, str, bool]]:
        """Where a user is a treasurer or an owner: for the user themselves and for services
        (the bot gateway asks before it mints a token or honours an invitation)."""
        if not self.caller.privileged and self.caller.user_id != user_id:
            # Like every other thing a caller may not see: as if it did not exist.
            raise NotFound("User not found")
        return await self.repo.memberships_of(user_id)

    async def require_treasurer(self, community_id: int) -> Any:
        return await self.require(community_id, CommunityData.WRITE)

    async def owner_filter(self, community_id: int, owner_id: int | None) -> int | None:
        """Whose per-owner records a list shows: an owner sees only their own (asking for
        another's is 403), a treasurer whoever they ask for (None: everyone)."""
        if await self._is_treasurer(community_id):
            return owner_id
        if owner_id is not None and owner_id != self.caller.user_id:
            await self.require(community_id, CommunityData.OTHER_OWNER)
        return self.caller.user_id

    async def set_settings(self, community_id: int, owners_see_balance_sheet: bool) -> Any:
        """A treasurer decides whether owners see the community's balance sheet."""
        await self.require_treasurer(community_id)
        row = await self.repo.update_community(
            community_id, owners_see_balance_sheet=owners_see_balance_sheet
        )
        await self._publish(
            "ledger.community_settings_changed",
            community_id,
            {"community_id": community_id, "owners_see_balance_sheet": owners_see_balance_sheet},
        )
        return row

    async def add_treasurer(self, community_id: int, user_id: int) -> None:
        await self.require_treasurer(community_id)
        if await self.repo.is_treasurer(community_id, user_id):
            raise Conflict(f"User {user_id} is already a treasurer of community {community_id}")
        await self.repo.add_treasurer(community_id, user_id)
        await self._publish(
            "ledger.treasurer_appointed",
            community_id,
            {"community_id": community_id, "user_id": user_id},
        )

    async def period(self, period_id: int, *, for_update: bool = False) -> Period:
        period = await self.repo.get_period(period_id, for_update=for_update)
        if period is None or not self.caller.in_scope(period.community_id):
            raise NotFound("Period not found")
        try:
            await self.require_reader(period.community_id)
        except NotFound:
            raise NotFound("Period not found") from None
        return period

    # Communities and owners
    async def create_community(self, name: str, base_currency: str, timezone: str) -> Any:
        if not name.strip():
            raise BadRequest("Community name must not be empty")
        row = await self.repo.add_community(
            name.strip(), base_currency, timezone, self.caller.actor.id
        )
        if self.caller.user_id is not None:
            await self.repo.add_treasurer(row.id, self.caller.user_id)
        await self._publish(
            "ledger.community_created",
            row.id,
            {
                "community_id": row.id,
                "name": row.name,
                "base_currency": base_currency,
                "timezone": timezone,
            },
        )
        return row

    async def add_owner(
        self,
        community_id: int,
        user_id: int,
        display_name: str,
        username: str | None,
        ownership_share: Decimal,
    ) -> Any:
        await self.require_treasurer(community_id)
        if ownership_share <= 0:
            raise BadRequest("Ownership share must be positive")
        if await self.repo.get_owner(community_id, user_id) is not None:
            raise Conflict(f"User {user_id} is already an owner in community {community_id}")
        row = await self.repo.add_owner(
            community_id, user_id, display_name, username, ownership_share
        )
        await self.repo.set_share(community_id, user_id, SINCE_THE_BEGINNING, ownership_share)
        await self._publish(
            "ledger.owner_added",
            community_id,
            {
                "community_id": community_id,
                "owner_id": user_id,
                "user_id": user_id,
                "display_name": display_name,
                "username": username,
                "ownership_share": str(ownership_share),
            },
        )
        return row

    async def change_share(
        self, community_id: int, user_id: int, ownership_share: Decimal, effective_from: date
    ) -> Any:
        """From ``effective_from`` on, expenses are allocated with the new share."""
        await self.require_treasurer(community_id)
        if ownership_share <= 0:
            raise BadRequest("Ownership share must be positive")
        await self._require_owner(community_id, user_id)
        await self.repo.set_share(community_id, user_id, effective_from, ownership_share)
        # The owner row holds the share in force today; a later change is only scheduled.
        history = (await self.repo.share_history(community_id)).get(user_id, [])
        current = share_rules.share_on(history, date.today()) or ownership_share
        row = await self.repo.update_owner(community_id, user_id, ownership_share=current)
        await self._publish(
            "ledger.ownership_share_changed",
            community_id,
            {
                "community_id": community_id,
                "owner_id": user_id,
                "ownership_share": str(ownership_share),
                "effective_from": effective_from.isoformat(),
            },
        )
        return row

    async def deactivate_owner(self, community_id: int, user_id: int) -> Any:
        """An owner who left: kept in history, no longer in new allocations."""
        await self.require_treasurer(community_id)
        owner = await self._require_owner(community_id, user_id)
        if not owner.active:
            raise Conflict(f"Owner {user_id} is already inactive")
        row = await self.repo.update_owner(community_id, user_id, active=False)
        await self._publish(
            "ledger.owner_deactivated",
            community_id,
            {"community_id": community_id, "owner_id": user_id},
        )
        return row

    # Periods
    async def create_period(
        self,
        community_id: int,
        name: str,
        start_date: date,
        end_date: date,
        description: str | None,
    ) -> Period:
        await self.require_treasurer(community_id)
        period_rules.validate_new_period(name, start_date, end_date)
        period_rules.check_no_overlap(
            start_date,
            end_date,
            await self.repo.periods_overlapping(community_id, start_date, end_date),
        )
        period = await self.repo.add_period(
            community_id, name.strip(), start_date, end_date, description
        )
        await self._publish(
            "ledger.period_created",
            period.community_id,
            {
                "community_id": community_id,
                "period_id": period.id,
                "name": period.name,
                "start_date": period.start_date.isoformat(),
                "end_date": period.end_date.isoformat(),
                "description": period.description,
                "status": period.status.value,
            },
        )
        return period

    async def close_period(self, period_id: int) -> Period:
        # The row lock orders a close after any contribution already writing into the period.
        period = await self.period(period_id, for_update=True)
        await self.require_treasurer(period.community_id)
        closed = period_rules.close(period, datetime.now(UTC))
        await self.repo.save_period_state(closed)
        await self._publish(
            "ledger.period_closed",
            period.community_id,
            {
                "community_id": period.community_id,
                "period_id": period.id,
                "closed_at": closed.closed_at.isoformat() if closed.closed_at else None,
            },
        )
        return closed

    # Money
    async def _open_period_for(self, period_id: int, what: str) -> tuple[Period, str]:
        # The period row lock serialises this write with a concurrent close: it never lands in a
        # period that closed meanwhile.
        period = await self.period(period_id, for_update=True)
        community = await self.require_treasurer(period.community_id)
        period_rules.ensure_open_for(period, what)
        return period, str(community.base_currency)

    async def _require_owner(self, community_id: int, user_id: int) -> Any:
        owner = await self.repo.get_owner(community_id, user_id)
        if owner is None:
            raise NotFound(f"Owner {user_id} not found in community {community_id}")
        return owner

    def _check_amount(self, amount: Decimal, currency: str, what: str) -> None:
        if amount <= 0:
            raise BadRequest(f"{what} amount must be positive")
        try:
            check_scale(amount, currency)
        except ValueError as exc:
            raise BadRequest(str(exc)) from None

    async def record_contribution(
        self, period_id: int, owner_id: int, amount: Decimal, comment: str | None
    ) -> Any:
        period, currency = await self._open_period_for(period_id, "contributions")
        self._check_amount(amount, currency, "Contribution")
        await self._require_owner(period.community_id, owner_id)
        return await self._post_contribution(
            period, currency, {"owner_id": owner_id, "amount": amount, "comment": comment}
        )

    async def _post_contribution(
        self, period: Period, currency: str, values: dict[str, Any]
    ) -> Any:
        """Write a contribution (regular, opening or reversal) and its event."""
        row = await self.repo.add_contribution(
            period,
            {"currency": currency, "date": datetime.now(UTC), "created_by": self.caller.actor.id}
            | values,
        )
        await self._publish(
            "ledger.contribution_recorded",
            period.community_id,
            {
                "community_id": period.community_id,
                "period_id": period.id,
                "contribution_id": row.id,
                "owner_id": row.owner_id,
                "amount": format_amount(row.amount, currency),
                "currency": currency,
                "date": row.date.isoformat(),
                "comment": row.comment,
                "kind": row.kind,
                "reverses_id": row.reverses_id,
                "reason": row.reason,
            },
        )
        return row

    async def record_charge(
        self, period_id: int, owner_id: int, amount: Decimal, description: str
    ) -> Any:
        period, currency = await self._open_period_for(period_id, "charges")
        self._check_amount(amount, currency, "Charge")
        if not description.strip():
            raise BadRequest("Charge description must not be empty")
        await self._require_owner(period.community_id, owner_id)
        return await self._post_charge(
            period, currency, {"owner_id": owner_id, "amount": amount, "description": description}
        )

    async def charge_owners(
        self,
        community_id: int,
        on_date: date,
        amount: Decimal,
        description: str,
        owner_ids: list[int] | None,
    ) -> list[Any]:
        """The same charge for each owner (default: every active owner) in the open period that
        covers ``on_date``; all or nothing."""
        await self.require_treasurer(community_id)
        period_id = await self.repo.open_period_covering(community_id, on_date)
        if period_id is None:
            raise BadRequest(
                f"No open period of community {community_id} covers {on_date.isoformat()}"
            )
        if owner_ids is None:
            owner_ids = [o.user_id for o in await self.repo.list_owners(community_id, True)]
        if not owner_ids:
            raise BadRequest("No owners to charge")
        if len(set(owner_ids)) != len(owner_ids):
            raise BadRequest("owner_ids must not repeat")
        return [
            await self.record_charge(period_id, owner_id, amount, description)
            for owner_id in owner_ids
        ]

    async def _post_charge(self, period: Period, currency: str, values: dict[str, Any]) -> Any:
        """Write a service charge (regular, opening or reversal) and its event."""
        row = await self.repo.add_charge(
            period,
            {"currency": currency, "date": datetime.now(UTC), "created_by": self.caller.actor.id}
            | values,
        )
        await self._publish(
            "ledger.charge_recorded",
            period.community_id,
            {
                "community_id": period.community_id,
                "period_id": period.id,
                "charge_id": row.id,
                "owner_id": row.owner_id,
                "amount": format_amount(row.amount, currency),
                "currency": currency,
                "description": row.description,
                "date": row.date.isoformat(),
                "kind": row.kind,
                "reverses_id": row.reverses_id,
                "reason": row.reason,
            },
        )
        return row

    # Corrections
    async def reverse(self, entry: str, period_id: int, entry_id: int, reason: str) -> Any:
        """Reverse a contribution, expense or charge: a new entry with the negated amount.

        The entry itself is never changed; the period must still be open.
        """
        plural = {"contribution": "contributions", "expense": "expenses", "charge": "charges"}[
            entry
        ]
        period, currency = await self._open_period_for(period_id, plural)
        if not reason.strip():
            raise BadRequest("A reversal needs a reason")
        row = await self.repo.get_entry(entry, period.id, entry_id, for_update=True)
        if row is None:
            raise NotFound(f"{entry.capitalize()} not found")
        already = await self.repo.reversal_of(entry, entry_id) is not None
        check_reversal(entry, entry_id, row.kind, already)
        common = {
            "amount": -row.amount,
            "kind": "reversal",
            "reverses_id": row.id,
            "reason": reason,
        }
        if entry == "contribution":
            comment = f"Reversal of contribution {row.id}"
            return await self._post_contribution(
                period, currency, common | {"owner_id": row.owner_id, "comment": comment}
            )
        if entry == "charge":
            return await self._post_charge(
                period,
                currency,
                common
                | {
                    "owner_id": row.owner_id,
                    "description": f"Reversal: {row.description}",
                    "usage_meter_type": row.usage_meter_type,
                },
            )
        lines = (await self.repo.allocations_of([row.id]))[row.id]
        reversed_row = await self._post_expense(
            period,
            currency,
            common
            | {
                "paid_by_owner_id": row.paid_by_owner_id,
                "payment_type": row.payment_type,
                "vendor": row.vendor,
                "description": row.description,
                "allocation_strategy": row.allocation_strategy,
            },
            {owner: -amount for owner, amount in lines.items()},
        )
        return reversed_row

    # Budgets
    async def create_budget_item(
        self,
        period_id: int,
        category: str,
        planned_amount: Decimal,
        strategy: AllocationStrategy,
        meter_type: MeterType | None,
        description: str | None,
    ) -> Any:
        period, currency = await self._open_period_for(period_id, "budget items")
        self._check_amount(planned_amount, currency, "Planned")
        if not category.strip():
            raise BadRequest("Budget category must not be empty")
        if strategy is AllocationStrategy.USAGE_BASED and meter_type is None:
            raise BadRequest("USAGE_BASED allocation needs a meter_type")
        row = await self.repo.add_budget_item(
            period,
            {
                "category": category.strip(),
                "planned_amount": planned_amount,
                "currency": currency,
                "allocation_strategy": strategy.value,
                "meter_type": meter_type.value if meter_type else None,
                "description": description,
                "created_by": self.caller.actor.id,
            },
        )
        await self._publish(
            "ledger.budget_item_created",
            period.community_id,
            {
                "community_id": period.community_id,
                "period_id": period.id,
                "budget_item_id": row.id,
                "category": row.category,
                "planned_amount": format_amount(planned_amount, currency),
                "currency": currency,
                "allocation_strategy": strategy.value,
            },
        )
        return row

    async def apply_budget_item(self, period_id: int, item_id: int) -> list[Any]:
        """Turn a budget item into per-owner service charges, once."""
        period, currency = await self._open_period_for(period_id, "charges")
        item = await self.repo.get_budget_item(period.id, item_id)
        if item is None:
            raise NotFound("Budget item not found")
        if item.applied_at is not None:
            raise Conflict(f"Budget item {item_id} has already been applied")
        strategy = AllocationStrategy(item.allocation_strategy)
        if strategy is AllocationStrategy.NONE:
            raise BadRequest(
                "A budget item allocated NONE is paid from the fund: nothing to charge"
            )
        usage = None
        if strategy is AllocationStrategy.USAGE_BASED:
            usage = await self.usage_by_owner(period, item.meter_type)
        shares = await self.repo.shares_on(period.community_id, period.start_date)
        lines = allocate_expense(
            Decimal(item.planned_amount),
            strategy,
            shares=shares,
            consumption=usage,
            minor_units=minor_units(currency),
        )
        charges = [
            await self._post_charge(
                period,
                currency,
                {"owner_id": owner, "amount": amount, "description": f"Budget: {item.category}"},
            )
            for owner, amount in lines.items()
            if amount > 0
        ]
        await self.repo.mark_budget_item_applied(item.id)
        await self._publish(
            "ledger.budget_item_applied",
            period.community_id,
            {
                "community_id": period.community_id,
                "period_id": period.id,
                "budget_item_id": item.id,
                "charge_ids": [c.id for c in charges],
            },
        )
        return charges

    async def budget_vs_actual(
        self, period_id: int
    ) -> tuple[str, list[tuple[str, Decimal, Decimal]]]:
        """(currency, [(category, planned, actually spent)]) over budget items and expenses."""
        period = await self.period(period_id)
        planned: dict[str, Decimal] = {}
        for item in await self.repo.list_budget_items(period.id):
            planned[item.category] = planned.get(item.category, Decimal(0)) + item.planned_amount
        spent = await self.repo.spent_by_category(period.id)
        zero = Decimal(0)
        rows = [
            (category, planned.get(category, zero), spent.get(category, zero))
            for category in sorted(set(planned) | set(spent))
        ]
        return await self.currency_of(period), rows

    # Meters
    async def register_meter(
        self,
        community_id: int,
        owner_id: int,
        meter_type: MeterType,
        name: str | None,
        tariff: Decimal | None,
    ) -> Any:
        await self.require_treasurer(community_id)
        await self._require_owner(community_id, owner_id)
        if tariff is not None and tariff < 0:
            raise BadRequest("Tariff must not be negative")
        row = await self.repo.add_meter(
            {
                "community_id": community_id,
                "owner_id": owner_id,
                "meter_type": meter_type.value,
                "name": name,
                "tariff": tariff,
            }
        )
        await self._publish(
            "ledger.meter_registered",
            community_id,
            {
                "community_id": community_id,
                "meter_id": row.id,
                "owner_id": owner_id,
                "meter_type": meter_type.value,
                "name": name,
                "tariff": None if tariff is None else str(tariff),
            },
        )
        return row

    async def meter(self, meter_id: int, *, for_update: bool = False) -> Any:
        meter = await self.repo.get_meter(meter_id, for_update=for_update)
        if meter is None or not self.caller.in_scope(meter.community_id):
            raise NotFound("Meter not found")
        try:
            await self.require_reader(meter.community_id)
        except NotFound:
            raise NotFound("Meter not found") from None
        return meter

    async def record_reading(
        self, meter_id: int, reading_date: date, value: Decimal, is_replacement: bool
    ) -> Any:
        """Treasurers record any meter's readings; an owner records their own meters'."""
        # Row-locked: readings of one meter are serialised.
        meter = await self.meter(meter_id, for_update=True)
        if meter.owner_id != self.caller.user_id and not await self._is_treasurer(
            meter.community_id
        ):
            raise Forbidden("Owners may only submit readings for their own meters")
        reading = Reading(reading_date, value, is_replacement)
        existing = (await self.repo.readings([meter.id]))[meter.id]
        meter_rules.check_new_reading(existing, reading)
        row = await self.repo.add_reading(meter.id, reading, self.caller.actor.id)
        await self._publish(
            "ledger.meter_reading_recorded",
            meter.community_id,
            {
                "community_id": meter.community_id,
                "meter_id": meter.id,
                "owner_id": meter.owner_id,
                "meter_type": meter.meter_type,
                "reading_id": row.id,
                "reading_date": reading_date.isoformat(),
                "value": str(value),
                "is_replacement": is_replacement,
            },
        )
        return row

    async def consumption(
        self, period: Period, meter_type: str | None = None
    ) -> list[tuple[Any, Decimal]]:
        """(meter, consumption in the period) for the community's meters."""
        meters = await self.repo.list_meters(period.community_id, meter_type)
        readings = await self.repo.readings([m.id for m in meters])
        return [
            (m, meter_rules.consumption(readings[m.id], period.start_date, period.end_date))
            for m in meters
        ]

    async def usage_by_owner(self, period: Period, meter_type: str) -> dict[int, Decimal]:
        usage: dict[int, Decimal] = {}
        for meter, used in await self.consumption(period, meter_type):
            usage[meter.owner_id] = usage.get(meter.owner_id, Decimal(0)) + used
        return usage

    async def bill_usage(self, period_id: int, meter_type: MeterType) -> list[Any]:
        """Bill each metered owner's consumption at the meter's tariff as service charges."""
        # The period row lock (taken here) serialises bills and reversals of one period.
        period, currency = await self._open_period_for(period_id, "charges")
        bill = billing_rules.usage_charges(
            (
                (meter.owner_id, used, None if meter.tariff is None else Decimal(meter.tariff))
                for meter, used in await self.consumption(period, meter_type.value)
            ),
            minor_units(currency),
        )
        billed = await self.repo.usage_billed(period.id, meter_type.value)
        billing_rules.check_billable(period.id, meter_type.value, bill, billed)
        return [
            await self._post_charge(
                period,
                currency,
                {
                    "owner_id": line.owner_id,
                    "amount": line.amount,
                    "description": (
                        f"{meter_type.value.capitalize()}: {line.used} units at {line.tariff}"
                    ),
                    "usage_meter_type": meter_type.value,
                },
            )
            for line in bill
        ]

    # Balances
    async def currency_of(self, period: Period) -> str:
        return str((await self._community(period.community_id)).base_currency)

    async def _totals(self, period: Period) -> list[OwnerTotals]:
        return list((await self.repo.period_totals(period)).values())

    async def period_balances(self, period_id: int) -> tuple[Period, str, list[OwnerTotals]]:
        """The balance sheet: treasurers, and owners unless the community turned it off."""
        period = await self.period(period_id)
        await self.require(period.community_id, CommunityData.BALANCE_SHEET)
        return period, await self.currency_of(period), await self._totals(period)

    async def owner_balance(self, period_id: int, owner_id: int) -> tuple[str, OwnerTotals]:
        period = await self.period(period_id)
        if owner_id != self.caller.user_id:
            await self.require(period.community_id, CommunityData.OTHER_OWNER)
        for entry in await self._totals(period):
            if entry.owner_id == owner_id:
                return await self.currency_of(period), entry
        raise NotFound("Owner not found")

    async def fund_summary(self, period_id: int) -> tuple[str, Decimal, Decimal]:
        period = await self.period(period_id)
        await self.require(period.community_id, CommunityData.FUND)
        contributed, spent = await self.repo.fund_totals(period.id)
        return await self.currency_of(period), contributed, spent

    # Period transitions
    async def reopen_period(self, period_id: int) -> Period:
        period = await self.period(period_id, for_update=True)
        await self.require_treasurer(period.community_id)
        reopened = period_rules.reopen(period)
        await self.repo.save_period_state(reopened)
        await self._publish(
            "ledger.period_reopened",
            period.community_id,
            {"community_id": period.community_id, "period_id": period.id},
        )
        return reopened

    async def carry_forward(
        self, from_period_id: int, to_period_id: int
    ) -> tuple[CarryForwardPlan, str]:
        # Lock both periods in id order: two carry-forwards of one source serialise here, and the
        # second sees carried_forward set.
        first, second = sorted((from_period_id, to_period_id))
        locked = {pid: await self.period(pid, for_update=True) for pid in (first, second)}
        source, target = locked[from_period_id], locked[to_period_id]
        community = await self.require_treasurer(source.community_id)
        following = await self.repo.next_period_after(source.community_id, source.end_date)
        carry_rules.check_carry_forward(source, target, following)
        currency = str(community.base_currency)
        totals = await self.repo.period_totals(source)
        plan = carry_rules.plan_carry_forward({o: e.balance for o, e in totals.items()})
        # The event comes before its opening entries, so a reader of the events never sees the
        # opening balances while the source still looks uncarried (and counts them twice).
        await self._publish(
            "ledger.balances_carried_forward",
            source.community_id,
            {
                "community_id": source.community_id,
                "from_period_id": source.id,
                "to_period_id": target.id,
                "balances": {str(o): format_amount(b, currency) for o, b in plan.balances.items()},
                "total_carried": format_amount(plan.total, currency),
                "currency": currency,
            },
        )
        for owner_id, credit in plan.credits.items():
            await self._post_contribution(
                target,
                currency,
                {
                    "owner_id": owner_id,
                    "amount": credit,
                    "comment": carry_rules.OPENING_CONTRIBUTION_COMMENT,
                    "kind": "opening",
                },
            )
        for owner_id, debt in plan.debts.items():
            await self._post_charge(
                target,
                currency,
                {
                    "owner_id": owner_id,
                    "amount": debt,
                    "description": carry_rules.OPENING_CHARGE_DESCRIPTION,
                    "kind": "opening",
                },
            )
        await self.repo.save_period_state(replace(source, carried_forward=True))
        return plan, currency

    async def record_expense(
        self,
        period_id: int,
        *,
        paid_by_owner_id: int | None,
        amount: Decimal,
        payment_type: str,
        vendor: str | None,
        description: str | None,
        strategy: AllocationStrategy,
        owner_subset: list[int] | None,
        when: datetime | None = None,
        meter_type: MeterType | None = None,
    ) -> Any:
        period, currency = await self._open_period_for(period_id, "expenses")
        when = expense_date(period, when, datetime.now(UTC))
        self._check_amount(amount, currency, "Expense")
        if not payment_type.strip():
            raise BadRequest("payment_type must not be empty")
        if paid_by_owner_id is not None:
            await self._require_owner(period.community_id, paid_by_owner_id)
        # Shares as they were on the expense's date (a share change applies from its date on).
        active = await self.repo.shares_on(period.community_id, when.date())
        if owner_subset is not None:
            unknown = sorted(set(owner_subset) - set(active))
            if unknown:
                raise BadRequest(f"Not active owners of this community: {unknown}")
            if len(set(owner_subset)) != len(owner_subset):
                raise BadRequest("owner_ids must not repeat")
            active = {o: active[o] for o in owner_subset}
        usage = None
        if strategy is AllocationStrategy.USAGE_BASED:
            if meter_type is None:
                raise BadRequest("USAGE_BASED allocation needs a meter_type")
            usage = await self.usage_by_owner(period, meter_type.value)
        lines = allocate_expense(
            amount,
            strategy,
            shares=active,
            consumption=usage,
            minor_units=minor_units(currency),
        )
        return await self._post_expense(
            period,
            currency,
            {
                "paid_by_owner_id": paid_by_owner_id,
                "amount": amount,
                "payment_type": payment_type.strip(),
                "vendor": vendor,
                "description": description,
                "allocation_strategy": strategy.value,
                "date": when,
            },
            lines,
        )

    async def _post_expense(
        self, period: Period, currency: str, values: dict[str, Any], lines: dict[int, Decimal]
    ) -> Any:
        """Write an expense (regular or reversal) with its allocation lines, and its event."""
        row = await self.repo.add_expense(
            period,
            {"currency": currency, "date": datetime.now(UTC), "created_by": self.caller.actor.id}
            | values,
        )
        await self.repo.add_allocations(row.id, lines)
        await self._publish(
            "ledger.expense_recorded",
            period.community_id,
            {
                "community_id": period.community_id,
                "period_id": period.id,
                "expense_id": row.id,
                "paid_by_owner_id": row.paid_by_owner_id,
                "amount": format_amount(row.amount, currency),
                "currency": currency,
                "payment_type": row.payment_type,
                "vendor": row.vendor,
                "description": row.description,
                "date": row.date.isoformat(),
                "allocation_strategy": row.allocation_strategy,
                "allocations": [
                    {"owner_id": o, "amount": format_amount(a, currency)} for o, a in lines.items()
                ],
                "kind": row.kind,
                "reverses_id": row.reverses_id,
                "reason": row.reason,
            },
        )
        return row

    async def visible_community_ids(self) -> list[int] | None:
        """Communities whose periods the caller may list; None for unnarrowed privileged callers
        (all)."""
        if self.caller.privileged:
            return None if self.caller.scopes is None else sorted(self.caller.scopes)
        uid = self.caller.user_id
        if uid is None:
            return []
        return self.caller.asker.narrow_communities(await self.repo.communities_of(uid))

    @staticmethod
    def status_filter(status: str | None) -> PeriodStatus | None:
        if status is None:
            return None
        try:
            return PeriodStatus(status.upper())
        except ValueError:
            raise BadRequest("status must be OPEN or CLOSED") from None
