"""PNG charts for the bot, drawn with matplotlib's Agg backend (no display needed).

Figures are made with ``matplotlib.figure.Figure`` directly, not pyplot: no global state, so two
requests can draw at once."""

from __future__ import annotations

import io
from decimal import Decimal

from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

POSITIVE, NEGATIVE, LINE = "#2e7d32", "#c62828", "#1565c0"


def _png(figure: Figure) -> bytes:
    FigureCanvasAgg(figure)
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=100)
    return buffer.getvalue()


def balances_chart(title: str, labels: list[str], balances: list[Decimal], currency: str) -> bytes:
    """A horizontal bar per person: green in credit, red in debt."""
    figure = Figure(figsize=(8, max(3.0, 0.4 * len(labels) + 1.5)))
    axes = figure.add_subplot()
    values = [float(b) for b in balances]  # for drawing only; the numbers shown come from text
    axes.barh(labels, values, color=[POSITIVE if v >= 0 else NEGATIVE for v in values])
    axes.axvline(0, color="black", linewidth=0.8)
    axes.invert_yaxis()
    for y, (value, balance) in enumerate(zip(values, balances, strict=True)):
        axes.annotate(
            f"{balance}",
            (value, y),
            xytext=(4 if value >= 0 else -4, 0),
            textcoords="offset points",
            ha="left" if value >= 0 else "right",
            va="center",
            fontsize=8,
        )
    axes.set_title(title)
    axes.set_xlabel(currency)
    figure.tight_layout()
    return _png(figure)


def fund_chart(
    title: str,
    labels: list[str],
    per_period: list[Decimal],
    cumulative: list[Decimal],
    currency: str,
) -> bytes:
    """Bars: the fund's result in each period; line: the fund balance so far."""
    figure = Figure(figsize=(8, 4))
    axes = figure.add_subplot()
    values = [float(v) for v in per_period]
    axes.bar(
        labels, values, color=[POSITIVE if v >= 0 else NEGATIVE for v in values], label="Period"
    )
    axes.plot(labels, [float(v) for v in cumulative], color=LINE, marker="o", label="Fund balance")
    axes.axhline(0, color="black", linewidth=0.8)
    axes.set_title(title)
    axes.set_ylabel(currency)
    axes.legend()
    figure.tight_layout()
    return _png(figure)
