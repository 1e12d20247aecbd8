"""Capture quality holds its floors on the labelled replies (bench/capture_quality.py defines them).

The floors sit a little under what the rules reach, so a change that makes reading worse fails
here instead of quietly publishing successes as failures. The held-out part is never tuned on.
"""

from __future__ import annotations

import pytest

from bench.capture_quality import load, measure
from core.cues import compiled
from core.understanding import _cue_matches, own_words

FLOORS = {
    "dev": {
        "failure recall": (">=", 0.94),
        "false failure alarms": ("<=", 0.02),
        "surprise recall": (">=", 0.94),
        "chatter rejected": (">=", 0.96),
        "experiments lost as chatter": ("<=", 0.01),
        "mode precision (lowest)": (">=", 0.92),
    },
    "heldout": {
        "failure recall": (">=", 0.92),
        "false failure alarms": ("<=", 0.03),
        "surprise recall": (">=", 0.92),
        "chatter rejected": (">=", 0.95),
        "experiments lost as chatter": ("<=", 0.01),
        "mode precision (lowest)": (">=", 0.85),
    },
    # Written after the rules: far from the targets (see docs/benchmarks.md), held only so
    # that it cannot get worse.
    "unseen": {
        "failure recall": (">=", 0.50),
        "false failure alarms": ("<=", 0.09),
        "surprise recall": (">=", 0.60),
        "chatter rejected": (">=", 0.77),
        "experiments lost as chatter": ("<=", 0.01),
    },
}


@pytest.mark.parametrize("split", FLOORS)
def test_capture_quality_holds_its_floors(split: str) -> None:
    """Every metric of the part is on the right side of its floor."""
    rows = load(split)
    assert len(rows) >= 40
    report = measure(rows)
    for name, (sense, floor) in FLOORS[split].items():
        value = report.metrics[name]
        assert value is not None, name
        assert value >= floor if sense == ">=" else value <= floor, (name, value, report.misses)


def test_the_corpus_is_large_and_a_third_is_never_tuned_on() -> None:
    """At least 300 replies; the held-out and unseen parts together are a third or more."""
    dev, held_out, unseen = load("dev"), load("heldout"), load("unseen")
    total = len(dev) + len(held_out) + len(unseen)
    assert total >= 300
    assert (len(held_out) + len(unseen)) / total >= 0.33


def test_reading_by_first_character_finds_what_the_whole_table_finds() -> None:
    """The fast, grouped matching equals one leftmost-first scan with every cue."""
    whole = compiled()
    for row in [*load("dev"), *load("heldout"), *load("unseen")]:
        text = own_words(row.text)
        assert [(m.start(), m.lastgroup) for m in _cue_matches(text)] == [
            (m.start(), m.lastgroup) for m in whole.finditer(text)
        ], text
