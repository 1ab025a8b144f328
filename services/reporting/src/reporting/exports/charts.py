"""PNG charts for the bot, drawn with matplotlib's Agg backend (no display needed).

Figures are made with ``matplotlib.figure.Figure`` directly, not pyplot: no global state, so two
requests can draw at once.

No label overlaps another, whatever the names and amounts (a test draws the extreme cases and
compares the labels' boxes): in the balances chart the names are left of the bars and the
amounts in a column right of them, one row each, a row high enough for its text; long names are
shortened with "…"; the title wraps. In the fund chart the period names turn upright when they
would touch, and each period has room for one upright name; the legend sits above the plot.
"""

from __future__ import annotations

import io
import textwrap
from decimal import Decimal
from itertools import pairwise

from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.ticker import FuncFormatter, MaxNLocator
from sosenki_contracts.formatting import currency_symbol, format_money, format_number

from reporting.exports.words import word

POSITIVE, NEGATIVE, LINE = "#2e7d32", "#c62828", "#1565c0"
LABEL_SIZE = 8
ROW_INCHES = 0.3  # a bar's row: 8 pt text is 0.11 in high, so rows never share a label
MAX_NAME = 32
TITLE_WIDTH = 60


def _png(figure: Figure) -> bytes:
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=100)
    return buffer.getvalue()


def shorten(text: str, limit: int = MAX_NAME) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def _title(text: str) -> str:
    return "\n".join(textwrap.wrap(text, TITLE_WIDTH)) or " "


def balances_figure(
    title: str, names: list[str], balances: list[Decimal], currency: str, lang: str
) -> Figure:
    """A horizontal bar per owner, green in credit, red in debt; names left, amounts right."""
    rows = max(len(names), 1)
    figure = Figure(figsize=(9, ROW_INCHES * rows + 1.6), layout="constrained")
    FigureCanvasAgg(figure)
    axes = figure.add_subplot()
    values = [float(b) for b in balances]  # for drawing only; the numbers shown come from text
    positions = list(range(len(names)))
    axes.barh(positions, values, color=[POSITIVE if v >= 0 else NEGATIVE for v in values])
    axes.axvline(0, color="black", linewidth=0.8)
    axes.set_ylim(len(names) - 0.5, -0.5)  # first owner on top
    axes.set_yticks(positions, [shorten(n) for n in names], fontsize=LABEL_SIZE)
    amounts = axes.twinx()
    amounts.set_ylim(axes.get_ylim())
    amounts.set_yticks(
        positions, [format_money(b, currency, lang) for b in balances], fontsize=LABEL_SIZE
    )
    amounts.tick_params(axis="y", length=0)
    # Every bar carries its amount, so the value axis needs no numbers (huge ones would collide).
    axes.set_xticks([])
    largest = max((abs(v) for v in values), default=0.0) or 1.0
    axes.set_xlim(
        min(min(values, default=0.0), 0.0) - 0.02 * largest,
        max(max(values, default=0.0), 0.0) + 0.02 * largest,
    )
    axes.set_title(_title(title), fontsize=11)
    return figure


def balances_chart(
    title: str, names: list[str], balances: list[Decimal], currency: str, lang: str = "en"
) -> bytes:
    return _png(balances_figure(title, names, balances, currency, lang))


def fund_figure(
    labels: list[str],
    per_period: list[Decimal],
    cumulative: list[Decimal],
    currency: str,
    lang: str,
) -> Figure:
    """Bars: the fund's result in each period; line: the fund balance so far."""
    count = max(len(labels), 1)
    figure = Figure(figsize=(max(8.0, 0.35 * count + 2), 4.5), layout="constrained")
    canvas = FigureCanvasAgg(figure)
    axes = figure.add_subplot()
    positions = list(range(len(labels)))
    values = [float(v) for v in per_period]
    axes.bar(
        positions,
        values,
        color=[POSITIVE if v >= 0 else NEGATIVE for v in values],
        label=word("fund_period", lang),
    )
    axes.plot(
        positions,
        [float(v) for v in cumulative],
        color=LINE,
        marker="o",
        label=word("fund_balance", lang),
    )
    axes.axhline(0, color="black", linewidth=0.8)
    axes.set_xticks(positions, [shorten(n, 24) for n in labels], fontsize=LABEL_SIZE)
    axes.yaxis.set_major_locator(MaxNLocator(nbins=6))
    axes.yaxis.set_major_formatter(
        FuncFormatter(lambda y, _: format_number(Decimal(str(round(y, 2))), lang))
    )
    low, high = axes.get_ylim()
    # Only the ticks inside the plot (the locator offers one beyond each end).
    axes.set_yticks([y for y in axes.get_yticks() if low <= y <= high])
    axes.set_ylim(low, high)
    axes.tick_params(axis="y", labelsize=LABEL_SIZE)
    axes.set_ylabel(currency_symbol(currency, lang) if currency else "")
    axes.set_title(_title(word("fund_chart", lang)), fontsize=11)
    figure.legend(loc="outside upper right", fontsize=LABEL_SIZE, ncols=2)
    canvas.draw()  # type: ignore[no-untyped-call]
    renderer = canvas.get_renderer()  # type: ignore[no-untyped-call]
    ticks = axes.get_xticklabels()
    boxes = [t.get_window_extent(renderer) for t in ticks]
    if any(a.x1 > b.x0 for a, b in pairwise(boxes)):
        for t in ticks:
            t.set_rotation(90)
    return figure


def fund_chart(
    labels: list[str],
    per_period: list[Decimal],
    cumulative: list[Decimal],
    currency: str,
    lang: str = "en",
) -> bytes:
    return _png(fund_figure(labels, per_period, cumulative, currency, lang))
