"""The digest chart's numbers: entries and failures per tool, week by week, over eight weeks.

Rules:
- A ritual's chart counts what its digest counts: shared entries attached to the ritual, plus
  shared entries attached to no ritual whose author the ritual asked that week.
- The database counts (`storage.charts`), grouped by week and tool; an unattached entry's
  count also names its author, so the audience rule is applied here, on a few small tallies.
- The tools with the most entries over the eight weeks are drawn (`TOP_TOOLS`), the rest are
  summed into "Other", so the picture stays readable whatever the team tries.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from core.digest import NO_TOOL
from core.weeks import WeekId

CHART_WEEKS = 8
TOP_TOOLS = 5
OTHER = "Other"


@dataclass(frozen=True)
class WeekCount:
    """Shared entries and failures of one tool in one week, as the database counted them."""

    week: str
    tool: str | None
    entries: int
    failures: int
    author: str | None = None  # set only for entries attached to no ritual


@dataclass(frozen=True)
class ChartSeries:
    """What the chart draws: one row of weekly numbers per tool, oldest week first."""

    ritual_name: str
    weeks: tuple[str, ...]
    tools: tuple[str, ...]  # most entries first; `OTHER` last when present
    entries: Mapping[str, tuple[int, ...]]
    failures: Mapping[str, tuple[int, ...]]

    @property
    def total_entries(self) -> int:
        return sum(sum(row) for row in self.entries.values())

    @property
    def total_failures(self) -> int:
        return sum(sum(row) for row in self.failures.values())


def chart_weeks(week: WeekId, count: int = CHART_WEEKS) -> list[WeekId]:
    """The `count` weeks ending with `week`, oldest first."""
    return [*week.trailing(count - 1), week]


def build_series(
    *,
    ritual_name: str,
    weeks: Sequence[WeekId],
    counts: Iterable[WeekCount],
    audiences: Mapping[str, tuple[str, ...]],
    top: int = TOP_TOOLS,
) -> ChartSeries:
    """Sum the counts that belong to the ritual into one row per tool (the top ones, then Other)."""
    labels = tuple(str(w) for w in weeks)
    index = {label: n for n, label in enumerate(labels)}
    entries: dict[str, list[int]] = {}
    failures: dict[str, list[int]] = {}
    for count in counts:
        at = index.get(count.week)
        if at is None:
            continue
        if count.author is not None and count.author not in audiences.get(count.week, ()):
            continue  # attached to no ritual, and its author was not asked that week
        tool = count.tool or NO_TOOL
        entries.setdefault(tool, [0] * len(labels))[at] += count.entries
        failures.setdefault(tool, [0] * len(labels))[at] += count.failures
    ranked = sorted(entries, key=lambda tool: (-sum(entries[tool]), tool.casefold()))
    kept = ranked if len(ranked) <= top else ranked[: max(top - 1, 1)]
    rest = [tool for tool in ranked if tool not in kept]
    rows_entries = {tool: tuple(entries[tool]) for tool in kept}
    rows_failures = {tool: tuple(failures[tool]) for tool in kept}
    if rest:
        rows_entries[OTHER] = _sum_rows([entries[tool] for tool in rest], len(labels))
        rows_failures[OTHER] = _sum_rows([failures[tool] for tool in rest], len(labels))
    return ChartSeries(
        ritual_name=ritual_name,
        weeks=labels,
        tools=tuple(rows_entries),
        entries=rows_entries,
        failures=rows_failures,
    )


def _sum_rows(rows: list[list[int]], width: int) -> tuple[int, ...]:
    return tuple(sum(row[n] for row in rows) for n in range(width))


def week_label(week: str) -> str:
    """A week as the chart's axis shows it: "W48"."""
    return week.split("-", 1)[-1]
