"""Reading replies: failures said plainly or subtly, surprises, negation, contrast, chatter, bad input."""

from __future__ import annotations

import time

import pytest

from core.capture import Parsed, parse_quick_entry, parse_reply
from core.model import FailureMode, Outcome
from core.tools import DEFAULT_CATALOGUE
from core.understanding import own_words, read_reply


def reply(text: str) -> Parsed:
    return parse_reply(text, DEFAULT_CATALOGUE)


def recorded_failure(parsed: Parsed) -> bool:
    draft = parsed.draft
    return (
        draft.outcome in (Outcome.FAILED, Outcome.MIXED)
        or draft.failure_mode is not None
        or bool(draft.failure)
    )


@pytest.mark.parametrize(
    ("text", "mode"),
    [
        (
            "drafted the policy memo, but it cited a regulation that doesn't exist",
            FailureMode.CONFIDENT_WRONG,
        ),
        (
            "the JSON it returned had trailing commas and our importer choked on it",
            FailureMode.BROKEN_SHAPE,
        ),
        (
            "the meeting summary attributed decisions to people who weren't in the meeting",
            FailureMode.CONFIDENT_WRONG,
        ),
        ("since last week's update the completions are noticeably worse", None),
        ("Meh. Had to redo most of it by hand.", None),
        ("It refused to write a performance improvement plan.", FailureMode.REFUSED),
        ("Took 4 minutes per contract; reading it myself is faster.", FailureMode.SLOW_OR_COSTLY),
        (
            "It translated 8 of the 10 slides and presented it as done.",
            FailureMode.SILENTLY_PARTIAL,
        ),
        ("By page 60 it was confusing the buyer and the seller", FailureMode.CONTEXT_DECAY),
        ("Someone put PII into a public chatbot to draft replies.", FailureMode.DATA_CONCERN),
    ],
)
def test_failures_are_recorded_with_their_mode(text: str, mode: FailureMode | None) -> None:
    """Failures written the way leaders write are recorded, with the mode when the words name it."""
    parsed = reply(text)
    assert not parsed.chatter
    assert parsed.draft.outcome in (Outcome.FAILED, Outcome.MIXED)
    assert parsed.draft.failure_mode == mode
    assert parsed.draft.failure


@pytest.mark.parametrize(
    "text",
    [
        "had no idea it could read the scanned PDF",
        "never thought it could explain the actuarial model to sales",
        "Turns out it also drafts decent objection handling.",
        "Blown away by how well it summarised a three-hour workshop recording.",
        "Didn't expect it to catch the rounding error in the pricing model, but it did.",
    ],
)
def test_surprises_are_recorded_and_are_not_failures(text: str) -> None:
    """Surprise cues fill the surprise; a surprise is no failure."""
    parsed = reply(text)
    assert parsed.draft.surprise
    assert not recorded_failure(parsed)


def test_a_short_surprise_sentence_keeps_the_sentence_before_it() -> None:
    """'Did not see that coming.' alone says nothing; the surprise keeps what came before."""
    parsed = reply("It found a clause our lawyer had missed. Did not see that coming.")
    assert (
        parsed.draft.surprise == "It found a clause our lawyer had missed. Did not see that coming."
    )


@pytest.mark.parametrize(
    "text",
    [
        "reconciled the inventory spreadsheet, worked great",
        "Analysed why sales declined in the north region, useful breakdown by product.",
        "modelled the slowly-growing subscription base, numbers checked out",
        "Wrote the security summary for the audit committee, spot on.",
        "Turned the failed-payments dashboard notes into a one-pager, spot on.",
        "It rewrote our cost-cutting memo in plainer language, exactly what I needed.",
        "Made a first pass at the leak detection sensor spec; engineers signed off.",
    ],
)
def test_a_marker_word_inside_another_word_is_no_failure(text: str) -> None:
    """'invent' in inventory, 'slow' in slowly-growing, 'security' as a topic: a success stays one."""
    parsed = reply(text)
    assert parsed.draft.outcome is Outcome.WORKED
    assert not recorded_failure(parsed)


@pytest.mark.parametrize(
    ("text", "outcome"),
    [
        ("no hallucinations this time, every figure matched the source", Outcome.WORKED),
        ("Did the price comparison. Nothing was missing, nothing invented.", Outcome.WORKED),
        ("It was not wrong once in the whole quarterly comparison.", Outcome.WORKED),
        ("It didn't refuse anything this time, the HR letter went through fine.", Outcome.WORKED),
        ("Not usable for our legal templates, sorry.", Outcome.FAILED),
        ("It didn't work.", Outcome.FAILED),
    ],
)
def test_negation_is_scoped_to_the_words_just_before(text: str, outcome: Outcome) -> None:
    """A negated failure is a success, a negated success is a failure."""
    assert reply(text).draft.outcome is outcome


def test_what_follows_but_carries_the_failure() -> None:
    """'Worked, but …' is mixed, and the failure is the part after 'but'."""
    draft = reply("The outline worked well, but it invented a --dry-run flag.").draft
    assert (draft.outcome, draft.failure_mode) == (Outcome.MIXED, FailureMode.CONFIDENT_WRONG)
    assert draft.failure == "it invented a --dry-run flag."


@pytest.mark.parametrize(
    "text",
    [
        "+1, same thing happened to me",
        "did anyone try Perplexity?",
        "thanks!",
        "same here",
        "👍🔥",
        ":raised_hands: :tada:",
        "<@U0MAYA> can you show us how you set that up?",
        "Great share, thank you Maya",
        "^ this",
        "&gt; it invented a CLI flag\nSame thing happened to us last month",
    ],
)
def test_chatter_is_flagged_and_nothing_is_inferred(text: str) -> None:
    """Agreement, thanks, questions and emoji are chatter, with no outcome, mode or surprise."""
    parsed = reply(text)
    assert parsed.chatter
    assert (parsed.draft.outcome, parsed.draft.failure_mode, parsed.draft.surprise) == (
        None,
        None,
        "",
    )


@pytest.mark.parametrize(
    "text",
    [
        "Claude: first draft of the text",
        "Used Claude for the board pack, it invented a number. Anyone else seen that?",
        "Wow, it turned a whiteboard photo into a working Jira backlog.",
        "Tool: Gemini\nWhat happened: drafted the quarterly letter",
    ],
)
def test_experiments_are_not_chatter(text: str) -> None:
    """A named tool, a template, or an experience of one's own is never chatter."""
    assert not reply(text).chatter


def test_tried_keeps_chatter_as_an_entry_without_inferring_a_failure() -> None:
    """`/tried +1 …` is kept (the person chose to share it) but reports no failure."""
    parsed = parse_quick_entry("+1 same, it was wrong for me too", DEFAULT_CATALOGUE)
    assert parsed.chatter
    assert parsed.draft.summary == "+1 same, it was wrong for me too"
    assert not recorded_failure(parsed)


def test_template_answers_that_say_nothing_leave_the_fields_empty() -> None:
    """'Failed: nothing' and 'Surprised: none' are no failure and no surprise."""
    parsed = reply(
        "Tool: Gemini\nWhat happened: drafted the quarterly letter\nFailed: nothing, it was fine\nSurprised: none"
    )
    assert (parsed.draft.failure, parsed.draft.surprise) == ("", "")
    assert not recorded_failure(parsed)


def test_own_words_set_aside_code_quotes_links_mentions_and_emoji() -> None:
    """Only what the person wrote is read; a link's label stays."""
    text = (
        "&gt; it hallucinated\n<@U0ALICE> see <https://wiki.example.com/x|my notes> :tada:\n"
        "```except TimeoutError: failed```"
    )
    assert own_words(text).split() == ["see", "my", "notes", "."]


@pytest.mark.parametrize(
    ("text", "failure"),
    [
        (
            "Copilot suggested this:\n```\ntry:\n    fetch()\nexcept TimeoutError:\n    log('failed')\n```\nworks, and it re-raises after the last try",
            False,
        ),
        ("Here is the query ``` WHERE status = 'failed' ``` exactly what I needed", False),
        ("&gt; did it hallucinate for you?\nNo, it worked great for the board pack", False),
        ("> it made things up\nthe summaries were accurate for me", False),
        (
            "Notes: <https://wiki.example.com/x|wiki page>. The summaries invented action items.",
            True,
        ),
        ("<@U0LIAM> your tip worked, the answers were spot on", False),
        ("Hat die Gliederung für das Strategiepapier gut erstellt, spart Zeit.", False),
        ("Die Zusammenfassung hat zwei Zahlen erfunden.", True),
        ("Usé ChatGPT para el informe y se inventó dos clientes.", True),
    ],
)
def test_code_quotes_links_mentions_and_languages(text: str, failure: bool) -> None:
    """Words inside code or someone else's quote report nothing; links and mentions do no harm."""
    parsed = reply(text)
    assert not parsed.chatter
    assert recorded_failure(parsed) is failure


def test_a_three_thousand_character_reply_is_read_whole() -> None:
    """A long reply is read to its end: the failure in its last sentence is found."""
    filler = "We went through the quarterly numbers with the team and compared every region. "
    text = filler * 37 + "In the end it invented a region we do not have."
    assert 2900 < len(text) <= 3000
    draft = reply(text).draft
    assert draft.failure_mode is FailureMode.CONFIDENT_WRONG
    assert draft.failure == "In the end it invented a region we do not have."


ADVERSARIAL = {
    "negated markers": "not wrong " * 4000,
    "markers": "invented " * 4445,
    "one long word": "a" * 40_000,
    "newlines": "x" + "\n" * 40_000 + "x",
    "spaces on a label line": "x\n" + " " * 40_000 + "x",
    "open angle brackets": "<" * 40_000,
    "backticks": "`" * 40_000,
    "colons": ":" * 40_000,
    "quotes": "&gt; " * 8_000,
    "contrasts": "but " * 10_000,
    "negations": "no " * 13_333,
    "sentences": "It failed. " * 3_636,
}


@pytest.mark.parametrize("text", ADVERSARIAL.values(), ids=ADVERSARIAL.keys())
def test_reading_is_linear_in_the_length(text: str) -> None:
    """40,000 adversarial characters are read in well under 100 ms on a quiet machine.

    The bound asserted is a generous 0.5 s of this process's CPU time (not wall time, which
    other processes on a busy machine, or parallel test workers, would stretch); the quadratic
    reading this replaces took about 15 s on the first of these.
    """
    for read in (reply, lambda t: parse_quick_entry(t, DEFAULT_CATALOGUE), read_reply):
        started = time.process_time()
        read(text)
        assert time.process_time() - started < 0.5
