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
        "failure recall": (">=", 0.95),
        "false failure alarms": ("<=", 0.02),
        "surprise recall": (">=", 0.95),
        "chatter rejected": (">=", 0.95),
        "experiments lost as chatter": ("<=", 0.02),
        "mode precision (lowest)": (">=", 0.95),
    },
    "heldout": {
        "failure recall": (">=", 0.92),
        "false failure alarms": ("<=", 0.03),
        "surprise recall": (">=", 0.92),
        "chatter rejected": (">=", 0.95),
        "experiments lost as chatter": ("<=", 0.02),
        "mode precision (lowest)": (">=", 0.85),
    },
}


@pytest.mark.parametrize("split", FLOORS)
def test_capture_quality_holds_its_floors(split: str) -> None:
    """Every metric of the part is on the right side of its floor."""
    rows = load(split)
    assert len(rows) >= 120
    report = measure(rows)
    for name, (sense, floor) in FLOORS[split].items():
        value = report.metrics[name]
        assert value is not None, name
        assert value >= floor if sense == ">=" else value <= floor, (name, value, report.misses)


def test_the_corpus_is_large_and_the_held_out_part_is_a_third_or_more() -> None:
    """At least 300 replies, 35-40% or so of them held out."""
    dev, held_out = load("dev"), load("heldout")
    assert len(dev) + len(held_out) >= 300
    assert 0.33 <= len(held_out) / (len(dev) + len(held_out)) <= 0.45


def test_reading_by_first_character_finds_what_the_whole_table_finds() -> None:
    """The fast, grouped matching equals one leftmost-first scan with every cue."""
    whole = compiled()
    for row in [*load("dev"), *load("heldout")]:
        text = own_words(row.text)
        assert [(m.start(), m.lastgroup) for m in _cue_matches(text)] == [
            (m.start(), m.lastgroup) for m in whole.finditer(text)
        ], text
