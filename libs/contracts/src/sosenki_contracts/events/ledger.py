"""Events published by the ledger service on ``ledger.events.v1`` (community treasury).

Tolerant readers: unknown fields are ignored and nullable fields default to None, so adding an
optional field is not a breaking change. Removing or changing a field is: register the new shape
under ``version=2`` (and keep the old model for the history on the topic).
"""

from __future__ import annotations

from datetime import date

from pydantic import AwareDatetime, BaseModel, ConfigDict

from sosenki_contracts.bank_details import BankDetailsFields
from sosenki_contracts.money import Amount, CurrencyCode, DecimalString
from sosenki_contracts.registry import event

_CONFIG = ConfigDict(extra="ignore", frozen=True)


@event("ledger.community_created", version=1)
class CommunityCreated(BaseModel):
    model_config = _CONFIG

    community_id: int
    name: str
    base_currency: CurrencyCode
    timezone: str


@event("ledger.owner_added", version=1)
class OwnerAdded(BaseModel):
    model_config = _CONFIG

    community_id: int
    owner_id: int
    user_id: int
    display_name: str
    username: str | None = None
    ownership_share: DecimalString


@event("ledger.ownership_share_changed", version=1)
class OwnershipShareChanged(BaseModel):
    """Expenses dated ``effective_from`` or later are allocated with the new share."""

    model_config = _CONFIG

    community_id: int
    owner_id: int
    ownership_share: DecimalString
    effective_from: date


@event("ledger.owner_deactivated", version=1)
class OwnerDeactivated(BaseModel):
    """The owner stays in history but takes no part in new allocations."""

    model_config = _CONFIG

    community_id: int
    owner_id: int


@event("ledger.budget_item_created", version=1)
class BudgetItemCreated(BaseModel):
    """A planned amount for one category (matching expenses' ``payment_type``) in a period."""

    model_config = _CONFIG

    community_id: int
    period_id: int
    budget_item_id: int
    category: str
    planned_amount: Amount
    currency: CurrencyCode
    allocation_strategy: str


@event("ledger.budget_item_applied", version=1)
class BudgetItemApplied(BaseModel):
    """The item became per-owner service charges (their ``charge_recorded`` events precede)."""

    model_config = _CONFIG

    community_id: int
    period_id: int
    budget_item_id: int
    charge_ids: list[int]


@event("ledger.meter_registered", version=1)
class MeterRegistered(BaseModel):
    model_config = _CONFIG

    community_id: int
    meter_id: int
    owner_id: int
    meter_type: str
    name: str | None = None
    tariff: DecimalString | None = None


@event("ledger.meter_reading_recorded", version=1)
class MeterReadingRecorded(BaseModel):
    """A reading; ``is_replacement`` marks a new meter that starts from zero."""

    model_config = _CONFIG

    community_id: int
    meter_id: int
    owner_id: int
    meter_type: str
    reading_id: int
    reading_date: date
    value: DecimalString
    is_replacement: bool = False


@event("ledger.treasurer_appointed", version=1)
class TreasurerAppointed(BaseModel):
    """A user may now write in the community (the creator of a community is its first)."""

    model_config = _CONFIG

    community_id: int
    user_id: int


@event("ledger.community_settings_changed", version=1)
class CommunitySettingsChanged(BaseModel):
    """A treasurer changed the community's settings; the event carries all of them as they now
    stand: ``owners_see_balance_sheet`` (on by default) and ``bank_details`` (none by default;
    events from before bank details existed carry none)."""

    model_config = _CONFIG

    community_id: int
    owners_see_balance_sheet: bool
    bank_details: BankDetailsFields | None = None


@event("ledger.period_created", version=1)
class PeriodCreated(BaseModel):
    model_config = _CONFIG

    community_id: int
    period_id: int
    name: str
    start_date: date
    end_date: date
    description: str | None = None
    status: str


@event("ledger.period_closed", version=1)
class PeriodClosed(BaseModel):
    model_config = _CONFIG

    community_id: int
    period_id: int
    closed_at: AwareDatetime


@event("ledger.contribution_recorded", version=1)
class ContributionRecorded(BaseModel):
    model_config = _CONFIG

    community_id: int
    period_id: int
    contribution_id: int
    owner_id: int
    amount: Amount
    currency: CurrencyCode
    date: AwareDatetime
    comment: str | None = None
    #: "regular", "opening" (a credit carried forward from the previous period) or "reversal"
    #: (a correction: the negated amount of entry ``reverses_id``, with a ``reason``).
    kind: str = "regular"
    reverses_id: int | None = None
    reason: str | None = None


@event("ledger.charge_recorded", version=1)
class ChargeRecorded(BaseModel):
    """A service charge on one owner (a fee, a penalty, or a debt carried forward)."""

    model_config = _CONFIG

    community_id: int
    period_id: int
    charge_id: int
    owner_id: int
    amount: Amount
    currency: CurrencyCode
    description: str
    date: AwareDatetime
    #: "charge", "opening" (a debt carried forward from the previous period) or "reversal".
    kind: str = "charge"
    reverses_id: int | None = None
    reason: str | None = None


@event("ledger.period_reopened", version=1)
class PeriodReopened(BaseModel):
    model_config = _CONFIG

    community_id: int
    period_id: int


@event("ledger.balances_carried_forward", version=1)
class BalancesCarriedForward(BaseModel):
    """A closed period's balances moved into the next one (the opening entries follow as
    ``contribution_recorded`` and ``charge_recorded`` events of kind "opening")."""

    model_config = _CONFIG

    community_id: int
    from_period_id: int
    to_period_id: int
    balances: dict[str, Amount]
    total_carried: Amount
    currency: CurrencyCode


class ExpenseAllocation(BaseModel):
    """One owner's share of an expense; the shares sum exactly to the expense amount."""

    model_config = _CONFIG

    owner_id: int
    amount: Amount


@event("ledger.expense_recorded", version=1)
class ExpenseRecorded(BaseModel):
    """An expense and its allocation to owners (no allocations for the strategy NONE)."""

    model_config = _CONFIG

    community_id: int
    period_id: int
    expense_id: int
    paid_by_owner_id: int | None  # explicit null: paid from the fund
    amount: Amount
    currency: CurrencyCode
    payment_type: str
    vendor: str | None = None
    description: str | None = None
    date: AwareDatetime
    allocation_strategy: str
    allocations: list[ExpenseAllocation]
    #: "regular", or "reversal": amount and allocations negated, of expense ``reverses_id``.
    kind: str = "regular"
    reverses_id: int | None = None
    reason: str | None = None


@event("ledger.command_rejected", version=1)
class CommandRejected(BaseModel):
    """A command on ``ledger.commands.v1`` was refused; ``detail`` is the HTTP-style message."""

    model_config = _CONFIG

    command_id: str
    command_type: str
    status_code: int
    detail: str
    #: A stable ``ErrorCode`` value for clients to translate (absent from older producers).
    code: str | None = None


__all__ = [
    "BalancesCarriedForward",
    "BudgetItemApplied",
    "BudgetItemCreated",
    "ChargeRecorded",
    "CommandRejected",
    "CommunityCreated",
    "CommunitySettingsChanged",
    "ContributionRecorded",
    "ExpenseAllocation",
    "ExpenseRecorded",
    "MeterReadingRecorded",
    "MeterRegistered",
    "OwnerAdded",
    "OwnerDeactivated",
    "OwnershipShareChanged",
    "PeriodClosed",
    "PeriodCreated",
    "PeriodReopened",
    "TreasurerAppointed",
]
