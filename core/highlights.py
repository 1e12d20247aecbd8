"""The week's three things to know: chosen by a documented rule, never by taste.

Rule (docs/digest.md): an admin's pinned entry first; then, one of each kind in this order before
a second of any: rising failures, since the update, a failure mode met by at least
`SHARED_MODE_PEOPLE` people, the entry most readers reproduced (at least `REPLICATED_MIN`),
failures caught late or silently (at least `CAUGHT_LATE_MIN`), a tool failing differently by
job function (shares of failures `FUNCTION_GAP` apart, both cells shown in the table), and the
tool with most failures (at least `RISING_MIN`). At most `THINGS`. The entry most people
reacted to (at least `REACTED_MIN`, its author not counted) comes right after the most
reproduced one, and is never the same entry.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from core.drift import Drift
from core.model import Caught, Experiment, FailureMode
from core.tallies import (
    RISING_MIN,
    Cell,
    FunctionTable,
    Replication,
    Rising,
    ToolGroup,
    tool_of,
)

SHARED_MODE_PEOPLE = 3
REPLICATED_MIN = 2
REACTED_MIN = 3
CAUGHT_LATE_MIN = 2
FUNCTION_GAP = 0.5
THINGS = 3


@dataclass(frozen=True)
class Thing:
    """One of the "three things to know". `kind` says which rule chose it."""

    kind: str  # pinned | rising | drift | mode | replicated | reacted | caught | function | most
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
    reactions: Mapping[str, int] | None = None,
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
    replicated = _replicated(recent, replications, exclude=pinned)
    kinds.append(replicated)
    taken = {pinned, *(t.entry.id for t in replicated if t.entry is not None)}
    kinds.append(_reacted(recent, reactions or {}, exclude=taken))
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


def _reacted(
    recent: Sequence[Experiment], reactions: Mapping[str, int], *, exclude: set[str | None]
) -> list[Thing]:
    found = [
        Thing("reacted", entry=e, people=reactions[e.id])
        for e in recent
        if reactions.get(e.id, 0) >= REACTED_MIN and e.id not in exclude
    ]
    return sorted(found, key=lambda t: -t.people)[:1]


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
