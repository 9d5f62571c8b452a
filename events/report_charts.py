"""A table's chart as SVG (matplotlib), for the PDF: bars, stacked bars, lines or a funnel.

The chart draws the table's own cells, never other figures. A "<5" has no height of its own: a bar
shows it as an empty bar labelled "<5", a line leaves a gap there. Long tables chart their first
MAX_ITEMS rows (the table under the chart has them all, and the caption says so).
"""

from __future__ import annotations

import io
import math
from datetime import date, datetime

import matplotlib

matplotlib.use("svg")
from matplotlib.figure import Figure  # noqa: E402
from matplotlib.ticker import FuncFormatter, MaxNLocator, PercentFormatter  # noqa: E402

from events.report_model import SMALL, Table, Value  # noqa: E402

MAX_ITEMS = 30
#: Bars side by side read well up to this many categories; more go horizontal, one per line.
UPRIGHT_AT_MOST = 8
WIDTH_INCHES = 6.7
COLOURS = ("#2f6db5", "#e08a2e", "#4a9d5b", "#c2474f", "#7d5ba6", "#8c8c8c")
#: Debian's fonts-noto-cjk: the same face as the PDF's text. The TTC's first face (JP) holds every Han character too.
FONTS = ["Noto Sans CJK SC", "Noto Sans CJK JP", "DejaVu Sans"]

matplotlib.rcParams.update(
    {
        # Text stays text: Typst sets it in the PDF's own Noto Sans CJK, so chart words are searchable and cost no glyph
        # paths here (drawing every label as paths took twice as long: 5.4 s against 2.1 s for 14 charts, under load).
        "svg.fonttype": "none",
        "svg.hashsalt": "report",
        "font.family": "sans-serif",
        "font.sans-serif": FONTS,
        "font.size": 8,
        "axes.spines.top": False,
        "axes.spines.right": False,
        "axes.edgecolor": "#999999",
        "axes.axisbelow": True,
        "axes.unicode_minus": False,
    }
)


def label_of(value: Value) -> str:
    if isinstance(value, datetime):
        return value.strftime("%H:%M") if value.hour or value.minute else value.strftime("%m-%d")
    if isinstance(value, date):
        return value.isoformat()
    return "" if value is None else str(value)


def height_of(value: Value, *, gap: bool) -> float:
    """A cell as a height: "<5" and empty cells are 0 (bars) or a gap (lines)."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return math.nan if gap else 0.0
    return float(value)


def _shown(value: Value, percent: bool) -> str:
    if value == SMALL:
        return SMALL
    if not isinstance(value, int | float):
        return ""
    return f"{value * 100:.0f}%" if percent else f"{value:,.0f}" if float(value).is_integer() else f"{value:,.1f}"


def chart_svg(table: Table, language: str) -> tuple[bytes, bool] | None:
    """The table's chart as SVG bytes, and whether it shows only the first MAX_ITEMS rows; None without a chart or rows."""
    chart = table.chart
    if chart is None or not table.rows:
        return None
    keys = [column.key for column in table.columns]
    rows = table.rows[:MAX_ITEMS]
    labels = [label_of(row[keys.index(chart.x)]) for row in rows]
    columns = [table.columns[keys.index(key)] for key in chart.y]
    percent = all(column.kind == "percent" for column in columns)
    values = [[row[keys.index(column.key)] for row in rows] for column in columns]
    many = len(rows) > UPRIGHT_AT_MOST or max(len(label) for label in labels) > 8
    height = 0.3 + 0.24 * len(rows) * (len(columns) if chart.kind == "bar" else 1) if many and chart.kind != "line" else 2.6
    figure = Figure(figsize=(WIDTH_INCHES, min(max(height, 1.6), 9.0)))
    axes = figure.add_subplot()
    if chart.kind == "line":
        _lines(axes, labels, columns, values, language)
    elif chart.kind == "funnel":
        _funnel(axes, labels, values[0])
    else:
        _bars(axes, labels, columns, values, language, stacked=chart.kind == "stacked_bar", horizontal=many, percent=percent)
    value_axis = axes.xaxis if many and chart.kind in ("bar", "stacked_bar") else axes.yaxis
    if percent:
        value_axis.set_major_formatter(PercentFormatter(1.0, decimals=0))
    elif chart.kind != "funnel":
        value_axis.set_major_locator(MaxNLocator(integer=True))
        value_axis.set_major_formatter(FuncFormatter(lambda value, _: f"{value:,.0f}"))
    _margins(figure, labels, horizontal=(many and chart.kind in ("bar", "stacked_bar")) or chart.kind == "funnel", legend=len(columns) > 1)
    out = io.BytesIO()
    figure.savefig(out, format="svg", metadata={"Date": None})
    return out.getvalue(), len(table.rows) > MAX_ITEMS


def _inches(label: str) -> float:
    """About how wide a tick label is at 8 pt: a Han character is an em, a Latin one a little over half."""
    return sum(1.0 if ord(character) >= 0x2E80 else 0.6 for character in label) * 8 / 72


def _margins(figure, labels: list[str], *, horizontal: bool, legend: bool) -> None:
    """Room for the labels, worked out from their lengths: matplotlib's tight_layout measured it by drawing, a quarter of the time."""
    width, height = figure.get_size_inches()
    left = (max(map(_inches, labels), default=0.3) + 0.25) if horizontal else 0.55
    bottom = 0.3 if horizontal else 0.4
    figure.subplots_adjust(left=min(left / width, 0.45), right=1 - 0.15 / width, bottom=bottom / height, top=1 - 0.12 / height)


def _legend(axes, columns, language: str) -> None:
    if len(columns) > 1:
        axes.legend([column.label(language) for column in columns], frameon=False, fontsize=7, loc="best")


def _bars(axes, labels, columns, values, language, *, stacked: bool, horizontal: bool, percent: bool) -> None:
    positions = list(range(len(labels)))
    width = 0.8 if stacked else 0.8 / len(columns)
    base = [0.0] * len(labels)
    for n, (column, cells) in enumerate(zip(columns, values, strict=True)):
        heights = [height_of(cell, gap=False) for cell in cells]
        offset = 0.0 if stacked else (n - (len(columns) - 1) / 2) * width
        where = [p + offset for p in positions]
        draw = axes.barh if horizontal else axes.bar
        extra = {"left": base} if horizontal and stacked else {"bottom": base} if stacked else {}
        bars = draw(where, heights, width if not horizontal else width, color=COLOURS[n % len(COLOURS)], label=column.label(language), **extra)
        if not stacked or len(columns) == 1:
            axes.bar_label(bars, labels=[_shown(cell, column.kind == "percent") for cell in cells], padding=2, fontsize=6.5, color="#333333")
        if stacked:
            base = [b + h for b, h in zip(base, heights, strict=True)]
    if horizontal:
        axes.set_yticks(positions, labels)
        axes.invert_yaxis()
        axes.grid(axis="x", color="#e5e5e5", linewidth=0.6)
        axes.margins(x=0.12)
    else:
        axes.set_xticks(positions, labels)
        axes.grid(axis="y", color="#e5e5e5", linewidth=0.6)
        axes.margins(y=0.15)
    _legend(axes, columns, language)


def _lines(axes, labels, columns, values, language) -> None:
    positions = list(range(len(labels)))
    for n, (column, cells) in enumerate(zip(columns, values, strict=True)):
        axes.plot(positions, [height_of(cell, gap=True) for cell in cells], marker="o", markersize=2.5, linewidth=1.2,
                  color=COLOURS[n % len(COLOURS)], label=column.label(language))
    step = max(1, math.ceil(len(labels) / 12))
    axes.set_xticks(positions[::step], labels[::step])
    axes.grid(axis="y", color="#e5e5e5", linewidth=0.6)
    axes.set_ylim(bottom=0)
    _legend(axes, columns, language)


def _funnel(axes, labels, cells) -> None:
    """Stages from top to bottom, each bar centred, as wide as its count."""
    widths = [height_of(cell, gap=False) for cell in cells]
    widest = max(widths) or 1.0
    positions = list(range(len(labels)))
    bars = axes.barh(positions, widths, left=[-w / 2 for w in widths], color="#9dbde6", edgecolor=COLOURS[0], linewidth=[0.6 if w else 0 for w in widths], height=0.7)
    axes.bar_label(bars, labels=[_shown(cell, False) for cell in cells], label_type="center", color="#1d1d1d", fontsize=7)
    axes.set_yticks(positions, labels)
    axes.set_xlim(-widest / 2 * 1.05, widest / 2 * 1.05)
    axes.invert_yaxis()
    axes.xaxis.set_visible(False)
    axes.spines["bottom"].set_visible(False)
