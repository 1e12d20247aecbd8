"""Failures told by their consequences, successes told with failure words, and the word model."""

from __future__ import annotations

import json

import pytest

from bench.capture_quality import load
from bench.train_reader import weights_file
from core.capture import Parsed, parse_reply
from core.model import FailureMode, Outcome
from core.reader_model import WEIGHTS, features, models, stem
from core.tools import DEFAULT_CATALOGUE
from core.understanding import read_reply


def reply(text: str) -> Parsed:
    return parse_reply(text, DEFAULT_CATALOGUE)


@pytest.mark.parametrize(
    ("text", "why"),
    [
        ("It quoted our refund window as 60 days; it's 30.", "disagrees with the source"),
        ("The summary says 12 weeks of leave. The handbook says 16.", "disagrees with the source"),
        ("It cited a section of the act that is nowhere in the act.", "disagrees with the source"),
        ("Two of its sources lead nowhere.", "disagrees with the source"),
        ("The totals it produced didn't tie out to the ledger.", "disagrees with the source"),
        ("We had to go through every row of the export by hand.", "had to be redone"),
        ("The build choked on the config it generated.", "next step could not use"),
        ("The forecast looked fine until finance compared it with the actuals.", "until someone"),
        ("Drafted the renewal letter. Legal flagged two clauses.", "someone else caught"),
    ],
)
def test_a_failure_told_by_its_consequence_is_recorded_and_explained(text: str, why: str) -> None:
    """No failure word at all: the consequence is read, and the reason says it in plain words."""
    parsed = reply(text)
    assert not parsed.chatter
    assert parsed.draft.outcome in (Outcome.FAILED, Outcome.MIXED)
    assert any(line.startswith("Outcome: ") and why in line for line in parsed.reasons), (
        parsed.reasons
    )


@pytest.mark.parametrize(
    "text",
    [
        "It flagged three failed payments our reconciliation had marked as settled. Right on all.",
        "Fixed the failing tests in the billing module, all green now.",
        "It found the duplicate rows that were breaking the dashboard. Useful.",
        "No more timeouts on the nightly job since it rewrote the query.",
    ],
)
def test_failure_words_naming_the_work_are_no_failure(text: str) -> None:
    """'failed payments', 'failing tests': the subject of the work, not what happened to it."""
    parsed = reply(text)
    assert parsed.draft.outcome is Outcome.WORKED


def test_the_word_model_decides_only_where_the_cues_are_silent() -> None:
    """A success word keeps the word model out; without one it may read a failure, and says so."""
    said = read_reply("Good summary of the board minutes, clear and short.")
    assert said.outcome is Outcome.WORKED
    assert "fail" not in said.because


def test_the_word_model_is_small_deterministic_and_trained_on_dev_only() -> None:
    """The weights are a small data file naming what they were trained on; reading is repeatable."""
    raw = json.loads(WEIGHTS.read_text(encoding="utf-8"))
    assert raw["trained_on"] == "tests/data/capture_dev.jsonl"
    assert WEIGHTS.stat().st_size < 200_000
    assert set(models()) == {"outcome", "mode", "surprise"}
    text = "The numbers it gave the board were ones nobody here recognised."
    assert read_reply(text) == read_reply(text)
    mode_names = set(models()["mode"].classes)
    assert mode_names <= {m.value for m in FailureMode}


def test_features_are_stemmed_words_and_word_pairs() -> None:
    """'checked' and 'checking' are one feature; numbers are '#'; stopwords only in pairs."""
    assert stem("checked") == stem("checking") == "check"
    assert stem("2,000") == "#"
    found = features("We checked every row by hand")
    assert {"check", "row", "hand", "by hand", "check every"} <= found
    assert "by" not in found


def test_the_shipped_weights_are_what_training_on_dev_writes() -> None:
    """Retraining on the dev part reproduces the shipped file byte for byte: nothing else went in."""
    assert WEIGHTS.read_text(encoding="utf-8") == weights_file(load("dev"))
