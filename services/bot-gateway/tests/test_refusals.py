"""A refusal is told by its code in the user's language (pure)."""

from __future__ import annotations

import re

import pytest
from bot_gateway.domain.refusals import REFUSALS, refusal_text
from sosenki_contracts.error_codes import ErrorCode

CYRILLIC = re.compile("[а-яё]", re.IGNORECASE)


@pytest.mark.parametrize("code", list(ErrorCode))
def test_every_code_has_a_sentence_in_russian_and_english(code: ErrorCode) -> None:
    sentences = REFUSALS[code]
    assert CYRILLIC.search(sentences["ru"]), sentences["ru"]
    assert not CYRILLIC.search(sentences["en"]), sentences["en"]
    assert refusal_text(code, 400, "ru") == sentences["ru"]
    assert refusal_text(code, 400, "en") == sentences["en"]


@pytest.mark.parametrize(
    ("status", "ru", "en"),
    [
        (403, "вам это не разрешено.", "you may not do this."),
        (404, "не найдено.", "it was not found."),
        (409, "сейчас это сделать нельзя.", "this is not possible in the current state."),
        (400, "в запросе что-то не так.", "something in the request is not right."),
        (None, "в запросе что-то не так.", "something in the request is not right."),
    ],
)
def test_an_unknown_code_gets_the_generic_sentence_of_its_status(
    status: int | None, ru: str, en: str
) -> None:
    for code in ("a_code_from_the_future", None):
        assert refusal_text(code, status, "ru") == ru
        assert refusal_text(code, status, "en") == en


def test_a_language_without_sentences_reads_english() -> None:
    assert refusal_text("period_not_open", 400, "de") == REFUSALS["period_not_open"]["en"]
