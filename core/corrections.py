"""The author's one-tap corrections of what the bot understood, and how they outrank inference.

Rules (documented in docs/confirmations.md):
- "It failed" sets the outcome to failed; the failure mode stays as it was.
- "It worked" sets the outcome to worked and clears the failure mode and the "what failed"
  text, so the digest no longer counts the entry as a failure.
- Choosing a failure mode implies a failure: the outcome becomes failed, except that an entry
  that worked becomes mixed (it worked, and this is how it partly failed); mixed stays mixed.
- "It surprised me" keeps a surprise already read from the text, or takes the summary as the
  surprise when there was none.
- Every field a correction sets is *confirmed*: it is the person's word, and re-reading an
  edited message never overwrites it (`keep_confirmed`).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime
from enum import StrEnum
from typing import Any

from core.model import MAX_FIELD_CHARS, Experiment, FailureMode, Outcome

# The fields inference fills in and a person can confirm. Re-reading a message also sets the
# summary and the work, but those are the person's own words, never a guess about them.
CONFIRMABLE: tuple[str, ...] = ("tool", "model", "outcome", "failure_mode", "surprise", "failure")


class Tap(StrEnum):
    """What the person tapped under the summary."""

    FAILED = "failed"
    WORKED = "worked"
    SURPRISED = "surprised"
    FAILURE_MODE = "failure_mode"


@dataclass(frozen=True)
class Correction:
    tap: Tap
    failure_mode: FailureMode | None = None  # set with Tap.FAILURE_MODE


def apply_correction(
    exp: Experiment, correction: Correction, *, now: datetime
) -> tuple[Experiment, frozenset[str]]:
    """Return the corrected experiment and the fields the person has now confirmed."""
    changes: dict[str, Any]
    match correction.tap:
        case Tap.FAILED:
            changes = {"outcome": Outcome.FAILED}
        case Tap.WORKED:
            changes = {"outcome": Outcome.WORKED, "failure_mode": None, "failure": ""}
        case Tap.SURPRISED:
            changes = {"surprise": exp.surprise or exp.summary[:MAX_FIELD_CHARS]}
        case Tap.FAILURE_MODE:
            if correction.failure_mode is None:
                raise ValueError("a failure mode correction needs a failure mode")
            changes = {
                "failure_mode": correction.failure_mode,
                "outcome": _outcome_with_a_failure(exp.outcome),
            }
    return replace(exp, updated_at=now, **changes), frozenset(changes)


def _outcome_with_a_failure(outcome: Outcome | None) -> Outcome:
    if outcome in (Outcome.WORKED, Outcome.MIXED):
        return Outcome.MIXED
    return Outcome.FAILED


def keep_confirmed(
    current: Experiment, edited: Experiment, confirmed: frozenset[str]
) -> Experiment:
    """Return `edited` with every confirmed field put back to its current value."""
    kept = {name: getattr(current, name) for name in CONFIRMABLE if name in confirmed}
    return replace(edited, **kept) if kept else edited


def changed_fields(before: Experiment, after: Experiment) -> frozenset[str]:
    """The confirmable fields whose values differ between two versions of an experiment."""
    return frozenset(name for name in CONFIRMABLE if getattr(before, name) != getattr(after, name))


def understood(exp: Experiment) -> tuple[object, ...]:
    """What the summary shows of an experiment: when this changes, the summary is worth resending."""
    return (exp.tool, exp.model, exp.outcome, exp.failure_mode, exp.surprise)
