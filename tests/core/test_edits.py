"""Applying a draft to an experiment: new entries, the form, and re-read messages."""

from __future__ import annotations

from datetime import timedelta

from core.edits import Keep, apply_draft, reread_tool_and_model, tool_and_model
from core.model import MAX_FIELD_CHARS, Draft, FailureMode, Outcome
from core.tools import DEFAULT_CATALOGUE
from tests.factories import NOW, experiment

LATER = NOW + timedelta(hours=2)


def test_a_new_entry_takes_every_field_from_the_draft() -> None:
    """Keep.NOTHING: tool, model, texts, outcome, failure mode and privacy are the draft's."""
    blank = experiment(summary="", work="old", outcome=Outcome.WORKED)
    draft = Draft(
        summary="drafted the plan",
        tool="ChatGPT",
        work="",
        surprise="it was quick",
        failure="invented a flag",
        outcome=Outcome.FAILED,
        failure_mode=FailureMode.CONFIDENT_WRONG,
        private=True,
    )
    done = apply_draft(blank, draft, now=LATER, tool="ChatGPT", model="GPT-5")
    assert (done.tool, done.model, done.summary, done.work) == (
        "ChatGPT",
        "GPT-5",
        "drafted the plan",
        "",
    )
    assert (done.surprise, done.failure) == ("it was quick", "invented a flag")
    assert (done.outcome, done.failure_mode, done.private) == (
        Outcome.FAILED,
        FailureMode.CONFIDENT_WRONG,
        True,
    )
    assert done.updated_at == LATER
    assert (done.id, done.created_at) == (blank.id, blank.created_at)


def test_control_characters_never_reach_the_experiment() -> None:
    """NUL, escapes and DEL are stripped from every text field; newline and tab stay."""
    draft = Draft(summary="a\x00b\nc\td\x1b[31m", work="w\x7f", surprise="s\x08", failure="f\x01")
    done = apply_draft(experiment(), draft, now=LATER, tool="Too\x00l", model="M\x1f")
    assert (done.summary, done.work, done.surprise, done.failure) == (
        "ab\nc\td[31m",
        "w",
        "s",
        "f",
    )
    assert (done.tool, done.model) == ("Tool", "M")


def test_the_form_replaces_every_field_but_keeps_long_text_it_could_not_show() -> None:
    """Keep.UNTOUCHED: a text longer than the form, submitted as shown, stays whole."""
    long = "x" * (MAX_FIELD_CHARS + 500)
    stored = experiment(
        summary=long, work="old work", outcome=Outcome.FAILED, failure_mode=FailureMode.REFUSED
    )
    draft = Draft(summary=long[:MAX_FIELD_CHARS] + "  ", work="new work", private=True)
    done = apply_draft(stored, draft, now=LATER, tool="Claude", model=None, keep=Keep.UNTOUCHED)
    assert done.summary == long
    assert done.work == "new work"
    # The form shows the outcome and failure mode: cleared there, cleared here.
    assert (done.outcome, done.failure_mode, done.private) == (None, None, True)
    changed = apply_draft(
        stored, Draft(summary="shorter now"), now=LATER, tool=None, model=None, keep=Keep.UNTOUCHED
    )
    assert changed.summary == "shorter now"


def test_a_reread_message_keeps_what_it_no_longer_says_and_its_privacy() -> None:
    """Keep.UNSAID: work, outcome and failure mode stay when unsaid; privacy never changes."""
    stored = experiment(
        work="the Q3 plan",
        outcome=Outcome.FAILED,
        failure_mode=FailureMode.REFUSED,
        surprise="old surprise",
        private=True,
    )
    draft = Draft(summary="edited words", surprise="", failure="")
    done = apply_draft(stored, draft, now=LATER, tool="ChatGPT", model=None, keep=Keep.UNSAID)
    assert (done.work, done.outcome, done.failure_mode, done.private) == (
        "the Q3 plan",
        Outcome.FAILED,
        FailureMode.REFUSED,
        True,
    )
    assert (done.summary, done.surprise) == ("edited words", "")
    said = apply_draft(
        stored,
        Draft(summary="it worked", outcome=Outcome.WORKED, work="the Q4 plan"),
        now=LATER,
        tool="ChatGPT",
        model=None,
        keep=Keep.UNSAID,
    )
    assert (said.work, said.outcome) == ("the Q4 plan", Outcome.WORKED)


def test_confirmed_fields_outrank_the_draft() -> None:
    """A field the author confirmed keeps its stored value whatever the draft says."""
    stored = experiment(tool="Claude", outcome=Outcome.WORKED, surprise="mine")
    draft = Draft(summary="x", outcome=Outcome.FAILED, surprise="inferred")
    done = apply_draft(
        stored,
        draft,
        now=LATER,
        tool="ChatGPT",
        model="GPT-5",
        keep=Keep.UNSAID,
        confirmed=frozenset({"outcome", "surprise", "tool"}),
    )
    assert (done.tool, done.outcome, done.surprise) == ("Claude", Outcome.WORKED, "mine")
    assert done.model == "GPT-5"  # not confirmed: the draft's


def test_an_edit_that_names_no_tool_keeps_the_stored_tool_and_model() -> None:
    """A re-read message with no tool keeps ChatGPT (GPT-5); naming another model changes it."""
    stored = experiment(tool="ChatGPT", model="GPT-5")
    unnamed = Draft(summary="it made up a citation")
    assert reread_tool_and_model(DEFAULT_CATALOGUE, stored, unnamed, unnamed.summary) == (
        "ChatGPT",
        "GPT-5",
    )
    other = Draft(summary="tried it with gpt-4o this time")
    tool, model = reread_tool_and_model(DEFAULT_CATALOGUE, stored, other, other.summary)
    assert (tool, model) == ("ChatGPT", "GPT-4o")
    named = Draft(summary="x", tool="Claude")
    assert reread_tool_and_model(DEFAULT_CATALOGUE, stored, named, "x") == tool_and_model(
        DEFAULT_CATALOGUE, named, "x"
    )
