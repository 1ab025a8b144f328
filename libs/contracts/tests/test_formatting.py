"""Money and numbers as each reader writes them (the examples in the module's docstring, run)."""

from __future__ import annotations

import doctest
from decimal import Decimal

from hypothesis import given, strategies as st
from sosenki_contracts import formatting
from sosenki_contracts.formatting import format_money, language_of


def test_the_docstring_examples_hold() -> None:
    assert doctest.testmod(formatting).failed == 0


def test_languages_without_a_catalogue_are_english() -> None:
    assert language_of("ru-RU") == "ru"
    assert [language_of(code) for code in ("uk", "be", "kk", "de", None, "")] == ["en"] * 6


@given(st.decimals(min_value=-(10**12), max_value=10**12, places=2))
def test_the_figure_reads_back_as_the_amount(amount: Decimal) -> None:
    russian = format_money(amount, "RUB", "ru").removesuffix("\u00a0₽")
    english = format_money(amount, "RUB", "en").replace("₽", "")
    assert Decimal(russian.replace("\u00a0", "").replace(",", ".")) == amount
    assert Decimal(english.replace(",", "")) == amount
