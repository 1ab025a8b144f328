"""Commands the splits service accepts on ``splits.commands.v1`` (shared expenses).

They mirror the REST requests, so a command and a REST call are validated alike (the REST bodies
of the splits service are these models with unknown fields refused). A refused command produces a
``splits.command_rejected`` event carrying the ``command_id`` and the command's correlation id.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field

from sosenki_contracts.bounds import (
    MAX_INT32,
    Amount,
    Description,
    Id,
    Label,
    Name,
    Percentage,
    PositiveAmount,
    Rate,
    ShortDescription,
    Units,
    Version,
)
from sosenki_contracts.money import CurrencyCode
from sosenki_contracts.registry import command

_CONFIG = ConfigDict(extra="ignore", frozen=True)

#: The currency of a new group, or of a personal list, when none is given.
DEFAULT_CURRENCY = "RUB"

SplitTypeName = Literal["EQUAL", "EXACT_AMOUNTS", "PERCENTAGE", "SHARES", "ITEM_BASED"]
MemberRole = Literal["owner", "member"]


class RecurrencePattern(BaseModel):
    """When a recurring expense repeats; the recurring service does the scheduling."""

    model_config = _CONFIG

    type: Literal["daily", "weekly", "monthly", "yearly"]
    interval: int = Field(default=1, ge=1, le=366)
    #: 0 = Monday … 6 = Sunday (weekly patterns only).
    days_of_week: list[Annotated[int, Field(ge=0, le=6)]] | None = Field(default=None, max_length=7)
    end_date: date | None = None
    max_occurrences: int | None = Field(default=None, ge=1, le=MAX_INT32)


class PayerIn(BaseModel):
    """One of several payers of an expense; the amounts sum to the expense total."""

    model_config = _CONFIG

    user_id: Id
    amount: PositiveAmount


class SplitIn(BaseModel):
    """One participant of an expense. Which field counts depends on the split type:
    ``owed_amount`` (EXACT_AMOUNTS), ``share_percentage`` (PERCENTAGE), ``share_units`` (SHARES);
    EQUAL needs only ``user_id``."""

    model_config = _CONFIG

    user_id: Id
    owed_amount: Amount | None = None
    share_percentage: Percentage | None = None
    share_units: Units | None = None


@command("splits.create_group", version=1)
class CreateGroup(BaseModel):
    model_config = _CONFIG

    name: Name
    base_currency: CurrencyCode = DEFAULT_CURRENCY
    description: Description | None = None


@command("splits.add_member", version=1)
class AddMember(BaseModel):
    model_config = _CONFIG

    group_id: Id
    user_id: Id
    role: MemberRole = "member"
    display_name: Name | None = None


@command("splits.remove_member", version=1)
class RemoveMember(BaseModel):
    model_config = _CONFIG

    group_id: Id
    user_id: Id


@command("splits.create_list", version=1)
class CreateList(BaseModel):
    """A shopping list in a group, or a personal one (no ``group_id``)."""

    model_config = _CONFIG

    name: Name
    group_id: Id | None = None
    description: Description | None = None
    #: Currency of a personal list's prices (a group's list uses the group's currency).
    currency: CurrencyCode | None = None


@command("splits.add_item", version=1)
class AddItem(BaseModel):
    """``price`` is what the whole line costs (``quantity`` says how many it buys)."""

    model_config = _CONFIG

    list_id: Id
    name: Name
    price: PositiveAmount | None = None
    quantity: Units = 1
    #: Who the item is for (default: whoever added it).
    assigned_to: Id | None = None


@command("splits.update_item", version=1)
class UpdateItem(BaseModel):
    """Only the fields present change (``"price": null`` clears the price)."""

    model_config = _CONFIG

    item_id: Id
    #: When given, the item must be on this list (the REST path names both).
    list_id: Id | None = None
    name: Name | None = None
    price: PositiveAmount | None = None
    quantity: Units | None = None
    assigned_to: Id | None = None


@command("splits.remove_item", version=1)
class RemoveItem(BaseModel):
    model_config = _CONFIG

    item_id: Id
    #: When given, the item must be on this list (the REST path names both).
    list_id: Id | None = None


class ExpenseFields(BaseModel):
    """What describes an expense's money: shared by creation and update."""

    model_config = _CONFIG

    description: Annotated[ShortDescription, Field(min_length=1)] | None = None
    total_amount: PositiveAmount | None = None
    currency: CurrencyCode | None = None
    exchange_rate: Rate | None = Field(
        default=None, description="Units of the group's currency per unit of `currency`."
    )
    category: Label | None = None
    expense_date: date | None = None
    split_type: SplitTypeName | None = None
    paid_by_user_id: Id | None = None
    payers: list[PayerIn] | None = Field(
        default=None, max_length=1000, description="Several payers; their amounts sum to the total."
    )
    splits_in: list[SplitIn] | None = Field(
        default=None,
        max_length=1000,
        description="Participants (EQUAL: default all members of the group).",
    )
    notes: Description | None = None


@command("splits.create_expense", version=1)
class CreateExpense(ExpenseFields):
    """``group_id`` and/or ``list_id``/``item_id``: at least one."""

    description: Annotated[ShortDescription, Field(min_length=1)]
    split_type: SplitTypeName = "EQUAL"
    group_id: Id | None = None
    list_id: Id | None = None
    item_id: Id | None = None
    is_recurring: bool = False
    recurrence: RecurrencePattern | None = None


@command("splits.update_expense", version=1)
class UpdateExpense(ExpenseFields):
    """Only the fields present change; ``version`` is the one the change was based on."""

    expense_id: Id
    version: Version


@command("splits.delete_expense", version=1)
class DeleteExpense(BaseModel):
    model_config = _CONFIG

    expense_id: Id
    version: Version
    reason: ShortDescription | None = None


@command("splits.settle_split", version=1)
class SettleSplit(BaseModel):
    """A payment against one expense split."""

    model_config = _CONFIG

    expense_split_id: Id
    amount_paid: PositiveAmount
    #: Who pays (default: the split's participant).
    paid_by_user_id: Id | None = None
    #: Who receives it (default: the expense's payer; required when it has several).
    paid_to_user_id: Id | None = None


@command("splits.record_settlement", version=1)
class RecordSettlement(BaseModel):
    """A transfer between two members of a group."""

    model_config = _CONFIG

    group_id: Id
    paid_by_user_id: Id
    paid_to_user_id: Id
    amount: PositiveAmount
    currency: CurrencyCode | None = None
    description: ShortDescription | None = None
    settlement_date: date | None = None


@command("splits.delete_settlement", version=1)
class DeleteSettlement(BaseModel):
    model_config = _CONFIG

    settlement_id: Id
    version: Version
    reason: ShortDescription | None = None


@command("splits.finalise_list_cost", version=1)
class FinaliseListCost(BaseModel):
    """Turn a list's priced items into one ``ITEM_BASED`` expense (once per list)."""

    model_config = _CONFIG

    list_id: Id
    paid_by_user_id: Id | None = None
    description: ShortDescription | None = None
    expense_date: date | None = None


@command("splits.create_expense_occurrence", version=1)
class CreateExpenseOccurrence(BaseModel):
    """From the recurring service: one occurrence of a recurring (template) expense is due."""

    model_config = _CONFIG

    template_expense_id: Id
    occurrence_date: date
    occurrence_number: int | None = Field(default=None, ge=1, le=MAX_INT32)


__all__ = [
    "DEFAULT_CURRENCY",
    "AddItem",
    "AddMember",
    "CreateExpense",
    "CreateExpenseOccurrence",
    "CreateGroup",
    "CreateList",
    "DeleteExpense",
    "DeleteSettlement",
    "ExpenseFields",
    "FinaliseListCost",
    "MemberRole",
    "PayerIn",
    "RecordSettlement",
    "RecurrencePattern",
    "RemoveItem",
    "RemoveMember",
    "SettleSplit",
    "SplitIn",
    "SplitTypeName",
    "UpdateExpense",
    "UpdateItem",
]
