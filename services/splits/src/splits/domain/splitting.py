"""How an expense is shared: who owes what, who paid what, and the same in the group's currency.

Every split sums exactly to the total (largest remainder from the contracts library: leftover
cents go to the largest remainders, ties to the larger weight, then to the lower user id).
Refusals are ``BadRequest`` with a message a user can act on.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from enum import StrEnum

from sosenki_contracts.allocation import allocate
from sosenki_contracts.error_codes import ErrorCode
from sosenki_contracts.money import check_scale, decimal_places, format_amount, minor_units
from sosenki_platform.errors import BadRequest

ZERO = Decimal(0)
HUNDRED = Decimal(100)
#: An exchange rate finer than this is surely a typo (and would make NUMERIC columns overflow).
MAX_RATE_PLACES = 10


class SplitType(StrEnum):
    EQUAL = "EQUAL"
    EXACT_AMOUNTS = "EXACT_AMOUNTS"
    PERCENTAGE = "PERCENTAGE"
    SHARES = "SHARES"
    ITEM_BASED = "ITEM_BASED"


@dataclass(frozen=True)
class Participant:
    """One participant as the request names them; which field counts depends on the split type."""

    user_id: int
    owed_amount: Decimal | None = None
    share_percentage: Decimal | None = None
    share_units: int | None = None


@dataclass(frozen=True)
class Share:
    """What one participant owes, and the input it came from (kept to recompute on update)."""

    user_id: int
    owed_amount: Decimal
    share_percentage: Decimal | None = None
    share_units: int | None = None


def check_amount(amount: Decimal, currency: str, field: str = "amount") -> None:
    try:
        check_scale(amount, currency, field=field)
    except ValueError as exc:
        positive = "positive" in str(exc)
        code = ErrorCode.AMOUNT_NOT_POSITIVE if positive else ErrorCode.AMOUNT_INVALID
        raise BadRequest(str(exc), code) from None


def _fmt(amount: Decimal, currency: str) -> str:
    return format_amount(amount, currency)


def check_participants(user_ids: Sequence[int], members: Collection[int] | None) -> None:
    """No one twice, at least one, and (in a group) only members."""
    if not user_ids:
        raise BadRequest("An expense needs at least one participant", ErrorCode.SPLIT_INVALID)
    seen: set[int] = set()
    for user_id in user_ids:
        if user_id in seen:
            raise BadRequest(
                f"Participant {user_id} appears more than once", ErrorCode.SPLIT_INVALID
            )
        seen.add(user_id)
    if members is not None:
        outside = sorted(set(user_ids) - set(members))
        if outside:
            raise BadRequest(f"Not members of this group: {outside}", ErrorCode.NOT_A_MEMBER)


def compute_shares(
    total: Decimal,
    currency: str,
    split_type: SplitType,
    participants: Sequence[Participant],
    *,
    members: Collection[int] | None = None,
    item_lines: Mapping[int, Decimal] | None = None,
) -> list[Share]:
    """The shares of ``total`` (in ``currency``), sorted by user id, summing exactly to it.

    ``members`` are the group's members (None outside a group); ``item_lines`` are the values of a
    list's priced items per user, for ``ITEM_BASED``.
    """
    units = minor_units(currency)
    if split_type is SplitType.ITEM_BASED:
        if participants:
            raise BadRequest(
                "ITEM_BASED splits come from the list's items; do not send splits_in",
                ErrorCode.SPLIT_INVALID,
            )
        lines = dict(item_lines or {})
        if not lines:
            raise BadRequest("ITEM_BASED needs a list with priced items", ErrorCode.SPLIT_INVALID)
        check_participants(sorted(lines), members)
        items_total = sum(lines.values(), ZERO)
        if items_total != total:
            raise BadRequest(
                f"ITEM_BASED total_amount {_fmt(total, currency)} must equal the sum of the "
                f"list's priced items ({_fmt(items_total, currency)})",
                ErrorCode.SPLIT_INVALID,
            )
        return [Share(u, lines[u]) for u in sorted(lines)]

    check_participants([p.user_id for p in participants], members)
    if split_type is SplitType.EQUAL:
        parts = allocate(total, [(p.user_id, 1) for p in participants], units)
        return [Share(u, parts[u]) for u in sorted(parts)]

    if split_type is SplitType.EXACT_AMOUNTS:
        amounts: dict[int, Decimal] = {}
        for p in participants:
            if p.owed_amount is None:
                raise BadRequest(
                    f"EXACT_AMOUNTS needs owed_amount for every participant "
                    f"(missing for user {p.user_id})",
                    ErrorCode.SPLIT_INVALID,
                )
            if p.owed_amount < 0:
                raise BadRequest(
                    f"owed_amount of user {p.user_id} must not be negative", ErrorCode.SPLIT_INVALID
                )
            check_amount(p.owed_amount, currency, f"owed_amount of user {p.user_id}")
            amounts[p.user_id] = p.owed_amount
        split_sum = sum(amounts.values(), ZERO)
        if split_sum != total:
            raise BadRequest(
                f"EXACT_AMOUNTS splits sum to {_fmt(split_sum, currency)}, but the expense "
                f"total is {_fmt(total, currency)}",
                ErrorCode.SPLIT_INVALID,
            )
        return [Share(u, amounts[u]) for u in sorted(amounts)]

    if split_type is SplitType.PERCENTAGE:
        percentages: dict[int, Decimal] = {}
        for p in participants:
            pct = p.share_percentage
            if pct is None:
                raise BadRequest(
                    f"PERCENTAGE needs share_percentage for every participant "
                    f"(missing for user {p.user_id})",
                    ErrorCode.SPLIT_INVALID,
                )
            if pct < 0 or pct > HUNDRED:
                raise BadRequest(
                    f"share_percentage of user {p.user_id} must be between 0 and 100",
                    ErrorCode.SPLIT_INVALID,
                )
            if decimal_places(pct) > 4:
                raise BadRequest(
                    f"share_percentage of user {p.user_id} has more than 4 decimal places",
                    ErrorCode.SPLIT_INVALID,
                )
            percentages[p.user_id] = pct
        pct_sum = sum(percentages.values(), ZERO)
        if pct_sum != HUNDRED:
            raise BadRequest(
                f"Percentages must sum to 100, not {pct_sum.normalize():f}", ErrorCode.SPLIT_INVALID
            )
        parts = allocate(total, list(percentages.items()), units)
        return [Share(u, parts[u], share_percentage=percentages[u]) for u in sorted(parts)]

    # SHARES
    share_units: dict[int, int] = {}
    for p in participants:
        if p.share_units is None or p.share_units < 1:
            raise BadRequest(
                f"SHARES needs share_units of at least 1 for every participant (user {p.user_id})",
                ErrorCode.SPLIT_INVALID,
            )
        share_units[p.user_id] = p.share_units
    parts = allocate(total, list(share_units.items()), units)
    return [Share(u, parts[u], share_units=share_units[u]) for u in sorted(parts)]


def resolve_payers(
    total: Decimal,
    currency: str,
    *,
    paid_by_user_id: int | None,
    payers: Sequence[tuple[int, Decimal]] | None,
    members: Collection[int] | None = None,
) -> dict[int, Decimal]:
    """Who paid what (user id → amount, sorted): one payer paid it all, or several paid parts
    summing exactly to the total."""
    if payers is not None and paid_by_user_id is not None:
        raise BadRequest("Give either paid_by_user_id or payers, not both", ErrorCode.SPLIT_INVALID)
    if payers is None:
        if paid_by_user_id is None:
            raise BadRequest("paid_by_user_id is required", ErrorCode.SPLIT_INVALID)
        lines = [(paid_by_user_id, total)]
    else:
        lines = list(payers)
        if not lines:
            raise BadRequest("payers must not be empty", ErrorCode.SPLIT_INVALID)
    result: dict[int, Decimal] = {}
    for user_id, amount in lines:
        if user_id in result:
            raise BadRequest(f"Payer {user_id} appears more than once", ErrorCode.SPLIT_INVALID)
        if amount <= 0:
            raise BadRequest(
                f"Amount paid by user {user_id} must be positive", ErrorCode.AMOUNT_NOT_POSITIVE
            )
        check_amount(amount, currency, f"amount paid by user {user_id}")
        result[user_id] = amount
    if members is not None:
        outside = sorted(set(result) - set(members))
        if outside:
            raise BadRequest(
                f"Payers must be members of this group: {outside}", ErrorCode.NOT_A_MEMBER
            )
    paid = sum(result.values(), ZERO)
    if paid != total:
        raise BadRequest(
            f"Payer amounts sum to {_fmt(paid, currency)}, but the expense total is "
            f"{_fmt(total, currency)}",
            ErrorCode.SPLIT_INVALID,
        )
    return dict(sorted(result.items()))


def to_base(
    total: Decimal, currency: str, base_currency: str, exchange_rate: Decimal | None
) -> Decimal:
    """``total`` in the group's currency: refused rate for the same currency, required (> 0)
    otherwise; rounded half up to the base currency's minor unit."""
    if currency == base_currency:
        if exchange_rate is not None:
            raise BadRequest(
                f"exchange_rate must not be given for an expense in the group's currency "
                f"({base_currency})",
                ErrorCode.EXCHANGE_RATE_INVALID,
            )
        return total
    if exchange_rate is None:
        raise BadRequest(
            f"exchange_rate is required for an expense in {currency} in a group whose currency "
            f"is {base_currency}",
            ErrorCode.EXCHANGE_RATE_INVALID,
        )
    if exchange_rate <= 0:
        raise BadRequest("exchange_rate must be positive", ErrorCode.EXCHANGE_RATE_INVALID)
    if decimal_places(exchange_rate) > MAX_RATE_PLACES:
        raise BadRequest(
            f"exchange_rate has more than {MAX_RATE_PLACES} decimal places",
            ErrorCode.EXCHANGE_RATE_INVALID,
        )
    step = Decimal(1).scaleb(-minor_units(base_currency))
    base_total = (total * exchange_rate).quantize(step, rounding=ROUND_HALF_UP)
    if base_total <= 0:
        raise BadRequest(
            f"The expense is worth nothing in {base_currency} at this exchange rate",
            ErrorCode.EXCHANGE_RATE_INVALID,
        )
    return base_total


def in_base(
    base_total: Decimal, lines: Mapping[int, Decimal], base_currency: str
) -> dict[int, Decimal]:
    """Lines in the expense currency → the same lines in the base currency, summing exactly to
    ``base_total`` (largest remainder weighted by the original amounts)."""
    if not lines:
        return {}
    if sum(lines.values(), ZERO) == 0:
        return dict.fromkeys(lines, ZERO)
    return allocate(base_total, list(lines.items()), minor_units(base_currency))
