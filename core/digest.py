"""The weekly digest as data: what the week's shared experiments say, before any rendering.

Rules (documented in docs/digest.md, with the thresholds):
- Only shared experiments count; private ones never reach this module's inputs.
- A *failure* is an experiment whose outcome is failed or mixed, or that names a failure mode
  or says what failed. Everything else counts as *worked*.
- Tools are products: the model behind a tool ("GPT-5" behind "ChatGPT") never splits a group.
- *Every entry* is listed, grouped by tool (most entries first), failures first within a tool.
- *Tool x job function*: worked and failed per cell, shown only for cells of at least
  `CELL_MIN` entries; smaller cells are counted as not shown, never as statistics.
- *Rising failures*: claimed only for a tool with entries in at least `HISTORY_WEEKS_MIN` of
  the `TRAILING_WEEKS` weeks before, when this week's failures are at least `RISING_MIN`, at
  least `RISING_FACTOR` times its weekly average over those weeks, and a share of its entries
  at least `RISING_POINTS` above the share before (so more use alone is not a rise). The numbers are shown with the claim.
- *Since the update*: a product's failure rate since a new model first appeared (`core.drift`).
- *Caught late or silently*: failures caught by a customer, by chance, or not yet.
- *Three things to know*: an admin's pinned entry first, then, one of each kind in this order
  before a second of any: rising failures, since the update, a failure mode seen by at least
  `SHARED_MODE_PEOPLE` people, the entry most readers reproduced (at least `REPLICATED_MIN`),
  failures caught late (at least `CAUGHT_LATE_MIN`), a tool failing differently by job
  function (shares of failures `FUNCTION_GAP` apart, both cells shown in the table), and the
  tool with most failures (at least `RISING_MIN`). At most `THINGS`.
- *Credit*: everyone credited for an entry (`credited`), by name; first-time sharers are
  welcomed by name only when at most `WELCOME_NAMES`. Nobody is listed for not sharing.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from core.drift import Drift
from core.model import Caught, Experiment, FailureMode, JobFunction, Outcome

RISING_MIN = 2
RISING_FACTOR = 2.0
RISING_POINTS = 0.15  # this week's share of failures must beat the history's by this much
TRAILING_WEEKS = 4
HISTORY_WEEKS_MIN = 3
CELL_MIN = 3
SHARED_MODE_PEOPLE = 3
REPLICATED_MIN = 2
CAUGHT_LATE_MIN = 2
FUNCTION_GAP = 0.5
THINGS = 3
WELCOME_NAMES = 5
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


def credited(exp: Experiment) -> str | None:
    """Who is credited for this entry (a user id), or None when nobody is named for it.

    The one place that decides attribution: credit, welcomes and every line naming a person
    go through it.
    """
    return exp.user_id


@dataclass(frozen=True)
class Totals:
    experiments: int
    people: int
    tools: int
    failures: int = 0

    @classmethod
    def of(cls, experiments: Sequence[Experiment]) -> Totals:
        return cls(
            experiments=len(experiments),
            people=len({e.user_id for e in experiments}),
            tools=len({tool_of(e) for e in experiments}),
            failures=sum(1 for e in experiments if is_failure(e)),
        )


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


@dataclass(frozen=True)
class Thing:
    """One of the "three things to know". `kind` says which rule chose it."""

    kind: str  # pinned | rising | drift | mode | replicated | caught | function | most
    entry: Experiment | None = None
    rising: Rising | None = None
    drift: Drift | None = None
    mode: FailureMode | None = None
    people: int = 0
    tools: tuple[tuple[str, int], ...] = ()  # (tool, count), most first
    replication: Replication | None = None
    caught: tuple[tuple[Caught, int], ...] = ()
    cells: tuple[Cell, ...] = ()
    group: ToolGroup | None = None


@dataclass(frozen=True)
class Digest:
    week: str
    ritual_name: str
    totals: Totals
    previous: Totals
    entries: tuple[Experiment, ...]
    groups: tuple[ToolGroup, ...]
    table: FunctionTable
    rising: tuple[Rising, ...]
    first_tried: tuple[str, ...]
    sharers: tuple[str, ...]  # credited user ids, in order of first share this week
    first_time: tuple[str, ...]
    asked: int | None  # how many people the ritual asked, when known
    asked_who_shared: int  # of those, how many shared (guests are not counted)
    drift: tuple[Drift, ...] = ()
    caught: tuple[tuple[Caught, int], ...] = ()
    caught_late: tuple[Experiment, ...] = ()
    replications: Mapping[str, Replication] = field(default_factory=dict)
    things: tuple[Thing, ...] = ()
    by_mode: Mapping[str, Mapping[FailureMode, int]] = field(default_factory=dict)

    @property
    def quiet(self) -> bool:
        return self.totals.experiments == 0

    @property
    def participation(self) -> float | None:
        """The share of people asked who shared (guests are not counted in it)."""
        if not self.asked:
            return None
        return self.asked_who_shared / self.asked

    @property
    def welcome_by_name(self) -> bool:
        return 0 < len(self.first_time) <= WELCOME_NAMES


def build_digest(
    *,
    week: str,
    ritual_name: str,
    experiments: Sequence[Experiment],
    previous_week: Sequence[Experiment],
    trailing: Mapping[str, Sequence[Experiment]],
    known_tools: frozenset[str],
    prior_sharers: frozenset[str],
    audience: Sequence[str] | None = None,
    drift: Sequence[Drift] = (),
    replications: Mapping[str, Replication] | None = None,
    pinned: str | None = None,
) -> Digest:
    """Summarise one week of shared experiments for one ritual."""
    shared = sorted((e for e in experiments if not e.private), key=lambda e: (e.created_at, e.id))
    groups = group_by_tool(shared)
    table = function_table(shared)
    rising = find_rising(shared, trailing)
    votes = dict(replications or {})
    sharers = tuple(dict.fromkeys(u for u in map(credited, shared) if u is not None))
    audience_set = set(audience) if audience is not None else None
    caught = Counter(e.caught for e in shared if e.caught is not None and is_failure(e))
    late = tuple(e for e in shared if e.caught is not None and e.caught.late and is_failure(e))
    by_mode: dict[str, Counter[FailureMode]] = {}
    for exp in shared:
        if exp.failure_mode is not None and is_failure(exp):
            by_mode.setdefault(tool_of(exp), Counter())[exp.failure_mode] += 1
    caught_counts = tuple(sorted(caught.items(), key=lambda kv: (-kv[1], kv[0].value)))
    recent = [*shared, *(e for e in previous_week if not e.private)]
    return Digest(
        week=week,
        ritual_name=ritual_name,
        totals=Totals.of(shared),
        previous=Totals.of([e for e in previous_week if not e.private]),
        entries=tuple(shared),
        groups=groups,
        table=table,
        rising=rising,
        first_tried=tuple(sorted({tool_of(e) for e in shared if e.tool} - known_tools)),
        sharers=sharers,
        first_time=tuple(user for user in sharers if user not in prior_sharers),
        asked=len(audience_set) if audience_set is not None else None,
        asked_who_shared=len(
            [u for u in sharers if audience_set is not None and u in audience_set]
        ),
        drift=tuple(drift),
        caught=caught_counts,
        caught_late=late,
        replications=votes,
        things=choose_things(
            shared=shared,
            recent=recent,
            groups=groups,
            table=table,
            rising=rising,
            drift=drift,
            late=late,
            replications=votes,
            pinned=pinned,
        ),
        by_mode={tool: dict(counts) for tool, counts in by_mode.items()},
    )


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


def find_rising(
    shared: Sequence[Experiment], trailing: Mapping[str, Sequence[Experiment]]
) -> tuple[Rising, ...]:
    """Tools whose failures rose against at least `HISTORY_WEEKS_MIN` weeks of their own history."""
    now_failures = Counter(tool_of(e) for e in shared if is_failure(e))
    now_entries = Counter(tool_of(e) for e in shared)
    weeks: Counter[str] = Counter()
    before_failures: Counter[str] = Counter()
    before_entries: Counter[str] = Counter()
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


def choose_things(
    *,
    shared: Sequence[Experiment],
    recent: Sequence[Experiment],
    groups: Sequence[ToolGroup],
    table: FunctionTable,
    rising: Sequence[Rising],
    drift: Sequence[Drift],
    late: Sequence[Experiment],
    replications: Mapping[str, Replication],
    pinned: str | None,
) -> tuple[Thing, ...]:
    """The week's three things to know, by the rule in this module's docstring."""
    kinds: list[list[Thing]] = []
    chosen: list[Thing] = []
    pin = next((e for e in shared if e.id == pinned), None) if pinned else None
    if pin is not None:
        chosen.append(Thing("pinned", entry=pin))
    kinds.append([Thing("rising", rising=r) for r in rising])
    kinds.append(
        [
            Thing("drift", drift=d)
            for d in sorted(drift, key=lambda d: -abs(d.after_rate - d.before_rate))
        ]
    )
    kinds.append(_shared_modes(shared))
    kinds.append(_replicated(recent, replications, exclude=pinned))
    if len(late) >= CAUGHT_LATE_MIN:
        counts = Counter(e.caught for e in late if e.caught is not None)
        kinds.append(
            [
                Thing(
                    "caught",
                    people=len(late),
                    caught=tuple(sorted(counts.items(), key=lambda kv: (-kv[1], kv[0].value))),
                )
            ]
        )
    kinds.append(_function_gaps(table))
    top = [g for g in groups if g.failures >= RISING_MIN]
    if top:
        most = max(top, key=lambda g: (g.failures, -groups.index(g)))
        kinds.append([Thing("most", group=most)])
    rounds = max((len(k) for k in kinds), default=0)
    for n in range(rounds):
        for kind in kinds:
            if n < len(kind) and len(chosen) < THINGS:
                chosen.append(kind[n])
    return tuple(chosen)


def _shared_modes(shared: Sequence[Experiment]) -> list[Thing]:
    people: dict[FailureMode, set[str]] = {}
    tools: dict[FailureMode, Counter[str]] = {}
    for exp in shared:
        if exp.failure_mode is None or exp.failure_mode is FailureMode.OTHER:
            continue
        people.setdefault(exp.failure_mode, set()).add(exp.user_id)
        tools.setdefault(exp.failure_mode, Counter())[tool_of(exp)] += 1
    found = [
        Thing(
            "mode",
            mode=mode,
            people=len(who),
            tools=tuple(sorted(tools[mode].items(), key=lambda kv: (-kv[1], kv[0]))),
        )
        for mode, who in people.items()
        if len(who) >= SHARED_MODE_PEOPLE
    ]
    return sorted(found, key=lambda t: (-t.people, str(t.mode)))


def _replicated(
    recent: Sequence[Experiment], replications: Mapping[str, Replication], *, exclude: str | None
) -> list[Thing]:
    found = [
        Thing("replicated", entry=e, replication=replications[e.id])
        for e in recent
        if e.id in replications
        and e.id != exclude
        and replications[e.id].reproduced >= REPLICATED_MIN
    ]
    return sorted(found, key=lambda t: -(t.replication.reproduced if t.replication else 0))[:1]


def _function_gaps(table: FunctionTable) -> list[Thing]:
    by_tool: dict[str, list[Cell]] = {}
    for cell in table.cells:
        by_tool.setdefault(cell.tool, []).append(cell)
    found = []
    for cells in by_tool.values():
        if len(cells) < 2:
            continue
        high = max(cells, key=lambda c: (c.failure_share, c.entries))
        low = min(cells, key=lambda c: (c.failure_share, -c.entries))
        if high.failure_share - low.failure_share >= FUNCTION_GAP:
            found.append(Thing("function", cells=(high, low)))
    return sorted(
        found,
        key=lambda t: -(t.cells[0].failure_share - t.cells[1].failure_share),
    )[:1]
