"""Numbers and money as a reader of each language writes them (one place for bot, PDF, CSV, charts).

>>> format_money(Decimal("1234.5"), "RUB", "ru")
'1\\xa0234,50\\xa0₽'
>>> format_money(Decimal("-1234.5"), "RUB", "en")
'-₽1,234.50'
>>> format_money(Decimal("1234567"), "GEL", "en")
'GEL\\xa01,234,567.00'
>>> format_money(Decimal("3000"), None, "ru")
'3\\xa0000,00'
>>> format_number(Decimal("12.5"), "ru")
'12,5'

Languages with a catalogue are :data:`LANGUAGES`; anything else is written as English. Babel's
CLDR data gives the separators (a no-break space groups thousands in Russian, so a figure never
wraps across lines); the symbol comes from the Russian data when English has only the ISO code,
because ``₽1,234.50`` is what an English-speaking owner of a Russian village expects.
"""

from __future__ import annotations

from decimal import Decimal

from babel.numbers import format_decimal, get_currency_symbol

LANGUAGES = ("ru", "en")
DEFAULT_LANGUAGE = "en"

_MONEY_PATTERN = "#,##0.00"


def language_of(code: str | None) -> str:
    """The catalogue language for a Telegram ``language_code`` (``ru-RU`` → ``ru``); English for
    every language without its own catalogue (Ukrainian, Belarusian and Kazakh speakers are not
    presumed to want Russian; ``/language`` chooses)."""
    base = (code or "").lower().replace("_", "-").split("-")[0]
    return base if base in LANGUAGES else DEFAULT_LANGUAGE


def currency_symbol(currency: str, language: str) -> str:
    lang = language_of(language)
    symbol = get_currency_symbol(currency, locale=lang)
    if symbol == currency:
        symbol = get_currency_symbol(currency, locale="ru")
    return symbol


def format_number(value: Decimal | int, language: str, pattern: str = "#,##0.###") -> str:
    return format_decimal(value, format=pattern, locale=language_of(language))


def format_money(amount: Decimal | int | str, currency: str | None, language: str) -> str:
    """Two decimals, grouped thousands, the currency's symbol where the reader expects it; just
    the number when the currency is not known (``None`` or ``""``)."""
    value = Decimal(amount)
    lang = language_of(language)
    digits = format_decimal(abs(value), format=_MONEY_PATTERN, locale=lang)
    sign = "-" if value < 0 else ""
    if not currency:
        return f"{sign}{digits}"
    symbol = currency_symbol(currency, lang)
    if lang == "ru":
        return f"{sign}{digits}\u00a0{symbol}"
    gap = "\u00a0" if symbol[-1:].isalpha() else ""
    return f"{sign}{symbol}{gap}{digits}"
