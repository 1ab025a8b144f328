"""The document buttons ``/report`` offers and the files' names, without infrastructure."""

from __future__ import annotations

import pytest
from bot_gateway.telegram.documents import filename, offer

pytestmark = pytest.mark.unit


def _data(keyboard: object) -> list[str]:
    assert keyboard is not None
    return [b.callback_data for row in keyboard.inline_keyboard for b in row]  # type: ignore[attr-defined]


def test_offer_follows_what_the_user_may_have() -> None:
    both = offer("en", 12, 34, sheet=True, statement=True)
    assert _data(both) == ["dc:s:pdf:12:34", "dc:s:csv:12:34", "dc:m:pdf:12:0", "dc:m:csv:12:0"]
    # An owner who may not see the balance sheet: only their own statement.
    assert _data(offer("ru", 12, None, sheet=False, statement=True)) == [
        "dc:m:pdf:12:0",
        "dc:m:csv:12:0",
    ]
    # A treasurer who owns nothing: the balance sheet only; nobody: no keyboard at all.
    assert _data(offer("en", 12, 34, sheet=True, statement=False)) == [
        "dc:s:pdf:12:34",
        "dc:s:csv:12:34",
    ]
    assert offer("en", 12, 34, sheet=False, statement=False) is None
    assert offer("en", 12, None, sheet=True, statement=False) is None


def test_buttons_fit_telegrams_64_bytes_with_the_largest_ids() -> None:
    largest = 2**53 - 1
    for data in _data(offer("ru", largest, largest, sheet=True, statement=True)):
        assert len(data.encode()) <= 64


def test_buttons_are_in_the_users_language() -> None:
    keyboard = offer("ru", 1, 2, sheet=True, statement=True)
    assert keyboard is not None
    texts = [b.text for row in keyboard.inline_keyboard for b in row]
    assert texts == ["Ведомость (PDF)", "Ведомость (CSV)", "Моя выписка (PDF)", "Моя выписка (CSV)"]


@pytest.mark.parametrize(
    ("stem", "name", "fmt", "expected"),
    [
        ("statement", "Bob", "pdf", "statement-Bob.pdf"),
        ("выписка", "Анна Петрова", "pdf", "выписка-Анна-Петрова.pdf"),
        ("balance-sheet", "July 2026", "csv", "balance-sheet-July-2026.csv"),
        ("statement", '../../etc/passwd"; rm', "pdf", "statement-etc-passwd-rm.pdf"),
        ("statement", "", "csv", "statement.csv"),
        ("statement", "!!!", "pdf", "statement.pdf"),
    ],
)
def test_file_names_are_safe_and_readable(stem: str, name: str, fmt: str, expected: str) -> None:
    assert filename(stem, name, fmt) == expected
