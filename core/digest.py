"""The weekly digest as data: what the week's shared experiments say, before any rendering.

Rules (documented in docs/digest.md):
- Only shared experiments count; private ones never reach this module's inputs.
- A *surprise* is an experiment with something in its surprise field.
- A *failure* is an experiment whose outcome is failed or mixed, or that names a failure mode
  or says what failed. Failures are grouped by tool, largest group first.
- *Rising failures*: a tool's failures this week are at least `RISING_MIN` and at least
  `RISING_FACTOR` times its average over the four weeks before (a week with none counts as 0).
  The numbers are shown with the claim.
- *First tried*: a tool named this week that no earlier experiment named.
- Tools are products: the model behind a tool ("GPT-5" behind "ChatGPT") never splits a group.
- *Since the update*: a product's failure rate since a new model first appeared, against the
  weeks before (rules in `core.drift`), claimed only with enough entries on both sides.
- *Credit*: everyone who shared, by name; first-time sharers are welcomed. Nobody is listed for
  not sharing: participation appears only as a share of the people asked.
- Entries shared without a name count in the number of experiments and in every tally, but for
  no one in credits, welcomes, people or participation (`core.credit`).
- *Late*: an entry shared after its own week's digest was posted is carried into the next
  digest, among the surprises and failures and marked as late. It counts for its own week
  everywhere else (totals, participation, rising failures, streaks), so the week it is carried
  into is not "quiet" because of it, nor bigger.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from core.credit import credited
from core.drift import Drift
from core.model import Experiment, FailureMode, JobFunction, Outcome

RISING_MIN = 2
RISING_FACTOR = 2.0
TRAILING_WEEKS = 4
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
class Totals:
    experiments: int
    people: int
    tools: int

    @classmethod
    def of(cls, experiments: Sequence[Experiment]) -> Totals:
        return cls(
            experiments=len(experiments),
            people=len({e.user_id for e in experiments if credited(e)}),
            tools=len({tool_of(e) for e in experiments}),
        )


@dataclass(frozen=True)
class FailureGroup:
    tool: str
    items: tuple[Experiment, ...]


@dataclass(frozen=True)
class Rising:
    tool: str
    this_week: int
    trailing_average: float


@dataclass(frozen=True)
class Digest:
    week: str
    ritual_name: str
    totals: Totals
    previous: Totals
    surprises: tuple[Experiment, ...]
    failures: tuple[FailureGroup, ...]
    by_mode: Mapping[str, Mapping[FailureMode, int]]  # tool -> failure mode -> count
    by_function: Mapping[str, Mapping[JobFunction, int]]  # tool -> job function -> count
    rising: tuple[Rising, ...]
    first_tried: tuple[str, ...]
    sharers: tuple[str, ...]  # user ids, in order of first share this week
    first_time: tuple[str, ...]
    asked: int | None  # how many people the ritual asked, when known
    asked_who_shared: int  # of those, how many shared (guests are not counted)
    drift: tuple[Drift, ...] = ()
    late: tuple[Experiment, ...] = ()  # shared after their own week's digest (see the rules)

    @property
    def quiet(self) -> bool:
        return self.totals.experiments == 0 and not self.late

    @property
    def participation(self) -> float | None:
        """The share of people asked who shared (guests are not counted in it)."""
        if not self.asked:
            return None
        return self.asked_who_shared / self.asked


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
    late: Sequence[Experiment] = (),
) -> Digest:
    """Summarise one week of shared experiments for one ritual, with the late ones carried in."""
    shared = sorted((e for e in experiments if not e.private), key=lambda e: (e.created_at, e.id))
    carried = tuple(sorted((e for e in late if not e.private), key=lambda e: (e.created_at, e.id)))
    listed = [*shared, *carried]
    failures = [e for e in shared if is_failure(e)]
    grouped: dict[str, list[Experiment]] = {}
    for exp in failures:
        grouped.setdefault(tool_of(exp), []).append(exp)
    groups = tuple(
        FailureGroup(tool, tuple(items))
        for tool, items in sorted(grouped.items(), key=lambda kv: (-len(kv[1]), kv[0]))
    )
    by_mode: dict[str, Counter[FailureMode]] = {}
    by_function: dict[str, Counter[JobFunction]] = {}
    for exp in failures:
        if exp.failure_mode is not None:
            by_mode.setdefault(tool_of(exp), Counter())[exp.failure_mode] += 1
        if exp.job_function is not None:
            by_function.setdefault(tool_of(exp), Counter())[exp.job_function] += 1
    this_week_sharers = tuple(dict.fromkeys(e.user_id for e in shared if credited(e)))
    sharers = tuple(dict.fromkeys(e.user_id for e in listed if credited(e)))
    audience_set = set(audience) if audience is not None else None
    return Digest(
        week=week,
        ritual_name=ritual_name,
        totals=Totals.of(shared),
        previous=Totals.of([e for e in previous_week if not e.private]),
        surprises=tuple(e for e in listed if is_surprise(e)),
        failures=_with_late_failures(groups, carried),
        by_mode={tool: dict(counts) for tool, counts in by_mode.items()},
        by_function={tool: dict(counts) for tool, counts in by_function.items()},
        rising=find_rising(failures, trailing),
        first_tried=tuple(sorted({tool_of(e) for e in shared if e.tool} - known_tools)),
        sharers=sharers,
        first_time=tuple(user for user in this_week_sharers if user not in prior_sharers),
        asked=len(audience_set) if audience_set is not None else None,
        asked_who_shared=len(
            [u for u in this_week_sharers if audience_set is not None and u in audience_set]
        ),
        drift=tuple(drift),
        late=carried,
    )


def _with_late_failures(
    groups: tuple[FailureGroup, ...], late: Sequence[Experiment]
) -> tuple[FailureGroup, ...]:
    """This week's failure groups, with late failures listed after this week's of each tool."""
    extra: dict[str, list[Experiment]] = {}
    for exp in late:
        if is_failure(exp):
            extra.setdefault(tool_of(exp), []).append(exp)
    if not extra:
        return groups
    merged = [FailureGroup(g.tool, (*g.items, *extra.pop(g.tool, []))) for g in groups]
    merged.extend(FailureGroup(tool, tuple(items)) for tool, items in sorted(extra.items()))
    return tuple(merged)


def find_rising(
    failures: Sequence[Experiment], trailing: Mapping[str, Sequence[Experiment]]
) -> tuple[Rising, ...]:
    """Tools whose failures this week rose against their trailing four-week average."""
    now = Counter(tool_of(e) for e in failures)
    before: Counter[str] = Counter()
    for week_experiments in trailing.values():
        before.update(tool_of(e) for e in week_experiments if not e.private and is_failure(e))
    rising = []
    for tool, count in now.items():
        average = before[tool] / TRAILING_WEEKS
        if count >= RISING_MIN and count >= RISING_FACTOR * average and count > average:
            rising.append(Rising(tool=tool, this_week=count, trailing_average=average))
    return tuple(sorted(rising, key=lambda r: (-r.this_week, r.tool)))
