"""Draw the digest chart as a PNG with matplotlib: two stacked bar panels sharing the weeks.

Rules:
- matplotlib is an optional dependency (the `chart` extra) and heavy to import (about half a
  second), so it is imported here, inside `render_png`, and only when a chart is drawn: no
  command's start-up and no module import pays for it. Missing, it raises `ChartUnavailable`.
- Only the object-oriented API (`Figure` on an Agg canvas): pyplot keeps global state and
  picks a GUI backend, neither of which a server wants. The caller runs this in a thread.
- Colours are the Okabe-Ito palette (distinguishable with the common colour-vision
  deficiencies), "Other" is grey, and every bar carries its total, so nothing depends on
  colour alone.
"""

from __future__ import annotations

import io
from collections.abc import Mapping
from typing import Any

from core.chart_data import OTHER, ChartSeries, week_label

# Okabe & Ito (2008), "Color Universal Design": blue, orange, bluish green, reddish purple,
# sky blue, vermillion. Yellow is left out: it is unreadable on white.
PALETTE = ("#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00")
OTHER_COLOUR = "#999999"
WIDTH_INCHES, HEIGHT_INCHES, DPI = 9.0, 5.6, 120


class ChartUnavailable(Exception):
    """The plotting library is not installed."""


def render_png(series: ChartSeries) -> bytes:
    """Return the chart as PNG bytes."""
    figure = draw_figure(series)
    out = io.BytesIO()
    figure.savefig(out, format="png", metadata={"Software": None})
    return out.getvalue()


def draw_figure(series: ChartSeries) -> Any:
    """Draw the chart on a matplotlib `Figure` (Agg canvas) and return it."""
    try:
        from matplotlib.backends.backend_agg import FigureCanvasAgg
        from matplotlib.figure import Figure
        from matplotlib.ticker import MaxNLocator
    except ImportError as exc:
        raise ChartUnavailable(
            "matplotlib is not installed (pip install 'learning-out-loud[chart]')"
        ) from exc

    figure = Figure(figsize=(WIDTH_INCHES, HEIGHT_INCHES), dpi=DPI, layout="constrained")
    FigureCanvasAgg(figure)
    top, bottom = figure.subplots(2, 1, sharex=True)
    # The digest's own week is the last bar: said under it, so the eye starts there.
    weeks = [week_label(w) for w in series.weeks[:-1]] + [
        f"{week_label(series.weeks[-1])}\nthis week"
    ]
    colours = _colours(series.tools)
    for axes, rows, title in (
        (top, series.entries, "Entries shared"),
        (bottom, series.failures, "Failures reported"),
    ):
        _stacked(axes, weeks, series.tools, rows, colours)
        axes.set_title(title, loc="left", fontsize=11, fontweight="bold")
        axes.yaxis.set_major_locator(MaxNLocator(integer=True, min_n_ticks=1))
        axes.spines[["top", "right"]].set_visible(False)
        axes.grid(axis="y", color="#dddddd", linewidth=0.8)
        axes.set_axisbelow(True)
    bottom.set_xlabel("ISO week")
    figure.suptitle(
        f"{_shorten(series.ritual_name)}: the last {len(weeks)} weeks by tool "
        f"({series.total_entries} entries, {series.total_failures} failures)",
        fontsize=13,
    )
    handles, labels = top.get_legend_handles_labels()
    # One row under the panels, in stacking order from the bottom bar up: beside the panels at
    # the top right, the legend's title met the figure's title. Constrained layout keeps the
    # space for it outside the axes.
    figure.legend(
        handles,
        labels,
        loc="outside lower center",
        ncols=len(labels),
        frameon=False,
        title="Tool (bars stack in this order, left = bottom)",
        title_fontsize=9,
    )
    return figure


def _shorten(name: str, limit: int = 40) -> str:
    return name if len(name) <= limit else name[: limit - 1] + "…"


def _colours(tools: tuple[str, ...]) -> dict[str, str]:
    named = [tool for tool in tools if tool != OTHER]
    colours = {tool: PALETTE[n % len(PALETTE)] for n, tool in enumerate(named)}
    colours[OTHER] = OTHER_COLOUR
    return colours


def _stacked(
    axes: Any,
    weeks: list[str],
    tools: tuple[str, ...],
    rows: Mapping[str, tuple[int, ...]],
    colours: dict[str, str],
) -> None:
    base = [0] * len(weeks)
    for tool in tools:
        values = list(rows[tool])
        axes.bar(weeks, values, bottom=base, label=tool, color=colours[tool], width=0.7)
        base = [b + v for b, v in zip(base, values, strict=True)]
    for n, total in enumerate(base):
        if total:
            axes.annotate(
                str(total),
                (n, total),
                xytext=(0, 2),
                textcoords="offset points",
                ha="center",
                va="bottom",
                fontsize=9,
            )
    axes.set_ylim(0, max([*base, 1]) * 1.18)
