"""An expense as read in one transaction, and the typed snapshots events and history carry.

Amounts are quantized to their currency's minor units, so the wire carries ``"100.00"`` (the
contract's ``Amount`` keeps the scale it is given).
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from sosenki_contracts.commands.splits import RecurrencePattern
from sosenki_contracts.events import splits as ev
from sosenki_contracts.money import quantize

from splits.repository import Record


def money(amount: Any, currency: str) -> Decimal:
    return quantize(Decimal(amount), currency)


def plain(value: Any) -> Decimal | None:
    """A rate or percentage without trailing zeros (``1.5000`` → ``1.5``)."""
    return None if value is None else Decimal(value).normalize()


def aggregate(group_id: int | None, list_id: int | None) -> str:
    """The event key: one group's events stay in order on one partition; a personal list is its
    own stream."""
    return f"group:{group_id}" if group_id is not None else f"list:{list_id}"


@dataclass(frozen=True)
class ExpenseView:
    """An expense with its payers and splits, as read in one transaction."""

    row: Record
    payers: list[Record]
    splits: list[Record]

    @property
    def paid_by_user_id(self) -> int | None:
        return self.payers[0].user_id if len(self.payers) == 1 else None

    def snapshot(self) -> ev.ExpenseSnapshot:
        r = self.row
        cur, base = r.currency, r.base_currency
        return ev.ExpenseSnapshot(
            expense_id=r.id,
            group_id=r.group_id,
            list_id=r.list_id,
            item_id=r.item_id,
            description=r.description,
            category=r.category,
            notes=r.notes,
            expense_date=r.expense_date,
            total_amount=money(r.total_amount, cur),
            currency=cur,
            exchange_rate=plain(r.exchange_rate),
            base_currency=base,
            base_total_amount=money(r.base_total_amount, base),
            split_type=r.split_type,
            payers=[
                ev.PayerLine(
                    user_id=p.user_id,
                    amount=money(p.amount, cur),
                    base_amount=money(p.base_amount, base),
                )
                for p in self.payers
            ],
            splits=[
                ev.SplitLine(
                    expense_split_id=s.id,
                    user_id=s.user_id,
                    owed_amount=money(s.owed_amount, cur),
                    base_owed_amount=money(s.base_owed_amount, base),
                    share_percentage=plain(s.share_percentage),
                    share_units=s.share_units,
                    paid_amount=money(s.paid_amount, cur),
                    status=s.status,
                )
                for s in self.splits
            ],
            is_recurring=r.is_recurring,
            recurrence=(
                None if r.recurrence is None else RecurrencePattern.model_validate(r.recurrence)
            ),
            template_expense_id=r.template_expense_id,
            version=r.version,
            status=r.status,
        )


def item_snapshot(item: Record, lst: Record) -> ev.ItemSnapshot:
    return ev.ItemSnapshot(
        item_id=item.id,
        list_id=lst.id,
        group_id=lst.group_id,
        name=item.name,
        price=None if item.price is None else money(item.price, lst.currency),
        currency=lst.currency,
        quantity=item.quantity,
        added_by=item.added_by,
        assigned_to=item.assigned_to,
    )


def settlement_snapshot(row: Record) -> ev.SettlementSnapshot:
    return ev.SettlementSnapshot(
        settlement_id=row.id,
        group_id=row.group_id,
        paid_by_user_id=row.paid_by_user_id,
        paid_to_user_id=row.paid_to_user_id,
        amount=money(row.amount, row.currency),
        currency=row.currency,
        description=row.description,
        settlement_date=row.settlement_date,
        version=row.version,
    )
