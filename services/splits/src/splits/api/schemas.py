"""Request bodies of the splits REST API: the command payloads of
``sosenki_contracts.commands.splits`` with unknown fields refused, less what the path names (a
route builds the command from both, so REST and Kafka validate alike; ``tests/test_rest_bodies.py``
holds each body to its command). Responses are in ``splits/views.py``."""

from __future__ import annotations

from datetime import date

from pydantic import BaseModel, ConfigDict, Field
from sosenki_contracts.bounds import Id, Name, PositiveAmount, ShortDescription, Units, Version
from sosenki_contracts.commands import splits as c

_IN = ConfigDict(extra="forbid", frozen=True)


class GroupIn(c.CreateGroup):
    model_config = _IN


class MemberIn(BaseModel):
    model_config = _IN

    user_id: Id
    role: c.MemberRole = "member"
    display_name: Name | None = None


class ListIn(c.CreateList):
    model_config = _IN


class ItemIn(BaseModel):
    model_config = _IN

    name: Name
    price: PositiveAmount | None = None
    quantity: Units = 1
    assigned_to: Id | None = None


class ItemChange(BaseModel):
    model_config = _IN

    name: Name | None = None
    price: PositiveAmount | None = None
    quantity: Units | None = None
    assigned_to: Id | None = None


class ExpenseIn(c.CreateExpense):
    model_config = _IN


class ExpenseChange(c.ExpenseFields):
    model_config = _IN

    version: Version = Field(description="The version this change is based on")


class SettleIn(BaseModel):
    model_config = _IN

    amount_paid: PositiveAmount
    paid_by_user_id: Id | None = None
    paid_to_user_id: Id | None = None


class SettlementIn(c.RecordSettlement):
    model_config = _IN


class FinaliseIn(BaseModel):
    model_config = _IN

    paid_by_user_id: Id | None = None
    description: ShortDescription | None = None
    expense_date: date | None = None
