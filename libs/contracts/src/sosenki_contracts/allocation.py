"""Split a total among participants so that the parts sum exactly to the total.

The largest-remainder method (ARCHITECTURE.md, "Money"): each participant first gets their exact
share rounded down to the minor unit, then the leftover minor units go one by one to the
participants with the largest fractional remainders; ties go to the larger weight, then to the
lower participant id. ``100.00`` over 7 equal weights: four get ``14.29``, three get ``14.28``.

The arithmetic is done on whole numbers (minor units, and weights scaled to integers), which is
exact at any size: no float, and no Decimal context that could round.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from decimal import Decimal
from typing import TypeVar

from sosenki_contracts.money import decimal_places

K = TypeVar("K", int, str)
"""A participant id (owner id, user id...). Ids of one call must be all ``int`` or all ``str``."""


def allocate(
    total: Decimal | int,
    weights: Sequence[tuple[K, Decimal | int]],
    minor_units: int = 2,
) -> dict[K, Decimal]:
    """Split ``total`` by ``weights``; returns ``{participant: part}`` in the input order.

    Parts have ``minor_units`` decimal places and sum exactly to ``total``. A negative total (a
    reversal) is split as the negation of the split of its absolute value, so a reversal undoes
    the original exactly. Participants with weight 0 get 0.

    Raises ValueError for an empty list, duplicate ids, a negative weight, weights summing to 0,
    or a total with more decimal places than ``minor_units``; TypeError for float input.
    """
    if isinstance(minor_units, bool) or not isinstance(minor_units, int) or minor_units < 0:
        raise ValueError(f"minor_units must be a whole number >= 0, not {minor_units!r}")
    total_units = _to_int(_check_number(total, "total"), minor_units, what="total")
    if not weights:
        raise ValueError("weights must not be empty: there is nobody to allocate to")

    ids: list[K] = []
    raw_weights: list[Decimal] = []
    seen: set[K] = set()
    for participant, weight in weights:
        if participant in seen:
            raise ValueError(f"participant {participant!r} appears more than once")
        seen.add(participant)
        value = _check_number(weight, f"weight of participant {participant!r}")
        if value < 0:
            raise ValueError(f"weight of participant {participant!r} must not be negative")
        ids.append(participant)
        raw_weights.append(value)

    # Scale all weights by the same power of ten so they become integers with the same ratios.
    scale = max(decimal_places(w) for w in raw_weights)
    int_weights = [_to_int(w, scale, what="weight") for w in raw_weights]
    weight_sum = sum(int_weights)
    if weight_sum == 0:
        raise ValueError("weights must sum to more than zero")

    sign = -1 if total_units < 0 else 1
    units = abs(total_units)
    # Exact share in minor units = units * w / weight_sum = floor + remainder / weight_sum.
    floors: list[int] = []
    remainders: list[int] = []
    for w in int_weights:
        floor, remainder = divmod(units * w, weight_sum)
        floors.append(floor)
        remainders.append(remainder)

    leftover = units - sum(floors)  # 0 <= leftover < number of non-zero remainders
    order = sorted(
        range(len(ids)),
        key=lambda i: (-remainders[i], -int_weights[i], ids[i]),
    )
    for i in order[:leftover]:
        floors[i] += 1

    return {
        participant: _from_int(sign * part, minor_units)
        for participant, part in zip(ids, floors, strict=True)
    }


def allocate_equally(
    total: Decimal | int, participants: Iterable[K], minor_units: int = 2
) -> dict[K, Decimal]:
    """Split ``total`` equally; the lowest ids get the leftover minor units."""
    return allocate(total, [(p, 1) for p in participants], minor_units)


def _check_number(value: object, what: str) -> Decimal:
    if isinstance(value, bool) or not isinstance(value, Decimal | int):
        raise TypeError(f"{what} must be a Decimal or an int, not {type(value).__name__}")
    result = Decimal(value)
    if not result.is_finite():
        raise ValueError(f"{what} must be a finite number")
    return result


def _to_int(value: Decimal, scale: int, *, what: str) -> int:
    """``value * 10**scale`` as an exact int; ValueError if that is not a whole number."""
    if decimal_places(value) > scale:
        raise ValueError(f"{what} {value} has more than {scale} decimal places")
    sign, digits, exponent = value.as_tuple()
    assert isinstance(exponent, int)  # finite, checked by the caller
    coefficient = int("".join(map(str, digits)) or "0")
    shift = exponent + scale
    factor: int = 10 ** abs(shift)
    result = coefficient * factor if shift >= 0 else coefficient // factor
    return -result if sign else result


def _from_int(units: int, minor_units: int) -> Decimal:
    """``units / 10**minor_units`` as a Decimal with exactly ``minor_units`` places, exactly."""
    return Decimal(f"{units}E-{minor_units}")


__all__ = ["allocate", "allocate_equally"]
