"""Events published by the splits service on ``splits.events.v1`` (shared expenses).

Each event carries what a projection needs without asking the splits service: the group, amounts
as strings in the expense's currency and in the group's base currency, and every split line. The
actor is in the envelope. Updates carry ``before`` and ``after``; a deletion is a reversal that
carries the expense as it was.

Tolerant readers: unknown fields are ignored and nullable fields default to None, so adding an
optional field is not a breaking change. Removing or changing a field is: register the new shape
under ``version=2``.
"""

from __future__ import annotations

from datetime import date

from pydantic import AwareDatetime, BaseModel, ConfigDict

from sosenki_contracts.commands.splits import RecurrencePattern
from sosenki_contracts.money import Amount, CurrencyCode, DecimalString
from sosenki_contracts.registry import event

_CONFIG = ConfigDict(extra="ignore", frozen=True)


@event("splits.group_created", version=1)
class GroupCreated(BaseModel):
    model_config = _CONFIG

    group_id: int
    name: str
    base_currency: CurrencyCode
    description: str | None = None
    owner_user_id: int | None = None


@event("splits.member_added", version=1)
class MemberAdded(BaseModel):
    model_config = _CONFIG

    group_id: int
    user_id: int
    role: str
    display_name: str | None = None


@event("splits.member_removed", version=1)
class MemberRemoved(BaseModel):
    model_config = _CONFIG

    group_id: int
    user_id: int
    role: str


@event("splits.list_created", version=1)
class ListCreated(BaseModel):
    model_config = _CONFIG

    list_id: int
    group_id: int | None = None
    name: str
    description: str | None = None
    owner_user_id: int | None = None
    currency: CurrencyCode | None = None


class ItemSnapshot(BaseModel):
    """A list item; ``price`` is the price of the whole line, in ``currency``."""

    model_config = _CONFIG

    item_id: int
    list_id: int
    group_id: int | None = None
    name: str
    price: Amount | None = None
    currency: CurrencyCode | None = None
    quantity: int = 1
    added_by: int | None = None
    assigned_to: int | None = None


@event("splits.item_added", version=1)
class ItemAdded(ItemSnapshot):
    pass


@event("splits.item_updated", version=1)
class ItemUpdated(BaseModel):
    model_config = _CONFIG

    item_id: int
    list_id: int
    group_id: int | None = None
    before: ItemSnapshot
    after: ItemSnapshot


@event("splits.item_removed", version=1)
class ItemRemoved(ItemSnapshot):
    pass


class PayerLine(BaseModel):
    """What one payer paid, in the expense currency and in the group's base currency."""

    model_config = _CONFIG

    user_id: int
    amount: Amount
    base_amount: Amount


class SplitLine(BaseModel):
    """What one participant owes; the lines sum exactly to the total (in both currencies)."""

    model_config = _CONFIG

    expense_split_id: int | None = None
    user_id: int
    owed_amount: Amount
    base_owed_amount: Amount
    share_percentage: DecimalString | None = None
    share_units: int | None = None
    paid_amount: Amount | None = None
    status: str | None = None


class ExpenseSnapshot(BaseModel):
    """An expense as it stands at one version."""

    model_config = _CONFIG

    expense_id: int
    group_id: int | None = None
    list_id: int | None = None
    item_id: int | None = None
    description: str
    category: str | None = None
    notes: str | None = None
    expense_date: date
    total_amount: Amount
    currency: CurrencyCode
    exchange_rate: DecimalString | None = None
    base_currency: CurrencyCode
    base_total_amount: Amount
    split_type: str
    payers: list[PayerLine]
    splits: list[SplitLine]
    is_recurring: bool = False
    recurrence: RecurrencePattern | None = None
    template_expense_id: int | None = None
    version: int
    status: str


@event("splits.expense_recorded", version=1)
class ExpenseRecorded(ExpenseSnapshot):
    pass


@event("splits.expense_updated", version=1)
class ExpenseUpdated(BaseModel):
    model_config = _CONFIG

    expense_id: int
    group_id: int | None = None
    before: ExpenseSnapshot
    after: ExpenseSnapshot


@event("splits.expense_deleted", version=1)
class ExpenseDeleted(BaseModel):
    """A reversal: the expense no longer counts in any balance; ``before`` is what it was."""

    model_config = _CONFIG

    expense_id: int
    group_id: int | None = None
    version: int
    reason: str | None = None
    before: ExpenseSnapshot


@event("splits.split_settled", version=1)
class SplitSettled(BaseModel):
    """A settlement activity: a payment against one expense split."""

    model_config = _CONFIG

    settlement_activity_id: int
    expense_id: int
    expense_split_id: int
    group_id: int | None = None
    paid_by_user_id: int
    paid_to_user_id: int
    amount_paid: Amount
    currency: CurrencyCode
    base_amount: Amount
    base_currency: CurrencyCode
    split_owed_amount: Amount
    split_paid_amount: Amount
    split_status: str
    expense_status: str
    paid_at: AwareDatetime


class SettlementSnapshot(BaseModel):
    model_config = _CONFIG

    settlement_id: int
    group_id: int
    paid_by_user_id: int
    paid_to_user_id: int
    amount: Amount
    currency: CurrencyCode
    description: str | None = None
    settlement_date: date
    version: int = 1


@event("splits.settlement_recorded", version=1)
class SettlementRecorded(SettlementSnapshot):
    pass


@event("splits.settlement_deleted", version=1)
class SettlementDeleted(BaseModel):
    model_config = _CONFIG

    settlement_id: int
    group_id: int
    reason: str | None = None
    before: SettlementSnapshot


@event("splits.recurring_expense_requested", version=1)
class RecurringExpenseRequested(BaseModel):
    """For the recurring service: schedule occurrences of this template expense and send each
    back as ``splits.create_expense_occurrence``."""

    model_config = _CONFIG

    template_expense_id: int
    group_id: int | None = None
    list_id: int | None = None
    start_date: date
    recurrence: RecurrencePattern
    expense: ExpenseSnapshot


@event("splits.recurring_expense_cancelled", version=1)
class RecurringExpenseCancelled(BaseModel):
    """The template was deleted: no further occurrences."""

    model_config = _CONFIG

    template_expense_id: int
    group_id: int | None = None
    reason: str | None = None


@event("splits.command_rejected", version=1)
class CommandRejected(BaseModel):
    """A command on ``splits.commands.v1`` was refused; ``detail`` is the HTTP-style message."""

    model_config = _CONFIG

    command_id: str
    command_type: str
    status_code: int
    detail: str
    #: A stable ``ErrorCode`` value for clients to translate (absent from older producers).
    code: str | None = None


__all__ = [
    "CommandRejected",
    "ExpenseDeleted",
    "ExpenseRecorded",
    "ExpenseSnapshot",
    "ExpenseUpdated",
    "GroupCreated",
    "ItemAdded",
    "ItemRemoved",
    "ItemSnapshot",
    "ItemUpdated",
    "ListCreated",
    "MemberAdded",
    "MemberRemoved",
    "PayerLine",
    "RecurringExpenseCancelled",
    "RecurringExpenseRequested",
    "SettlementDeleted",
    "SettlementRecorded",
    "SettlementSnapshot",
    "SplitLine",
    "SplitSettled",
]
