"""Capture quality holds its floors on the labelled replies (bench/capture_quality.py defines them).

The floors sit a little under what the reader reaches, so a change that makes reading worse fails
here instead of quietly publishing successes as failures. Only the dev part is tuned and trained
on; the held-out, unseen and fresh parts never are.
"""

from __future__ import annotations

import pytest

from bench.capture_quality import load, measure
from core.cues import compiled
from core.understanding import _cue_matches, own_words

FLOORS = {
    "dev": {
        "failure recall": (">=", 0.98),
        "false failure alarms": ("<=", 0.02),
        "surprise recall": (">=", 0.97),
        "chatter rejected": (">=", 0.98),
        "experiments lost as chatter": ("<=", 0.01),
        "mode precision (lowest)": (">=", 0.93),
    },
    "heldout": {
        "failure recall": (">=", 0.92),
        "false failure alarms": ("<=", 0.03),
        "surprise recall": (">=", 0.92),
        "chatter rejected": (">=", 0.95),
        "experiments lost as chatter": ("<=", 0.01),
        "mode precision (lowest)": (">=", 0.85),
    },
    # Written after the cues, and the fresh part in other voices and domains: far from the
    # targets (see docs/benchmarks.md), held only so that they cannot get worse.
    "unseen": {
        "failure recall": (">=", 0.70),
        "false failure alarms": ("<=", 0.09),
        "surprise recall": (">=", 0.78),
        "chatter rejected": (">=", 0.77),
        "experiments lost as chatter": ("<=", 0.01),
    },
    "fresh": {
        "failure recall": (">=", 0.63),
        "false failure alarms": ("<=", 0.21),
        "surprise recall": (">=", 0.42),
        "chatter rejected": (">=", 0.85),
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
    """At least 300 replies; the parts never tuned on are a third or more, fresh 120 or more."""
    dev = load("dev")
    never_tuned = [*load("heldout"), *load("unseen"), *load("fresh")]
    assert len(dev) + len(never_tuned) >= 300
    assert len(never_tuned) / (len(dev) + len(never_tuned)) >= 0.33
    assert len(load("fresh")) >= 120


def test_reading_by_first_character_finds_what_the_whole_table_finds() -> None:
    """The fast, grouped matching equals one leftmost-first scan with every cue."""
    whole = compiled()
    for row in [*load("dev"), *load("heldout"), *load("unseen"), *load("fresh")]:
        text = own_words(row.text)
        assert [(m.start(), m.lastgroup) for m in _cue_matches(text)] == [
            (m.start(), m.lastgroup) for m in whole.finditer(text)
        ], text
