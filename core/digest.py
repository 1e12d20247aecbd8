"""The weekly digest as data: what the week's shared experiments say, before any rendering.

Rules (documented in docs/digest.md, with the thresholds):
- Only shared experiments count; private ones never reach this module's inputs.
- A *failure* is an experiment whose outcome is failed or mixed, or that names a failure mode
  or says what failed. Everything else counts as *worked*.
- Tools are products: the model behind a tool ("GPT-5" behind "ChatGPT") never splits a group.
- *Every entry* is listed, grouped by tool (most entries first), failures first within a tool.
- *Tool x job function*, *rising failures* (only against three weeks of a tool's own history):
  `core.tallies`. *Since the update*: `core.drift`. *Three things to know*: `core.highlights`.
- *Caught late or silently*: failures caught by a customer, by chance, or not yet.
- *Credit*: everyone credited for an entry (`core.credit.credited`), by name; first-time sharers
  are welcomed by name only when at most `WELCOME_NAMES`. Nobody is listed for not sharing.
- Entries shared without a name count in the number of experiments and in every tally, but for
  no one in credits, welcomes, people or participation (`core.credit`).
- *Shared late*: an entry shared after its own week's digest was posted is carried into the
  next digest (`shared_late`): listed in the thread, marked late, and credited. It counts for
  its own week everywhere else (numbers, tallies, participation, rising failures, streaks), so
  the week it is carried into is not "quiet" because of it, nor bigger.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from core.credit import credited
from core.drift import Drift
from core.highlights import Thing, choose_things
from core.model import Caught, Experiment, FailureMode
from core.tallies import (
    CELL_MIN,
    NO_TOOL,
    Cell,
    FunctionTable,
    Replication,
    Rising,
    ToolGroup,
    ToolHistory,
    find_rising,
    function_table,
    group_by_tool,
    is_failure,
    is_surprise,
    tool_of,
)

__all__ = [
    "CELL_MIN",
    "NO_TOOL",
    "Cell",
    "Digest",
    "FunctionTable",
    "Replication",
    "Rising",
    "Thing",
    "ToolGroup",
    "ToolHistory",
    "Totals",
    "build_digest",
    "find_rising",
    "is_failure",
    "is_surprise",
    "tool_of",
]

TRAILING_WEEKS = 4
WELCOME_NAMES = 5


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
            people=len({e.user_id for e in experiments if credited(e)}),
            tools=len({tool_of(e) for e in experiments}),
            failures=sum(1 for e in experiments if is_failure(e)),
        )


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
    shared_late: tuple[Experiment, ...] = ()  # from earlier weeks, after their digest (rules)

    @property
    def quiet(self) -> bool:
        return self.totals.experiments == 0 and not self.shared_late

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
    trailing: Mapping[str, Sequence[Experiment]] | None = None,
    known_tools: frozenset[str],
    prior_sharers: frozenset[str],
    audience: Sequence[str] | None = None,
    drift: Sequence[Drift] = (),
    replications: Mapping[str, Replication] | None = None,
    reactions: Mapping[str, int] | None = None,
    pinned: str | None = None,
    tool_history: Mapping[str, ToolHistory] | None = None,
    shared_late: Sequence[Experiment] = (),
) -> Digest:
    """Summarise one week of shared experiments for one ritual, with the late ones carried in.

    The trailing weeks come as their experiments (`trailing`) or as what the database counted
    of them, tool by tool (`tool_history`): the digest then never loads them.
    """
    shared = sorted((e for e in experiments if not e.private), key=lambda e: (e.created_at, e.id))
    carried = tuple(
        sorted((e for e in shared_late if not e.private), key=lambda e: (e.created_at, e.id))
    )
    groups = group_by_tool(shared)
    table = function_table(shared)
    rising = find_rising(shared, trailing or {}, history=tool_history)
    votes = dict(replications or {})
    this_week = tuple(dict.fromkeys(e.user_id for e in shared if credited(e)))
    # Who shared late is thanked too, but counts for the week the entry belongs to.
    sharers = tuple(dict.fromkeys(e.user_id for e in (*shared, *carried) if credited(e)))
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
        first_time=tuple(user for user in this_week if user not in prior_sharers),
        asked=len(audience_set) if audience_set is not None else None,
        asked_who_shared=len(
            [u for u in this_week if audience_set is not None and u in audience_set]
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
            reactions=reactions,
        ),
        by_mode={tool: dict(counts) for tool, counts in by_mode.items()},
        shared_late=carried,
    )
