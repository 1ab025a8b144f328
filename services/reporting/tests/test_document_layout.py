"""Documents that look finished, without any infrastructure: chart labels never overlap (the
extreme cases drawn and their labels' boxes compared), PDFs carry the community and the period
and "page N of M" on every page in the reader's language, amounts are grouped and right-aligned,
CSV headers are words, and ``Accept-Language`` picks the language."""

from __future__ import annotations

import csv
import io
from datetime import date
from decimal import Decimal
from itertools import combinations

import pytest
from matplotlib.figure import Figure
from matplotlib.text import Text
from matplotlib.transforms import Bbox
from pypdf import PdfReader
from reporting.exports.charts import balances_figure, fund_figure
from reporting.exports.csv_export import to_csv
from reporting.exports.pdf_export import balance_sheet_pdf, statement_pdf
from reporting.exports.tables import amount_due, balance_sheet_report, statement_report
from reporting.exports.words import negotiate
from reporting.views import StatementOut, StatementPeriod
from sosenki_contracts.views.ledger import BalanceEntryOut, BalanceSheetOut, PeriodOut

pytestmark = pytest.mark.unit

LONG = "Константин Константинопольский-Салтыков-Щедрин, участок № 148, вторая линия у пруда"


def _labels(figure: Figure) -> list[Text]:
    """Every piece of text drawn: tick labels, titles, legend entries, annotations."""
    found = [
        t
        for t in figure.findobj(Text)
        if isinstance(t, Text) and t.get_visible() and t.get_text().strip()
    ]
    return found


def _assert_no_overlap(figure: Figure) -> int:
    figure.canvas.draw()  # type: ignore[no-untyped-call]
    renderer = figure.canvas.get_renderer()  # type: ignore[attr-defined]
    boxes: list[tuple[str, Bbox]] = [
        (t.get_text(), t.get_window_extent(renderer)) for t in _labels(figure)
    ]
    width, height = figure.bbox.width, figure.bbox.height
    for text, box in boxes:
        # Inside the picture (a pixel of anti-aliasing allowed).
        assert box.x0 >= -1 and box.y0 >= -1, text
        assert box.x1 <= width + 1 and box.y1 <= height + 1, text
    for (a, box_a), (b, box_b) in combinations(boxes, 2):
        overlap = box_a.overlaps(box_b) and (
            min(box_a.x1, box_b.x1) - max(box_a.x0, box_b.x0) > 0.5
            and min(box_a.y1, box_b.y1) - max(box_a.y0, box_b.y0) > 0.5
        )
        assert not overlap, f"{a!r} overlaps {b!r}"
    return len(boxes)


CASES = {
    "one owner": ([LONG], [Decimal("-1234567.89")]),
    "long names, huge and negative": (
        [LONG, "Анна", LONG + " (вдова)", "Bo", "X" * 200],
        [
            Decimal("-999999999999.99"),
            Decimal("0"),
            Decimal("123456789012.34"),
            Decimal("-0.01"),
            Decimal("5"),
        ],
    ),
    "200 owners": (
        [f"{LONG[:20]} {i}" for i in range(200)],
        [Decimal((i - 100) * 10_000_003) / 7 for i in range(200)],
    ),
    "all zero": (["Anna", "Boris"], [Decimal(0), Decimal(0)]),
}


@pytest.mark.parametrize(
    ("case", "lang"),
    # 200 owners take seconds to draw: once, in Russian (the longer words).
    [
        (case, lang)
        for case in CASES
        for lang in ("ru", "en")
        if (case, lang) != ("200 owners", "en")
    ],
)
def test_balance_chart_labels_never_overlap(case: str, lang: str) -> None:
    names, balances = CASES[case]
    title = f"{LONG}: Балансы собственников: Ноябрь 2026 — очень длинное название периода"
    figure = balances_figure(title, names, balances, "RUB", lang)
    drawn = _assert_no_overlap(figure)
    # Names and amounts are all there: one label each, plus the title.
    assert drawn >= 2 * len(names) + 1
    texts = "|".join(t.get_text() for t in _labels(figure)).replace("\u00a0", " ")
    first = {"ru": "1 234 567,89 ₽", "en": "₽1,234,567.89"}[lang]
    assert case != "one owner" or f"-{first}" in texts


@pytest.mark.parametrize(("periods", "lang"), [(1, "en"), (3, "ru"), (60, "ru"), (60, "en")])
def test_fund_chart_labels_never_overlap(periods: int, lang: str) -> None:
    labels = [f"Период {i}: {LONG}" if i % 2 else f"P{i}" for i in range(periods)]
    per = [Decimal((-1) ** i * 10**12 + i) for i in range(periods)]
    cumulative = [sum(per[: i + 1], Decimal(0)) for i in range(periods)]
    figure = fund_figure(labels, per, cumulative, "RUB", lang)
    _assert_no_overlap(figure)
    texts = " ".join(t.get_text() for t in _labels(figure))
    assert ("Остаток фонда" if lang == "ru" else "Fund balance") in texts


def _sheet(owners: int) -> tuple[PeriodOut, BalanceSheetOut, dict[int, str]]:
    period = PeriodOut(
        id=7,
        community_id=3,
        name="Ноябрь",
        start_date=date(2026, 11, 1),
        end_date=date(2026, 11, 30),
        status="OPEN",
        description=None,
        closed_at=None,
    )
    entries = [
        BalanceEntryOut(
            owner_id=100 + i,
            username=None,
            total_contributions="1234567.50",
            total_expenses="1000.00",
            total_charges="0.00",
            total_paid_expenses="0.00",
            balance=str(Decimal("1233567.50") - i),
        )
        for i in range(owners)
    ]
    sheet = BalanceSheetOut(
        period_id=7,
        currency="RUB",
        entries=entries,
        total_period_balance=str(sum(Decimal(e.balance) for e in entries)),
    )
    names = {100 + i: f"Иван Петров {i}" for i in range(owners) if i != 1}
    return period, sheet, names


def _pages(body: bytes) -> list[str]:
    assert body.startswith(b"%PDF")
    # Russian dates and amounts use no-break spaces: compare them as plain spaces.
    return [
        page.extract_text().replace("\u00a0", " ").replace("\u202f", " ")
        for page in PdfReader(io.BytesIO(body)).pages
    ]


def test_balance_sheet_pdf_in_russian_has_header_footer_on_every_page() -> None:
    period, sheet, names = _sheet(120)
    report = balance_sheet_report("СНТ «Сосенки» & Co <1>", period, sheet, names, "ru")
    pages = _pages(balance_sheet_pdf(report))
    assert len(pages) >= 3
    for number, text in enumerate(pages, start=1):
        assert "СНТ «Сосенки» & Co <1>" in text
        assert "Ноябрь (1 нояб. 2026 г. – 30 нояб. 2026 г.)" in text
        assert f"Стр. {number} из {len(pages)}" in text
        assert "Собственник" in text and "Баланс" in text  # the header repeats
    everything = "\n".join(pages)
    assert "Оборотная ведомость: Ноябрь" in everything
    assert "1 234 567,50 ₽" in everything.replace("\u00a0", " ")
    assert "Итого" in everything
    # Named by names; the one without a name is "Собственник 101", never a bare number.
    assert "Иван Петров 0" in everything and "Собственник 101" in everything
    for raw in ("owner_id", "total_paid_expenses", "TOTAL", "1234567.50"):
        assert raw not in everything


def test_balance_sheet_pdf_and_csv_in_english() -> None:
    period, sheet, names = _sheet(2)
    report = balance_sheet_report("Pine Village", period, sheet, names, "en")
    (text,) = _pages(balance_sheet_pdf(report))
    assert "Balance sheet: Ноябрь" in text and "Page 1 of 1" in text and "Pine Village" in text
    assert "Share of expenses" in text and "Paid personally" in text
    assert "₽1,234,567.50" in text and "₽2,469,135.00" in text  # an amount, the total
    rows = list(csv.reader(io.StringIO(to_csv(report).decode("utf-8-sig"))))
    assert rows[0] == [
        "Owner",
        "Contributions, ₽",
        "Share of expenses, ₽",
        "Charges, ₽",
        "Paid personally, ₽",
        "Balance, ₽",
    ]
    assert rows[1][0] == "Иван Петров 0" and rows[1][1] == "1234567.50"
    assert rows[-1][0] == "Total" and Decimal(rows[-1][-1]) == sum(
        Decimal(r[-1]) for r in rows[1:-1]
    )


def test_amounts_are_right_aligned_in_the_pdf() -> None:
    period, sheet, names = _sheet(3)
    report = balance_sheet_report("Pine Village", period, sheet, names, "en")
    reader = PdfReader(io.BytesIO(balance_sheet_pdf(report)))
    right_edges: dict[str, float] = {}

    def visit(text: str, cm: object, tm: list[float], font: object, size: float) -> None:
        if text.strip().startswith("₽1,233,56"):
            right_edges[text.strip()] = tm[4]

    reader.pages[0].extract_text(visitor_text=visit)
    # Different lengths would start at different x if they were left-aligned; right-aligned
    # amounts of equal length start at the same x, and a shorter one starts further right.
    assert len(right_edges) == 3
    assert len(set(round(x, 1) for x in right_edges.values())) == 1


def _statement(balances: list[str], current: str) -> StatementOut:
    periods = [
        StatementPeriod(
            period_id=i + 1,
            name=name,
            start_date=date(2026, 10 + i, 1),
            end_date=date(2026, 10 + i, 28),
            status="CLOSED" if i < len(balances) - 1 else "OPEN",
            carried_forward=i < len(balances) - 1,
            opening_balance="0.00" if i == 0 else balances[i - 1],
            total_contributions="100.00",
            total_expenses="2500.00",
            total_charges="0.00",
            total_paid_expenses="0.00",
            balance=b,
        )
        for i, (name, b) in enumerate(zip(["Октябрь", "Ноябрь", "Декабрь"], balances, strict=False))
    ]
    return StatementOut(
        community_id=3,
        owner_id=101,
        username="anna_tg",
        currency="RUB",
        periods=periods,
        current_balance=current,
    )


@pytest.mark.parametrize(
    ("lang", "expected"),
    [
        ("ru", ["Выписка: Анна Смирнова", "К оплате: 4 800,00 ₽", "Текущий баланс", "перенесён"]),
        ("en", ["Statement of Анна Смирнова", "To pay: ₽4,800.00", "Current balance", "carried"]),
    ],
)
def test_statement_pdf_says_what_to_pay(lang: str, expected: list[str]) -> None:
    s = _statement(["-2400.00", "-4800.00"], "-4800.00")
    report = statement_report("Сосенки", s, {101: "Анна Смирнова"}, lang)
    text = "\n".join(_pages(statement_pdf(report))).replace("\u00a0", " ")
    for phrase in expected:
        assert phrase in text
    assert "Сосенки" in text and "Октябрь – Ноябрь" in text
    assert "anna_tg" not in text and "opening_balance" not in text


def test_statement_in_credit_has_nothing_to_pay() -> None:
    report = statement_report("Сосенки", _statement(["300.00"], "300.00"), {}, "ru")
    text = "\n".join(_pages(statement_pdf(report))).replace("\u00a0", " ")
    assert "Оплачивать нечего: переплата 300,00 ₽" in text
    assert "Выписка: anna_tg" in text  # no name given: the username, not a number
    assert amount_due(Decimal("300")) == 0 and amount_due(Decimal("-0.01")) == Decimal("0.01")


@pytest.mark.parametrize(
    ("header", "lang"),
    [
        (None, "en"),
        ("ru-RU,ru;q=0.9,en-US;q=0.8,en;q=0.7", "ru"),
        ("en-GB, ru;q=0.9", "en"),
        ("uk", "en"),
        ("uk, ru;q=0.5", "ru"),
        ("de;q=1, en;q=0.2, ru;q=0.3", "ru"),
        ("ru;q=0, en", "en"),
        ("ru;q=abc", "en"),
        (",;;q=,", "en"),
        ("*", "en"),
    ],
)
def test_accept_language_picks_the_language(header: str | None, lang: str) -> None:
    assert negotiate(header) == lang


def test_group_expenses_csv_names_people_in_the_readers_language() -> None:
    from types import SimpleNamespace

    from reporting.queries.groups import group_expenses_report

    group = SimpleNamespace(group_id=5, name="Trip to Kazan", base_currency="RUB")
    expense = SimpleNamespace(
        expense_id=91,
        expense_date=date(2026, 7, 3),
        description="Hotel",
        category=None,
        split_type="EQUAL",
        total_amount=Decimal("12000.00"),
        currency="RUB",
        base_total_amount=Decimal("12000.00"),
        payers=[{"user_id": 1, "base_amount": "12000.00"}],
        splits=[
            {"user_id": 1, "base_owed_amount": "6000.00"},
            {"user_id": 2, "base_owed_amount": "6000.00"},
        ],
        status="partially_paid",
    )
    report = group_expenses_report(group, [expense], {1: "Аня", 2: None}, "ru")  # type: ignore[arg-type]
    rows = list(csv.reader(io.StringIO(to_csv(report).decode("utf-8-sig"))))
    assert rows[0][:2] == ["Дата", "Описание"] and "В валюте группы, ₽" in rows[0]
    line = [c.replace("\u00a0", " ") for c in rows[1]]
    assert "поровну" in line and "оплачен частично" in line and "12000.00" in line
    assert "Аня 6 000,00 ₽; Участник 2 6 000,00 ₽" in line
    assert rows[-1][0] == "Итого" and "12000.00" in rows[-1]
