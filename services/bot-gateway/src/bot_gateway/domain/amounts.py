"""Amounts as people type them, in Russian and English habits (pure).

Accepted (all the same thing, or what they plainly mean):

- groups of three digits separated by spaces (also no-break or thin spaces): ``3 000``,
  ``1 234 567``, ``3 000,50``;
- a decimal comma or point with one or two digits after it: ``3000,5``, ``3000.50``;
- thousands separated by commas with a decimal point (``3,000.50``, ``1,234,567``) or by points
  with a decimal comma (``3.000,50``, ``1.234.567``).

Refused, never guessed: one separator followed by exactly three digits (``3,000`` or ``3.000``:
three thousand to one person, three to another), more than two decimal places, mixed or
misplaced groups (``30 00``, ``1,23,456``), zero, negative, and anything over the services'
bound. A refusal names an unambiguous way to type it (:class:`AmbiguousAmount`).

In a command, an amount may span several words (``/pay 3 000 взнос``): :func:`take_amount`
reads the longest run of words that is one amount.
"""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation

from sosenki_contracts.bounds import MAX_AMOUNT_INTEGER_DIGITS

MAX_AMOUNT = Decimal(10) ** MAX_AMOUNT_INTEGER_DIGITS
_SPACES = ("\u00a0", "\u202f", "\u2009")
_GROUPED = re.compile(r"^\d{1,3}(?:(?P<sep>[,.])\d{3})(?:(?P=sep)\d{3})*$")
_DECIMAL_TAIL = re.compile(r"^(?P<int>.+)(?P<mark>[,.])(?P<frac>\d{1,2})$")


class NotAnAmount(ValueError):
    """The text is not an amount."""


class AmbiguousAmount(NotAnAmount):
    """The text could mean two different amounts (``3,000``); ``suggestions`` are unambiguous
    ways to type each reading."""

    def __init__(self, text: str, suggestions: tuple[str, ...]) -> None:
        super().__init__(f"ambiguous amount: {text!r}")
        self.text = text
        self.suggestions = suggestions


def _integer(text: str, original: str) -> str:
    """The digits of an integer part: plain, or grouped by one kind of separator."""
    if text.isdigit() and text.isascii():
        return text
    grouped = _GROUPED.match(text)
    if grouped is None or not text.isascii():
        raise NotAnAmount(f"not an amount: {original!r}")
    return text.replace(grouped.group("sep"), "")


def parse_amount(text: str) -> Decimal:
    """A positive amount with at most two decimal places, or :class:`NotAnAmount`."""
    original = text
    for space in _SPACES:
        text = text.replace(space, " ")
    text = text.strip()
    if not text or len(text) > 40:
        raise NotAnAmount(f"not an amount: {original!r}")
    words = text.split(" ")
    if len(words) > 1:
        # Space-grouped: the first group 1-3 digits, the others exactly 3 (the last may carry
        # the decimals: "3 000,50").
        head, *groups = words
        last = groups[-1]
        tail = _DECIMAL_TAIL.match(last)
        decimals = ""
        if tail is not None and tail.group("int").isdigit():
            last, decimals = tail.group("int"), tail.group("frac")
        groups[-1] = last
        if not (head.isdigit() and 1 <= len(head) <= 3 and head.isascii()):
            raise NotAnAmount(f"not an amount: {original!r}")
        if not all(g.isdigit() and g.isascii() and len(g) == 3 for g in groups):
            raise NotAnAmount(f"not an amount: {original!r}")
        return _checked("".join([head, *groups]) + (f".{decimals}" if decimals else ""), original)
    commas, points = text.count(","), text.count(".")
    if commas and points:
        # Both: the last one is the decimal mark, the other groups thousands.
        mark = "," if text.rfind(",") > text.rfind(".") else "."
        integer, _, fraction = text.rpartition(mark)
        other = "." if mark == "," else ","
        if mark in integer or not (fraction.isdigit() and 1 <= len(fraction) <= 2):
            raise NotAnAmount(f"not an amount: {original!r}")
        if not _GROUPED.match(integer) or other not in integer:
            raise NotAnAmount(f"not an amount: {original!r}")
        return _checked(integer.replace(other, "") + "." + fraction, original)
    if commas + points == 0:
        return _checked(_integer(text, original), original)
    sep = "," if commas else "."
    if commas + points > 1:  # "1,234,567": only thousands can repeat
        return _checked(_integer(text, original), original)
    integer, _, fraction = text.partition(sep)
    if not (integer.isdigit() and fraction.isdigit() and integer.isascii() and fraction.isascii()):
        raise NotAnAmount(f"not an amount: {original!r}")
    if len(fraction) in (1, 2):
        return _checked(f"{integer}.{fraction}", original)
    if len(fraction) == 3 and len(integer) <= 3 and integer[0] != "0":
        thousands = _checked(integer + fraction, original)
        small = Decimal(f"{integer}.{fraction}")
        raise AmbiguousAmount(original, (_plain(thousands), _plain(small)))
    raise NotAnAmount(f"not an amount: {original!r}")


def _plain(amount: Decimal) -> str:
    """An unambiguous way to type ``amount``: space-grouped thousands, a decimal comma."""
    whole, _, cents = f"{amount:.2f}".partition(".")
    groups = f"{int(whole):,}".replace(",", " ")
    return groups if cents == "00" else f"{groups},{cents}"


def _checked(digits: str, original: str) -> Decimal:
    try:
        amount = Decimal(digits)
    except InvalidOperation:
        raise NotAnAmount(f"not an amount: {original!r}") from None
    if not amount.is_finite() or amount <= 0:
        raise NotAnAmount(f"not a positive amount: {original!r}")
    if amount >= MAX_AMOUNT:  # what the services' amounts accept (sosenki_contracts.bounds)
        raise NotAnAmount(f"too large an amount: {original!r}")
    exponent = amount.as_tuple().exponent
    if isinstance(exponent, int) and exponent < -2:
        raise NotAnAmount(f"too many decimal places: {original!r}")
    return amount.quantize(Decimal("0.01"))


def take_amount(words: list[str]) -> tuple[Decimal, list[str]]:
    """The amount at the start of ``words`` (it may span several: ``3 000,50``) and the words
    after it. The longest run of words that reads as one amount wins, so ``3 000 взнос`` is
    3000 with the comment ``взнос``; an ambiguous first word is refused."""
    if not words:
        raise NotAnAmount("no amount")
    best: tuple[Decimal, int] | None = None
    for end in range(1, min(len(words), 8) + 1):
        try:
            best = (parse_amount(" ".join(words[:end])), end)
        except NotAnAmount:
            if end == 1:
                raise
            break
    assert best is not None
    amount, used = best
    rest = words[used:]
    if rest and rest[0][:1].isdigit():
        # "3 00 взнос", "1 000 2": digits right after the amount are a misread waiting to happen.
        raise NotAnAmount(f"digits after the amount: {' '.join(words[: used + 1])!r}")
    return amount, rest
