"""`core.capture.parse_command`: subcommands win over entries; slips get help."""

from __future__ import annotations

import pytest

from core import capture as parse
from core.tools import DEFAULT_CATALOGUE


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("", parse.Open()),
        ("help", parse.Help()),
        ("help me", parse.Help()),
        ("Help: what is this", parse.Help()),
        ("? anything", parse.Help()),
        ("undo last one", parse.Undo()),
        ("undo.", parse.Undo()),
        ("list of flags it invented", parse.List()),
        ("profile please", parse.Profile()),
        ("forget-me now", parse.ForgetMe()),
        ("lsit", parse.Unknown("lsit")),
        ("lsit mine", parse.Unknown("lsit")),
        ("udno that", parse.Unknown("udno")),
        ("setpu a ritual", parse.Unknown("setpu")),
        ("edit my last one", parse.Unknown("edit")),
        ("Hello, what is this?", parse.Unknown("Hello,")),
        (
            "what Claude did to our plan: it invented a step",
            parse.Entry("what Claude did to our plan: it invented a step"),
        ),
        ("Cursor", parse.Entry("Cursor")),
        ("Claude: drafted it", parse.Entry("Claude: drafted it")),
        (
            "listened to a podcast summary by Claude",
            parse.Entry("listened to a podcast summary by Claude"),
        ),
        ("private Claude: note", parse.Private("Claude: note")),
        ("private", parse.Missing("private", "the experiment to keep private")),
    ],
)
def test_parse_command(text: str, expected: parse.Command) -> None:
    """Each form of `/tried <text>` is read as the person meant it."""
    assert parse.parse_command(text, DEFAULT_CATALOGUE) == expected
