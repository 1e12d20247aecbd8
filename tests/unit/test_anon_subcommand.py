"""`/tried anon`: the quick path for sharing without one's name (core/capture.py)."""

from __future__ import annotations

from core.capture import Anonymous, Entry, Missing, Private, parse_command


def test_anon_is_a_subcommand_that_takes_the_entry() -> None:
    """`/tried anon …` and `/tried anonymous …` share without a name; alone, they ask for text."""
    assert parse_command("anon Copilot: it invented a flag") == Anonymous(
        "Copilot: it invented a flag"
    )
    assert parse_command("Anonymous Claude: x") == Anonymous("Claude: x")
    assert parse_command("anon") == Missing("anon", "the experiment to share without your name")
    assert parse_command("private anon x") == Private("anon x")


def test_anon_inside_an_entry_is_just_a_word() -> None:
    """Only the first word selects it: "Copilot: anon mode" is an ordinary entry."""
    assert parse_command("Copilot: anon mode broke") == Entry("Copilot: anon mode broke")
