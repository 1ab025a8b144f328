"""The bot's catalogue (``domain/texts.py``): every key in Russian and English with the same
placeholders, every plural entry with every CLDR plural category of its language, plural forms
chosen by Babel's rules, and money, numbers and dates as each language writes them. Without
PostgreSQL, Kafka or Telegram."""

from __future__ import annotations

import string
from decimal import Decimal

import pytest
from babel import Locale
from bot_gateway.domain.texts import (
    LANGUAGES,
    TEXTS,
    day,
    language_of,
    money,
    number,
    plain_number,
    plural_category,
    say,
)
from hypothesis import given, settings, strategies as st

pytestmark = pytest.mark.unit


def _placeholders(template: str) -> set[str]:
    return {field for _, field, _, _ in string.Formatter().parse(template) if field}


def _templates(entry: str | dict[str, str]) -> list[str]:
    return list(entry.values()) if isinstance(entry, dict) else [entry]


def _categories(lang: str) -> set[str]:
    return set(Locale(lang).plural_form.tags) | {"other"}


def test_every_key_is_in_russian_and_english() -> None:
    assert set(LANGUAGES) == {"ru", "en"}
    missing = [key for key, entry in TEXTS.items() if set(entry) != set(LANGUAGES)]
    assert missing == []


def test_every_key_has_the_same_placeholders_in_each_language_and_form() -> None:
    differ = {}
    for key, entry in TEXTS.items():
        found = {
            (lang, i): _placeholders(t)
            for lang in LANGUAGES
            for i, t in enumerate(_templates(entry[lang]))
        }
        if len({frozenset(f) for f in found.values()}) != 1:
            differ[key] = found
    assert differ == {}


def test_a_key_is_plural_in_both_languages_or_in_neither_and_counts_its_count() -> None:
    for key, entry in TEXTS.items():
        plural = {lang: isinstance(entry[lang], dict) for lang in LANGUAGES}
        assert len(set(plural.values())) == 1, key
        if all(plural.values()):
            for lang in LANGUAGES:
                assert all("{count}" in t for t in _templates(entry[lang])), (key, lang)


def test_every_plural_entry_has_every_cldr_category_of_its_language() -> None:
    assert _categories("ru") == {"one", "few", "many", "other"}
    assert _categories("en") == {"one", "other"}
    plurals = [k for k, e in TEXTS.items() if isinstance(e["en"], dict)]
    assert {"n_entries", "n_seconds", "split_numbers_count"} <= set(plurals)
    for key in plurals:
        for lang in LANGUAGES:
            entry = TEXTS[key][lang]
            assert isinstance(entry, dict)
            assert set(entry) == _categories(lang), (key, lang)


def test_russian_plural_forms() -> None:
    forms = {
        n: say("n_entries", "ru", count=n)
        for n in (0, 1, 2, 4, 5, 11, 12, 14, 21, 22, 25, 101, 111)
    }
    assert forms == {
        0: "0 записей",
        1: "1 запись",
        2: "2 записи",
        4: "4 записи",
        5: "5 записей",
        11: "11 записей",
        12: "12 записей",
        14: "14 записей",
        21: "21 запись",
        22: "22 записи",
        25: "25 записей",
        101: "101 запись",
        111: "111 записей",
    }
    assert say("n_entries", "ru", count=Decimal("1.5")) == "1,5 записи"
    assert say("n_entries", "ru", count=1234) == "1\u00a0234 записи"
    assert say("n_seconds", "ru", count=1) == "1 секунду"
    assert say("n_seconds", "ru", count=3) == "3 секунды"


def test_english_plural_forms() -> None:
    assert say("n_entries", "en", count=1) == "1 entry"
    assert [say("n_entries", "en", count=n) for n in (0, 2, 21)] == [
        "0 entries",
        "2 entries",
        "21 entries",
    ]
    assert say("n_entries", "en", count=1234) == "1,234 entries"


@settings(max_examples=200, deadline=None)
@given(st.integers(min_value=0, max_value=10**6))
def test_the_russian_category_follows_the_last_digits(n: int) -> None:
    expected = (
        "one"
        if n % 10 == 1 and n % 100 != 11
        else "few"
        if n % 10 in (2, 3, 4) and n % 100 not in (12, 13, 14)
        else "many"
    )
    assert plural_category(n, "ru") == expected
    assert plural_category(n, "en") == ("one" if n == 1 else "other")


def test_languages_without_a_catalogue_are_answered_in_english() -> None:
    assert [language_of(c) for c in ("ru", "ru-RU", "en-US", "uk", "be", "kk", "de", None)] == [
        "ru", "ru", "en", "en", "en", "en", "en", "en"
    ]  # fmt: skip
    assert say("lang_set", "uk") == say("lang_set", "en")
    assert say("n_entries", "kk", count=2) == "2 entries"


def test_money_numbers_and_dates_as_each_language_writes_them() -> None:
    assert money(Decimal("1234.56"), "RUB", "ru") == "1\u00a0234,56\u00a0₽"
    assert money(Decimal("1234.56"), "RUB", "en") == "₽1,234.56"
    assert money(Decimal("3000.5"), "", "ru") == "3\u00a0000,50"  # the currency is not known
    assert number("1.50", "ru") == "1,5" and number("1.50", "en") == "1.5"
    assert number("1234.5", "ru") == "1\u00a0234,5"
    assert plain_number(Decimal("333.34"), "ru") == "333,34"  # typed back: no grouping
    assert plain_number(Decimal("1000.00"), "ru") == "1000,00"
    assert day("2026-11-01", "ru") == "1 ноября 2026\u202fг."
    assert day("2026-11-01", "en") == "November 1, 2026"
    # A Decimal handed to ``say`` keeps its decimals, written in the language.
    assert say("split_amounts_sum", "ru", sum=Decimal("1000.50"), total=Decimal("900.00")) == (
        "Суммы в итоге дают 1\u00a0000,50, а не 900,00. Ответьте ещё раз."
    )
    assert say("split_percent_sum", "en", sum=Decimal("99.5")) == (
        "The percentages add up to 99.5, not 100. Please reply again."
    )


def test_the_command_menu_offers_the_same_commands_in_both_languages() -> None:
    from bot_gateway.app import MENU

    assert set(MENU) == set(LANGUAGES)
    assert [c for c, _ in MENU["ru"]] == [c for c, _ in MENU["en"]]
    assert "language" in dict(MENU["en"])
