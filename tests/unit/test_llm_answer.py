"""The language model's part, without the network: what is sent, what is believed, and the merge."""

from __future__ import annotations

import json
from dataclasses import replace

import pytest

from core.capture import Parsed, parse_quick_entry, parse_reply
from core.llm_answer import (
    SYSTEM_PROMPT,
    Answer,
    MalformedAnswer,
    build_messages,
    merge,
    parse_answer,
)
from core.model import Draft, FailureMode, Outcome
from core.tools import DEFAULT_CATALOGUE

SUBTLE = (
    "Used Claude to summarise the supplier contract. The summary cited a termination clause "
    "that isn't in the document."
)
CITED = "The summary cited a termination clause that isn't in the document."


def answer(content: object, text: str = SUBTLE) -> Answer:
    raw = content if isinstance(content, str) else json.dumps(content)
    return parse_answer(raw, text, DEFAULT_CATALOGUE)


def test_only_the_text_and_the_labels_are_sent() -> None:
    """Two messages: fixed instructions with every allowed label, then the entry's text alone."""
    messages = build_messages(SUBTLE)
    assert messages == [
        {"role": "system", "content": SYSTEM_PROMPT},
        {"role": "user", "content": SUBTLE},
    ]
    for label in (*Outcome, *FailureMode):
        assert f'"{label.value}"' in SYSTEM_PROMPT
    assert "JSON" in SYSTEM_PROMPT  # JSON mode refuses a request that never says so


def test_a_good_answer_is_read_field_by_field() -> None:
    """Labels become enums, the tool is normalised, quotes are kept as written."""
    read = answer(
        {
            "chatter": False,
            "tool": "claude",
            "outcome": "failed",
            "failure_mode": "confident_wrong",
            "surprise": None,
            "failure": CITED,
        }
    )
    assert read == Answer(
        tool="Claude",
        outcome=Outcome.FAILED,
        failure_mode=FailureMode.CONFIDENT_WRONG,
        failure=CITED,
        chatter=False,
    )


@pytest.mark.parametrize(
    "content",
    [
        pytest.param('```json\n{"outcome": "failed"}\n```', id="code-fence"),
        pytest.param('Here you go:\n{"outcome": "failed"}\nHope that helps.', id="prose-around"),
        pytest.param('{"outcome": "Failed"}', id="capitalised"),
    ],
)
def test_fences_and_prose_around_the_object_are_stripped(content: str) -> None:
    """Models wrap JSON in fences or chat around it; the object inside is still read."""
    assert answer(content).outcome is Outcome.FAILED


@pytest.mark.parametrize(
    "content",
    ["", "I think it failed.", "{not json}", '["failed"]', '{"outcome": "failed"'],
)
def test_no_json_object_is_malformed(content: str) -> None:
    """An answer without one JSON object is refused as a whole."""
    with pytest.raises(MalformedAnswer):
        answer(content)


def test_unknown_labels_and_made_up_text_are_rejected_one_field_at_a_time() -> None:
    """A wrong label, a tool the text never names, or a paraphrase drops that field only."""
    read = answer(
        {
            "chatter": "no",
            "tool": "Gemini",
            "outcome": "partly",
            "failure_mode": "hallucination",
            "surprise": "It was surprisingly confident.",
            "failure": "cited a termination clause that isn't in the document",
        }
    )
    assert read.rejected == ("tool", "outcome", "failure_mode", "surprise", "chatter")
    assert (read.tool, read.outcome, read.failure_mode, read.surprise, read.chatter) == (
        None,
        None,
        None,
        "",
        None,
    )
    assert read.failure == "cited a termination clause that isn't in the document"


def test_failure_mode_by_its_label_and_quotes_with_curly_apostrophes() -> None:
    """A label's display name is accepted, and typographic quotes still count as quoting."""
    read = answer(
        {
            "failure_mode": "Confident wrong answer",
            "failure": "The summary cited a termination clause that isn\u2019t in the document",
        }
    )
    assert read.failure_mode is FailureMode.CONFIDENT_WRONG
    assert read.rejected == ()


def test_a_tool_known_by_an_alias_in_the_text_counts_as_named() -> None:
    """ "gpt-4o" in the text lets the model say ChatGPT."""
    text = "gpt-4o drafted the board memo"
    assert answer({"tool": "ChatGPT"}, text).tool == "ChatGPT"


def test_the_model_fills_what_the_rules_missed_and_says_so() -> None:
    """A failure told only by its consequence: the model's mode, outcome and failure are taken."""
    quoted = "The supplier asked us which termination clause we meant, since their copy has none like it."
    rules = parse_quick_entry("Used Claude on the supplier contract. " + quoted, DEFAULT_CATALOGUE)
    assert rules.draft.failure_mode is None
    merged = merge(
        rules,
        Answer(outcome=Outcome.FAILED, failure_mode=FailureMode.CONFIDENT_WRONG, failure=quoted),
    )
    assert (merged.draft.outcome, merged.draft.failure_mode, merged.draft.failure) == (
        Outcome.FAILED,
        FailureMode.CONFIDENT_WRONG,
        quoted,
    )
    assert merged.draft.tool == "Claude"  # the rules' own inference, left in place
    assert {"outcome", "failure_mode", "failure"} <= set(merged.draft.inferred)
    assert "Failure mode: Confident wrong answer (read by the language model)" in merged.reasons


def test_the_rules_fill_what_the_model_leaves_empty() -> None:
    """An empty answer changes nothing; a partial one changes only its fields."""
    rules = parse_quick_entry("Copilot: it hallucinated an API, surprised me", DEFAULT_CATALOGUE)
    assert merge(rules, Answer()) == rules
    merged = merge(rules, Answer(outcome=Outcome.MIXED))
    assert merged.draft.outcome is Outcome.MIXED
    assert merged.draft.failure_mode is rules.draft.failure_mode
    assert merged.draft.surprise == rules.draft.surprise


def test_the_models_word_replaces_the_rules_reason_for_that_field() -> None:
    """One line per field: the rules' reason goes when the model supplies another value."""
    rules = parse_quick_entry("Copilot: it hallucinated an API", DEFAULT_CATALOGUE)
    merged = merge(rules, Answer(failure_mode=FailureMode.SILENTLY_PARTIAL))
    modes = [r for r in merged.reasons if r.startswith("Failure mode:")]
    assert modes == ["Failure mode: Silently partial (read by the language model)"]


def test_what_the_person_typed_wins_over_the_model() -> None:
    """A `Tool:` prefix or a labelled `Surprise:` line is the person's, not the model's."""
    reply = parse_reply(
        "Tool: Copilot\nWhat happened: wrote the tests\nSurprise: it found a real bug",
        DEFAULT_CATALOGUE,
    )
    merged = merge(reply, Answer(tool="Cursor", surprise="wrote the tests"))
    assert (merged.draft.tool, merged.draft.surprise) == ("GitHub Copilot", "it found a real bug")


def test_the_models_chatter_verdict_replaces_the_rules() -> None:
    """The model may say a reply is chatter, or that what the rules took for chatter is not."""
    rules = Parsed(Draft(summary="thanks all!"), (), chatter=False)
    assert merge(rules, Answer(chatter=True)) == replace(rules, chatter=True)
    chatty = Parsed(Draft(summary="same here, it made up a flag"), (), chatter=True)
    assert merge(chatty, Answer(chatter=False)).chatter is False
    assert merge(chatty, Answer()).chatter is True
