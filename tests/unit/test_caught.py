"""Reading how a failure was caught, and the next try, from a templated reply."""

from __future__ import annotations

import pytest

from core.capture import parse_reply, read_caught
from core.model import Caught
from core.tools import DEFAULT_CATALOGUE


@pytest.mark.parametrize(
    ("said", "caught"),
    [
        ("in code review", Caught.REVIEW),
        ("our CI caught it", Caught.TEST),
        ("the unit tests failed", Caught.TEST),
        ("a customer emailed support", Caught.CUSTOMER),
        ("pure luck, I glanced at it", Caught.CHANCE),
        ("not yet, as far as I know", Caught.NOT_YET),
        ("nobody has noticed", Caught.NOT_YET),
        ("hmm", None),
    ],
)
def test_how_it_was_caught_is_read_from_its_words(said: str, caught: Caught | None) -> None:
    """Each answer's words choose one of the five, or nothing when unclear."""
    assert read_caught(said) is caught


def test_caught_and_next_lines_fill_their_fields_and_nothing_else() -> None:
    """`Caught:` and `Next:` are read into their fields; the failure keeps its own line."""
    parsed = parse_reply(
        "Tool: Copilot\nFailed: invented --dry-run\nCaught: in review\nNext: paste --help first",
        DEFAULT_CATALOGUE,
    )
    draft = parsed.draft
    assert (draft.failure, draft.caught, draft.next_try) == (
        "invented --dry-run",
        Caught.REVIEW,
        "paste --help first",
    )
    plain = parse_reply("Tool: Copilot\nWhat happened: next-gen tooling works", DEFAULT_CATALOGUE)
    assert (plain.draft.caught, plain.draft.next_try) == (None, "")
