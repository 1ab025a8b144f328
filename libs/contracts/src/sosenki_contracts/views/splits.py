"""Splits' read shapes for a group's balances, answered by splits and by reporting."""

from __future__ import annotations

from pydantic import BaseModel


class UserBalanceOut(BaseModel):
    user_id: int
    total_paid_for_expenses: str
    total_share_of_expenses: str
    total_settlements_paid: str
    total_settlements_received: str
    net_balance: str


class SuggestedSettlementOut(BaseModel):
    from_user_id: int
    to_user_id: int
    amount: str


class GroupBalanceSummaryOut(BaseModel):
    group_id: int
    group_name: str
    currency: str
    user_balances: list[UserBalanceOut]
    suggested_settlements: list[SuggestedSettlementOut]
