"""Drift after a model update: a product's failure rate since a new model first appeared.

Rules (documented in docs/digest.md):
- A model *first appears* in the week of the team's earliest shared entry naming it for that
  product (spellings the catalogue holds to be one model count as one).
- For each product, the update looked at is the newest model that first appeared within the
  last `WINDOW_WEEKS` weeks, up to and including the digest's week.
- *After* counts every shared entry of the product, whatever model it names or none, from the
  week the model first appeared to the digest's week; *before* counts the `WINDOW_WEEKS` weeks
  before it. A failure is counted as in the digest (`core.digest.is_failure`).
- Drift is claimed only when both sides hold at least `MIN_ENTRIES` entries, and always with
  its numbers. When the newest update has too few entries yet, an older one within the window
  that has enough is shown instead.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass

from core.weeks import WeekId

MIN_ENTRIES = 5
WINDOW_WEEKS = 8


@dataclass(frozen=True)
class Tally:
    """Shared entries of one product in one week, and how many of them failed."""

    entries: int
    failures: int


@dataclass(frozen=True)
class Drift:
    tool: str
    model: str
    since: str  # the ISO week the model first appeared
    after: Tally
    before: Tally

    @property
    def after_rate(self) -> float:
        return self.after.failures / self.after.entries

    @property
    def before_rate(self) -> float:
        return self.before.failures / self.before.entries


def counted_weeks(week: WeekId) -> tuple[WeekId, WeekId]:
    """The first and last week whose tallies `find_drift` may read for a digest of `week`."""
    return week.shift(-(2 * WINDOW_WEEKS - 1)), week


def find_drift(
    *,
    week: WeekId,
    first_seen: Iterable[tuple[str, str, str]],
    tallies: Mapping[tuple[str, str], Tally],
    same_model: Callable[[str, str], str] = lambda tool, model: model.lower(),
) -> tuple[Drift, ...]:
    """Products whose failure rate can be compared before and after a model first appeared.

    `first_seen` holds (product, model, first week) rows; `tallies` maps (product, week) to the
    week's tally; `same_model(product, model)` names a model's identity across spellings.
    """
    earliest: dict[tuple[str, str], tuple[WeekId, str]] = {}
    for tool, model, first in first_seen:
        identity = (tool, same_model(tool, model))
        seen = WeekId.parse(first)
        if identity not in earliest or seen < earliest[identity][0]:
            earliest[identity] = (seen, model)
    oldest = week.shift(-(WINDOW_WEEKS - 1))
    candidates: dict[str, list[tuple[WeekId, str]]] = {}
    for (tool, _identity), (seen, model) in earliest.items():
        if oldest <= seen <= week:
            candidates.setdefault(tool, []).append((seen, model))
    found = []
    for tool, updates in candidates.items():
        for seen, model in sorted(updates, reverse=True):
            after = _sum(tallies, tool, seen, week)
            before = _sum(tallies, tool, seen.shift(-WINDOW_WEEKS), seen.previous())
            if after.entries >= MIN_ENTRIES and before.entries >= MIN_ENTRIES:
                found.append(Drift(tool, model, str(seen), after, before))
                break
    return tuple(sorted(found, key=lambda d: (d.tool, d.since)))


def _sum(tallies: Mapping[tuple[str, str], Tally], tool: str, first: WeekId, last: WeekId) -> Tally:
    entries = failures = 0
    current = first
    while current <= last:
        tally = tallies.get((tool, str(current)))
        if tally is not None:
            entries += tally.entries
            failures += tally.failures
        current = current.next()
    return Tally(entries, failures)
