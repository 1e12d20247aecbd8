"""Counting a week's shared experiments: what failed, by tool, by job function, against history.

The rules are the digest's (docs/digest.md); `core.digest` puts them together:
- A *failure* is an experiment whose outcome is failed or mixed, or that names a failure mode
  or says what failed. Everything else counts as *worked*.
- Tools are products: the model behind a tool never splits a group.
- *Tool x job function* keeps only cells of at least `CELL_MIN` entries.
- A *rise* is claimed only against at least `HISTORY_WEEKS_MIN` weeks of the tool's own use,
  with at least `RISING_MIN` failures, `RISING_FACTOR` times its weekly average, and a share of
  failures `RISING_POINTS` above its history's.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from core.model import Experiment, JobFunction, Outcome

RISING_MIN = 2
RISING_FACTOR = 2.0
RISING_POINTS = 0.15  # this week's share of failures must beat the history's by this much
HISTORY_WEEKS_MIN = 3
CELL_MIN = 3
NO_TOOL = "Unnamed tool"


def is_surprise(exp: Experiment) -> bool:
    """Tell whether the experiment carries a surprise."""
    return bool(exp.surprise.strip())


def is_failure(exp: Experiment) -> bool:
    """Tell whether the experiment reports a failure."""
    return (
        exp.outcome in (Outcome.FAILED, Outcome.MIXED)
        or exp.failure_mode is not None
        or bool(exp.failure.strip())
    )


def tool_of(exp: Experiment) -> str:
    """The tool name a digest groups by."""
    return exp.tool or NO_TOOL


@dataclass(frozen=True)
class ToolGroup:
    """One tool's entries this week, failures first."""

    tool: str
    items: tuple[Experiment, ...]

    @property
    def failures(self) -> int:
        return sum(1 for e in self.items if is_failure(e))


@dataclass(frozen=True)
class Cell:
    """One tool and job function: how many entries worked and failed."""

    tool: str
    function: JobFunction
    worked: int
    failed: int

    @property
    def entries(self) -> int:
        return self.worked + self.failed

    @property
    def failure_share(self) -> float:
        return self.failed / self.entries


@dataclass(frozen=True)
class FunctionTable:
    cells: tuple[Cell, ...]  # only cells of at least CELL_MIN entries
    hidden_entries: int  # entries with a job function in smaller cells
    without_function: int  # entries whose sharer has no job function in their profile


@dataclass(frozen=True)
class Rising:
    tool: str
    this_week: int  # failures
    entries: int  # all entries this week
    history_weeks: int  # weeks of the tool's own history compared against
    before_failures: int
    before_entries: int

    @property
    def trailing_average(self) -> float:
        return self.before_failures / self.history_weeks


@dataclass(frozen=True)
class Replication:
    """Readers who tried an entry themselves: how many saw the same, how many could not."""

    reproduced: int = 0
    not_reproduced: int = 0


def group_by_tool(shared: Sequence[Experiment]) -> tuple[ToolGroup, ...]:
    """Every entry under its tool: most entries first; failures first within a tool."""
    grouped: dict[str, list[Experiment]] = {}
    for exp in shared:
        grouped.setdefault(tool_of(exp), []).append(exp)
    return tuple(
        ToolGroup(tool, tuple(sorted(items, key=lambda e: not is_failure(e))))
        for tool, items in sorted(grouped.items(), key=lambda kv: (-len(kv[1]), kv[0].lower()))
    )


def function_table(shared: Sequence[Experiment]) -> FunctionTable:
    """Tool x job function, worked vs failed, keeping only cells of at least `CELL_MIN`."""
    counts: dict[tuple[str, JobFunction], list[int]] = {}
    for exp in shared:
        if exp.job_function is None:
            continue
        cell = counts.setdefault((tool_of(exp), exp.job_function), [0, 0])
        cell[1 if is_failure(exp) else 0] += 1
    cells = [Cell(tool, fn, worked, failed) for (tool, fn), (worked, failed) in counts.items()]
    shown = [c for c in cells if c.entries >= CELL_MIN]
    tool_size = Counter[str]()
    for c in shown:
        tool_size[c.tool] += c.entries
    return FunctionTable(
        cells=tuple(
            sorted(
                shown, key=lambda c: (-tool_size[c.tool], c.tool.lower(), -c.entries, c.function)
            )
        ),
        hidden_entries=sum(c.entries for c in cells if c.entries < CELL_MIN),
        without_function=sum(1 for e in shared if e.job_function is None),
    )


@dataclass(frozen=True)
class ToolHistory:
    """A tool's trailing weeks as counted by the database: weeks it was named, entries, failures."""

    weeks: int
    entries: int
    failures: int


def find_rising(
    shared: Sequence[Experiment],
    trailing: Mapping[str, Sequence[Experiment]],
    *,
    history: Mapping[str, ToolHistory] | None = None,
) -> tuple[Rising, ...]:
    """Tools whose failures rose against at least `HISTORY_WEEKS_MIN` weeks of their own history.

    The trailing weeks come as experiments (`trailing`), or counted already (`history`).
    """
    now_failures = Counter(tool_of(e) for e in shared if is_failure(e))
    now_entries = Counter(tool_of(e) for e in shared)
    weeks: Counter[str] = Counter()
    before_failures: Counter[str] = Counter()
    before_entries: Counter[str] = Counter()
    for tool, counted in (history or {}).items():
        weeks[tool] += counted.weeks
        before_entries[tool] += counted.entries
        before_failures[tool] += counted.failures
    for week_experiments in trailing.values():
        kept = [e for e in week_experiments if not e.private]
        weeks.update({tool_of(e) for e in kept})
        before_entries.update(tool_of(e) for e in kept)
        before_failures.update(tool_of(e) for e in kept if is_failure(e))
    rising = []
    for tool, count in now_failures.items():
        if weeks[tool] < HISTORY_WEEKS_MIN:
            continue  # too little of its own history to call anything a rise
        average = before_failures[tool] / weeks[tool]
        share_now = count / now_entries[tool]
        share_before = before_failures[tool] / before_entries[tool]
        if (
            count >= RISING_MIN
            and count >= RISING_FACTOR * average
            and share_now >= share_before + RISING_POINTS
        ):
            rising.append(
                Rising(
                    tool=tool,
                    this_week=count,
                    entries=now_entries[tool],
                    history_weeks=weeks[tool],
                    before_failures=before_failures[tool],
                    before_entries=before_entries[tool],
                )
            )
    return tuple(sorted(rising, key=lambda r: (-r.this_week, r.tool)))
