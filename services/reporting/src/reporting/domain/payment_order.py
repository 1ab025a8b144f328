"""What an owner pays and the text of the payment QR code that pays it (GOST R 56042-2014).

The amount due is what the owner stands at, when it is a debt: a balance of −1 234.50 ₽ is
1 234.50 ₽ to pay; a balance of zero or above is nothing to pay (and no QR code).

The text is the Russian banks' standard for payment QR codes, in its UTF-8 form: the header
``ST00012`` (format ``ST0001``, character set ``2`` = UTF-8) and the separator ``|``, then
``key=value`` fields, the required ones first::

    ST00012|Name=ТСН «Сосенки»|PersonalAcc=40703810038000000007|BankName=ПАО Сбербанк|
    BIC=044525225|CorrespAcc=30101810400000000225|PayeeINN=7707083893|KPP=773601001|
    Sum=123450|Purpose=Взносы ТСН «Сосенки»: Иванов Иван, период Ноябрь 2026

(one line). ``Sum`` is in kopecks. A value may not contain the separator: a ``|`` in a name
becomes ``/``, and line breaks or other control characters become spaces. Text fields are cut to
the standard's lengths (Name 160, BankName 45, Purpose 210 characters) with ``…``; the account
numbers must be exactly their digits, or no payment text is made at all.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from decimal import Decimal

from sosenki_contracts.bank_details import BankDetailsFields

HEADER = "ST00012"
SEPARATOR = "|"
PAYMENT_CURRENCY = "RUB"
NAME_MAX, BANK_NAME_MAX, PURPOSE_MAX = 160, 45, 210
SUM_MAX_DIGITS = 18


@dataclass(frozen=True)
class PaymentOrder:
    """An owner's payment to the community: whom, how much (roubles) and what for."""

    payee: BankDetailsFields
    amount: Decimal
    purpose: str


def amount_due(current_balance: Decimal) -> Decimal | None:
    """What an owner with this balance owes; None when they owe nothing.

    >>> amount_due(Decimal("-1234.50")), amount_due(Decimal("0.00")), amount_due(Decimal("5"))
    (Decimal('1234.50'), None, None)
    """
    return -current_balance if current_balance < 0 else None


def purpose(community_name: str, owner_name: str, period_name: str) -> str:
    """The payment's purpose as the community's bank statement will show it (in Russian: the
    recipient's bank and treasurer read it).

    >>> purpose("ТСН Сосенки", "Иванов Иван", "Ноябрь 2026")
    'Взносы ТСН Сосенки: Иванов Иван, период Ноябрь 2026'
    """
    return f"Взносы {community_name}: {owner_name}, период {period_name}"


def clean(value: str, limit: int) -> str:
    """A value the standard can carry: no separator, one line, at most ``limit`` characters.

    >>> clean("A|B\\nC", 10)
    'A/B C'
    >>> clean("abcdef", 4)
    'abc…'
    """
    text = "".join(
        " " if unicodedata.category(ch) in ("Cc", "Cs", "Zl", "Zp") else ch for ch in value
    )
    text = " ".join(text.replace(SEPARATOR, "/").split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _digits(value: str | None, lengths: tuple[int, ...], what: str) -> str:
    if value is None or not (value.isascii() and value.isdigit() and len(value) in lengths):
        raise ValueError(f"{what} must be {' or '.join(map(str, lengths))} digits")
    return value


def kopecks(amount: Decimal) -> str:
    """``Sum``: the amount in kopecks, a positive whole number of at most 18 digits.

    >>> kopecks(Decimal("1234.50"))
    '123450'
    """
    minor = amount * 100
    if amount <= 0 or minor != minor.to_integral_value():
        raise ValueError(f"Sum must be a positive amount in whole kopecks, not {amount}")
    text = str(int(minor))
    if len(text) > SUM_MAX_DIGITS:
        raise ValueError(f"Sum must have at most {SUM_MAX_DIGITS} digits")
    return text


def payment_text(order: PaymentOrder) -> str:
    """The QR code's text for ``order`` (GOST R 56042-2014, UTF-8)."""
    p = order.payee
    fields = [
        ("Name", clean(p.recipient_name, NAME_MAX)),
        ("PersonalAcc", _digits(p.account, (20,), "PersonalAcc")),
        ("BankName", clean(p.bank_name, BANK_NAME_MAX)),
        ("BIC", _digits(p.bik, (9,), "BIC")),
        ("CorrespAcc", _digits(p.correspondent_account, (20,), "CorrespAcc")),
        ("PayeeINN", _digits(p.inn, (10, 12), "PayeeINN")),
    ]
    if p.kpp:
        fields.append(("KPP", clean(p.kpp, 9)))
    fields += [("Sum", kopecks(order.amount)), ("Purpose", clean(order.purpose, PURPOSE_MAX))]
    return SEPARATOR.join([HEADER, *(f"{key}={value}" for key, value in fields)])


def parse_payment_text(text: str) -> dict[str, str]:
    """The fields of a payment text (what a bank's app reads back); raises on a foreign header.

    >>> parse_payment_text("ST00012|Name=A|Sum=100")
    {'Name': 'A', 'Sum': '100'}
    """
    header, *pairs = text.split(SEPARATOR)
    if header != HEADER:
        raise ValueError(f"not a UTF-8 payment text: header {header!r}")
    return dict(pair.split("=", 1) for pair in pairs)
