"""The digest chart's series: eight weeks per tool, top tools then "Other", the audience rule."""

from __future__ import annotations

import sys

import pytest

from bot.config import Config, ConfigError
from core.chart_data import OTHER, WeekCount, build_series, chart_weeks, week_label
from core.digest import NO_TOOL
from core.weeks import WeekId
from services.chart_render import ChartUnavailable, render_png
from services.charts import ALT_TEXT_LIMIT, alt_text

WEEK = WeekId.parse("2026-W48")
WEEKS = chart_weeks(WEEK)


def test_eight_weeks_end_with_the_digest_week() -> None:
    """The chart covers the digest's week and the seven before it, oldest first."""
    assert [str(w) for w in WEEKS] == [f"2026-W{n}" for n in range(41, 49)]
    assert week_label("2026-W48") == "W48"
    assert [str(w) for w in chart_weeks(WeekId.parse("2026-W02"))][:3] == [
        "2025-W47",
        "2025-W48",
        "2025-W49",
    ]


def test_counts_land_in_their_week_and_tool_row() -> None:
    """Entries and failures are summed per tool and week; other weeks are left out."""
    series = build_series(
        ritual_name="Leaders",
        weeks=WEEKS,
        counts=[
            WeekCount("2026-W48", "Claude", entries=3, failures=1),
            WeekCount("2026-W41", "Claude", entries=2, failures=2),
            WeekCount("2026-W48", None, entries=1, failures=0),
            WeekCount("2026-W40", "Claude", entries=9, failures=9),  # before the window
        ],
        audiences={},
    )
    assert series.weeks == tuple(str(w) for w in WEEKS)
    assert series.tools == ("Claude", NO_TOOL)
    assert series.entries == {"Claude": (2, 0, 0, 0, 0, 0, 0, 3), NO_TOOL: (0,) * 7 + (1,)}
    assert series.failures == {"Claude": (2, 0, 0, 0, 0, 0, 0, 1), NO_TOOL: (0,) * 8}
    assert (series.total_entries, series.total_failures) == (6, 3)


def test_unattached_entries_count_only_for_people_asked_that_week() -> None:
    """An entry attached to no ritual counts when its author was in that week's audience."""
    series = build_series(
        ritual_name="Leaders",
        weeks=WEEKS,
        counts=[
            WeekCount("2026-W48", "Cursor", entries=1, failures=0, author="U1"),
            WeekCount("2026-W48", "Cursor", entries=5, failures=5, author="U9"),
            WeekCount("2026-W47", "Cursor", entries=2, failures=1, author="U1"),
        ],
        audiences={"2026-W48": ("U1", "U2")},  # U1 was not asked in W47
    )
    assert series.entries == {"Cursor": (0,) * 7 + (1,)}
    assert series.failures == {"Cursor": (0,) * 8}


def test_beyond_the_top_tools_the_rest_are_other() -> None:
    """Six tools: the four with most entries are drawn, the other two are summed as Other."""
    counts = [
        WeekCount("2026-W48", tool, entries=n, failures=n // 2)
        for n, tool in enumerate(["A", "B", "C", "D", "E", "F"], start=1)
    ]
    series = build_series(ritual_name="L", weeks=WEEKS, counts=counts, audiences={}, top=5)
    assert series.tools == ("F", "E", "D", "C", OTHER)
    assert series.entries[OTHER][-1] == 1 + 2
    assert series.failures[OTHER][-1] == 0 + 1
    assert series.total_entries == sum(range(1, 7))
    exactly_five = build_series(
        ritual_name="L", weeks=WEEKS, counts=counts[:5], audiences={}, top=5
    )
    assert exactly_five.tools == ("E", "D", "C", "B", "A")


def test_ties_are_broken_by_name_so_the_chart_is_stable() -> None:
    """Tools with as many entries are ordered by name, whatever order the database gave."""
    counts = [WeekCount("2026-W48", t, entries=1, failures=0) for t in ("b", "A", "c")]
    series = build_series(ritual_name="L", weeks=WEEKS, counts=counts, audiences={})
    assert series.tools == ("A", "b", "c")


def test_the_chart_is_a_png_and_its_alt_text_says_what_it_shows() -> None:
    """The renderer returns PNG bytes; the alt text names the weeks, this week and each tool."""
    series = build_series(
        ritual_name="Leaders",
        weeks=WEEKS,
        counts=[WeekCount("2026-W48", "Claude", entries=3, failures=1)],
        audiences={},
    )
    png = render_png(series)
    assert png.startswith(b"\x89PNG\r\n\x1a\n")
    text = alt_text(series)
    assert "W41 to W48" in text
    assert "This week: 3 entries, 1 failures" in text
    assert "Claude 3 entries, 1 failures" in text
    many = build_series(
        ritual_name="L",
        weeks=WEEKS,
        counts=[WeekCount("2026-W48", "x" * 300 + str(n), 1, 0) for n in range(9)],
        audiences={},
    )
    assert len(alt_text(many)) <= ALT_TEXT_LIMIT


def test_without_matplotlib_the_renderer_says_the_library_is_missing(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A missing plotting library is a clear `ChartUnavailable`, not an ImportError."""
    for name in ("matplotlib.figure", "matplotlib.backends.backend_agg", "matplotlib.ticker"):
        monkeypatch.setitem(sys.modules, name, None)
    series = build_series(
        ritual_name="L",
        weeks=WEEKS,
        counts=[WeekCount("2026-W48", "Claude", 1, 0)],
        audiences={},
    )
    with pytest.raises(ChartUnavailable, match=r"learning-out-loud\[chart\]"):
        render_png(series)


VALID = {"SLACK_BOT_TOKEN": "xoxb-1-secret", "SLACK_SIGNING_SECRET": "shh-signing"}


@pytest.mark.parametrize(
    ("value", "enabled"), [(None, True), ("on", True), ("off", False), ("false", False)]
)
def test_digest_chart_is_on_unless_turned_off(value: str | None, enabled: bool) -> None:
    """DIGEST_CHART defaults to on; off (or false) turns the chart off."""
    environ = VALID | ({"DIGEST_CHART": value} if value else {})
    assert Config.from_env(environ).digest_chart is enabled


def test_a_bad_digest_chart_value_names_the_variable() -> None:
    """Anything but a yes/no value stops start-up naming DIGEST_CHART."""
    with pytest.raises(ConfigError, match=r"^DIGEST_CHART "):
        Config.from_env(VALID | {"DIGEST_CHART": "sometimes"})


def test_the_chart_title_and_legend_do_not_overlap() -> None:
    """Laid out, the figure's title, the legend and both panels each keep their own space."""
    from services.chart_render import draw_figure

    series = build_series(
        ritual_name="Leaders of the platform group",
        weeks=WEEKS,
        counts=[
            WeekCount(f"2026-W{41 + n % 8}", tool, entries=2 + n, failures=n % 3)
            for n, tool in enumerate(
                ["GitHub Copilot", "ChatGPT", "Claude", "Gemini", "Cursor", "Perplexity"]
            )
        ],
        audiences={},
    )
    figure = draw_figure(series)
    figure.canvas.draw()
    renderer = figure.canvas.get_renderer()
    title = figure._suptitle.get_window_extent(renderer)
    (legend,) = figure.legends
    boxes = [legend.get_window_extent(renderer)] + [
        axes.get_tightbbox(renderer) for axes in figure.axes
    ]
    assert not any(title.overlaps(box) for box in boxes)
    assert not legend.get_window_extent(renderer).overlaps(figure.axes[0].get_tightbbox(renderer))
    assert not legend.get_window_extent(renderer).overlaps(figure.axes[1].get_tightbbox(renderer))
