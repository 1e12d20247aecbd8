"""One-tap corrections: what each tap sets, what it confirms, and how confirmed fields are kept."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

import pytest

from core.corrections import (
    Correction,
    Tap,
    apply_correction,
    changed_fields,
    keep_confirmed,
    understood,
)
from core.model import FailureMode, Outcome
from tests.factories import NOW, experiment

LATER = NOW + timedelta(minutes=5)


def test_it_failed_sets_the_outcome_and_keeps_the_mode() -> None:
    """ "It failed" confirms the outcome only."""
    exp = experiment(outcome=Outcome.WORKED, failure_mode=FailureMode.REFUSED)
    corrected, fields = apply_correction(exp, Correction(Tap.FAILED), now=LATER)
    assert (corrected.outcome, corrected.failure_mode, corrected.updated_at) == (
        Outcome.FAILED,
        FailureMode.REFUSED,
        LATER,
    )
    assert fields == {"outcome"}


def test_it_worked_clears_every_sign_of_failure() -> None:
    """ "It worked" clears the mode and the failure text, so the digest no longer counts a failure."""
    exp = experiment(
        outcome=Outcome.FAILED, failure_mode=FailureMode.CONFIDENT_WRONG, failure="it made it up"
    )
    corrected, fields = apply_correction(exp, Correction(Tap.WORKED), now=LATER)
    assert (corrected.outcome, corrected.failure_mode, corrected.failure) == (
        Outcome.WORKED,
        None,
        "",
    )
    assert fields == {"outcome", "failure_mode", "failure"}


@pytest.mark.parametrize(
    ("before", "after"),
    [
        (None, Outcome.FAILED),
        (Outcome.FAILED, Outcome.FAILED),
        (Outcome.WORKED, Outcome.MIXED),
        (Outcome.MIXED, Outcome.MIXED),
    ],
)
def test_a_failure_mode_implies_a_failure(before: Outcome | None, after: Outcome) -> None:
    """Choosing a mode makes an entry failed, or mixed when it worked."""
    exp = experiment(outcome=before)
    corrected, fields = apply_correction(
        exp, Correction(Tap.FAILURE_MODE, FailureMode.SLOW_OR_COSTLY), now=LATER
    )
    assert (corrected.outcome, corrected.failure_mode) == (after, FailureMode.SLOW_OR_COSTLY)
    assert fields == {"outcome", "failure_mode"}


def test_a_surprise_keeps_its_words_or_takes_the_summary() -> None:
    """A surprise already read from the text stays; otherwise the summary becomes the surprise."""
    said = experiment(summary="It wrote the memo.", surprise="it knew the org chart")
    unsaid = experiment(summary="It wrote the memo.")
    assert apply_correction(said, Correction(Tap.SURPRISED), now=LATER)[0].surprise == (
        "it knew the org chart"
    )
    corrected, fields = apply_correction(unsaid, Correction(Tap.SURPRISED), now=LATER)
    assert (corrected.surprise, fields) == ("It wrote the memo.", frozenset({"surprise"}))


def test_a_mode_correction_without_a_mode_is_refused() -> None:
    """The menu always names a mode; a correction without one is a programming error."""
    with pytest.raises(ValueError, match="failure mode"):
        apply_correction(experiment(), Correction(Tap.FAILURE_MODE), now=LATER)


def test_confirmed_fields_survive_a_re_read_and_the_rest_follows_it() -> None:
    """Only what the person confirmed is put back; the words and unconfirmed guesses follow the edit."""
    current = experiment(
        summary="old", tool="Claude", outcome=Outcome.WORKED, failure_mode=None, surprise=""
    )
    edited = replace(
        current,
        summary="new",
        tool="ChatGPT",
        outcome=Outcome.FAILED,
        failure_mode=FailureMode.REFUSED,
        surprise="a guess",
    )
    kept = keep_confirmed(current, edited, frozenset({"outcome", "failure_mode"}))
    assert (kept.summary, kept.tool, kept.outcome, kept.failure_mode, kept.surprise) == (
        "new",
        "ChatGPT",
        Outcome.WORKED,
        None,
        "a guess",
    )
    assert keep_confirmed(current, edited, frozenset()) == edited


def test_what_changed_and_what_is_understood() -> None:
    """A form edit confirms the fields it changed; the summary is resent only when it would differ."""
    before = experiment(tool="Claude", outcome=Outcome.WORKED)
    after = replace(before, outcome=Outcome.MIXED, summary="reworded")
    assert changed_fields(before, after) == {"outcome"}
    assert understood(before) != understood(after)
    assert understood(before) == understood(replace(before, summary="reworded"))
