"""What users type after a command, read into values (pure; no Telegram, no database)."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from decimal import ROUND_DOWN, Decimal, InvalidOperation
from typing import Any

from bot_gateway.domain import amounts

MAX_AMOUNT = amounts.MAX_AMOUNT


class Unreadable(ValueError):
    """The arguments cannot be read; ``key`` names the hint to show (``values`` fill it in)."""

    def __init__(self, key: str, **values: Any) -> None:
        super().__init__(key)
        self.key = key
        self.values = values


_MENTION = re.compile(r"^@([A-Za-z0-9_]{3,64})$")


def parse_amount(text: str) -> Decimal:
    """One amount as people type it (``domain/amounts.py``); ValueError when it is not one."""
    return amounts.parse_amount(text)


def _amount_first(words: list[str], usage: str) -> tuple[Decimal, list[str]]:
    """The amount at the start of ``words`` and the words after it; an ambiguous or misread
    amount is refused with an example, never guessed."""
    try:
        return amounts.take_amount(words)
    except amounts.AmbiguousAmount as ambiguous:
        raise Unreadable(
            "amount_ambiguous",
            text=ambiguous.text,
            first=ambiguous.suggestions[0],
            second=ambiguous.suggestions[1],
        ) from None
    except amounts.NotAnAmount:
        if words and words[0][:1].isdigit():
            raise Unreadable("amount_unreadable", text=" ".join(words[:3]), usage=usage) from None
        raise Unreadable(usage) from None


def mention(word: str) -> str | None:
    match = _MENTION.match(word)
    return match.group(1) if match else None


@dataclass(frozen=True)
class Pay:
    amount: Decimal
    comment: str | None
    owner: str | None = None  # a @username: recorded for that owner instead of the sender
    name: str | None = None  # an owner's name typed before the amount (``Иван Петров 2000``)


def _named(words: list[str]) -> tuple[str | None, str | None, list[str]]:
    """A person named at the start: (@username, name typed before the amount, the rest)."""
    if words and (owner := mention(words[0])):
        return owner, None, words[1:]
    name: list[str] = []
    while words and not words[0][:1].isdigit():
        name.append(words.pop(0))
    return None, " ".join(name) or None, words


def parse_pay(args: str) -> Pay:
    owner, name, words = _named(args.split())
    if not words:
        raise Unreadable("usage_pay")
    amount, rest = _amount_first(words, "usage_pay")
    return Pay(amount, " ".join(rest) or None, owner, name)


@dataclass(frozen=True)
class Expense:
    amount: Decimal
    category: str
    vendor: str | None
    description: str | None


def parse_expense(args: str) -> Expense:
    """``<amount> <category> [vendor] [— description]`` (also ``--`` or `` - `` before it)."""
    head, description = args, None
    for dash in (" — ", " -- ", " – ", " - "):
        if dash in f" {args} ":
            head, _, rest = f" {args} ".partition(dash)
            description = rest.strip() or None
            break
    amount, words = _amount_first(head.split(), "usage_expense")
    if not words:
        raise Unreadable("usage_expense")
    vendor = " ".join(words[1:]) or None
    return Expense(amount, words[0], vendor, description)


@dataclass(frozen=True)
class Charge:
    owner: str | None
    amount: Decimal
    description: str
    name: str | None = None


def parse_charge(args: str) -> Charge:
    """``@owner <amount> <description>``, ``<owner's name> <amount> <description>``, or (in a
    reply to the owner's message) ``<amount> <description>``."""
    owner, name, words = _named(args.split())
    if not words:
        raise Unreadable("usage_charge")
    amount, rest = _amount_first(words, "usage_charge")
    if not rest:
        raise Unreadable("usage_charge")
    return Charge(owner, amount, " ".join(rest), name)


@dataclass(frozen=True)
class Split:
    amount: Decimal
    description: str
    users: list[str] = field(default_factory=list)


def parse_split(args: str) -> Split:
    """``<amount> <description> [@users…]``"""
    words = args.split()
    if len(words) < 2:
        raise Unreadable("usage_split")
    amount, rest = _amount_first(words, "usage_split")
    users = [m for w in rest if (m := mention(w))]
    description = " ".join(w for w in rest if mention(w) is None)
    if not description:
        raise Unreadable("usage_split")
    return Split(amount, description, users)


@dataclass(frozen=True)
class Settle:
    user: str | None
    amount: Decimal


def parse_settle(args: str) -> Settle:
    """``[@user] <amount>``: I paid this user back (without @user: the one replied to, or whom
    the payer picks from the group's members)."""
    words = args.split()
    user = mention(words[0]) if words else None
    if user is not None:
        words = words[1:]
    if not words:
        raise Unreadable("usage_settle")
    amount, rest = _amount_first(words, "usage_settle")
    if rest:
        raise Unreadable("usage_settle")
    return Settle(user, amount)


_CURRENCY = re.compile(r"^[A-Z]{3}$")


def parse_name_and_currency(args: str, usage: str, default_currency: str) -> tuple[str, str]:
    """``/newcommunity <name> [currency]``: the name (1 to 200 characters), and the currency
    typed after it as three capitals, else ``default_currency`` (the command's own default)."""
    words = args.split()
    currency = default_currency
    if len(words) > 1 and _CURRENCY.match(words[-1]):
        currency = words.pop()
    name = " ".join(words).strip()
    if not name or len(name) > 200:
        raise Unreadable(usage)
    return name, currency


def parse_meter(args: str) -> Decimal:
    words = args.split()
    if len(words) != 1:
        raise Unreadable("usage_meter")
    try:
        return Decimal(words[0].replace(",", "."))
    except InvalidOperation:
        raise Unreadable("usage_meter") from None


#: How a split expense is shared, as the splits service names it; EQUAL needs no numbers.
SPLIT_TYPES = ("EQUAL", "SHARES", "PERCENTAGE", "EXACT_AMOUNTS")
#: The field of a participant that carries the number each split type needs.
SPLIT_FIELDS = {
    "SHARES": "share_units",
    "PERCENTAGE": "share_percentage",
    "EXACT_AMOUNTS": "owed_amount",
}
_HUNDRED = Decimal(100)
_CENT = Decimal("0.01")


def parse_split_numbers(split_type: str, text: str, count: int, total: Decimal) -> list[Any]:
    """The numbers a user typed for the ``count`` participants of a split, in order: whole shares
    (``2 1 1``), percentages summing to 100 (``50 30 20``) or amounts summing to ``total``
    (``500 250 150``). Shares come back as ints, the others as decimal strings."""
    words = text.replace(";", " ").split()
    if len(words) != count:
        # ``count`` is what the plural is about: the numbers the user sent.
        raise Unreadable("split_numbers_count", count=len(words), needed=count)
    if split_type == "SHARES":
        if not all(w.isdigit() and int(w) >= 1 for w in words):
            raise Unreadable("split_shares_whole")
        return [int(w) for w in words]
    numbers: list[Decimal] = []
    for word in words:
        try:
            numbers.append(parse_amount(word))
        except ValueError:
            raise Unreadable("split_not_a_number", word=word) from None
    given = sum(numbers, Decimal(0))
    if split_type == "PERCENTAGE" and given != _HUNDRED:
        raise Unreadable("split_percent_sum", sum=given.normalize())
    if split_type == "EXACT_AMOUNTS" and given != total:
        raise Unreadable(
            "split_amounts_sum", sum=given.quantize(_CENT), total=total.quantize(_CENT)
        )
    return [str(n) for n in numbers]


def split_example(split_type: str, count: int, total: Decimal) -> str:
    """Numbers that would do for ``count`` people, to show as an example."""
    if split_type == "SHARES":
        return " ".join(["2", *["1"] * (count - 1)])
    if count < 1:
        return ""
    if split_type == "PERCENTAGE":
        whole, step = _HUNDRED, Decimal(1)
    else:
        whole, step = total, Decimal("0.01")
    each = (whole / count).quantize(step, rounding=ROUND_DOWN)
    parts = [each] * count
    parts[0] += whole - each * count
    return " ".join(f"{p:f}" for p in parts)
