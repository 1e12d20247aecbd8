"""The digest's Block Kit: numbers that read naturally, credit never cut, a top post that stays short."""

from __future__ import annotations

import json
from typing import Any

from blocks.digest import CREDIT_TOP_CHARS, digest_messages, parse_replicate_value
from blocks.digest_lines import group_line, plural, summary_text
from core.digest import Digest, build_digest
from core.model import Experiment, FailureMode, Outcome
from tests.factories import experiment


def _digest(experiments: list[Experiment], **kwargs: Any) -> Digest:
    options: dict[str, Any] = {
        "week": "2026-W48",
        "ritual_name": "Leaders",
        "experiments": experiments,
        "previous_week": [],
        "trailing": {},
        "known_tools": frozenset(),
        "prior_sharers": frozenset(),
    } | kwargs
    return build_digest(**options)


def test_numbers_read_naturally() -> None:
    """One experiment from one person; two from two people; thousands with a separator."""
    assert plural(1, "experiment") == "1 experiment"
    assert plural(2, "person", "people") == "2 people"
    assert plural(1200, "entry", "entries") == "1,200 entries"
    one = _digest([experiment(tool="Claude", outcome=Outcome.WORKED)])
    assert (
        summary_text(one) == "Leaders digest for 2026-W48: 1 experiment from 1 person, 0 failures"
    )
    [top, _thread] = digest_messages(one, {"U1": "Ada"})
    assert "*1 experiment* from *1 person* with 1 tool; 0 failures." in json.dumps(top.blocks)


def test_credit_past_one_block_continues_in_the_thread_never_cut() -> None:
    """Six hundred sharers: the top post names those that fit, the thread names the rest; no "…"."""
    people = {f"U{n:03d}": f"Person Number {n:03d}" for n in range(600)}
    d = _digest([experiment(user_id=user) for user in people])
    top, *thread = digest_messages(d, people)
    head = json.dumps(top.blocks)
    rest = json.dumps([m.blocks for m in thread])
    named_top = [name for name in people.values() if name in head]
    assert 0 < len(named_top) < 600
    assert all(name in rest for name in people.values() if name not in named_top)
    assert f"and {600 - len(named_top)} more people named in the thread" in head
    assert "…" not in head + rest
    credit = next(b for b in top.blocks if "Thanks for sharing" in json.dumps(b))
    assert len(credit["elements"][0]["text"]) < CREDIT_TOP_CHARS + 100
    assert "shared for the first time" in head
    assert "Person Number 000, Person Number 001" not in head.split("Welcome")[-1]


def test_the_menu_value_reads_back_and_refuses_strangers() -> None:
    """Each entry's menu carries the answer and the entry; anything else is not ours."""
    assert parse_replicate_value("same|e1") == ("same", "e1")
    assert parse_replicate_value("clear|e1") == ("clear", "e1")
    assert parse_replicate_value("maybe|e1") is None
    assert parse_replicate_value("same|") is None


def test_a_tools_heading_names_how_it_failed_twice_or_more() -> None:
    """Modes met at least twice are named with their counts, most first; a single one is not."""
    modes = {
        FailureMode.SILENTLY_PARTIAL: 2,
        FailureMode.CONFIDENT_WRONG: 3,
        FailureMode.REFUSED: 1,
    }
    assert group_line("Copilot", 9, 6, modes) == (
        "*Copilot* · 9 entries, 6 failed _(Confident wrong answer: 3; Silently partial: 2)_"
    )
    assert group_line("Notion AI", 1, 0) == "*Notion AI* · 1 entry"
