"""The pure rules behind integrity: control characters, untouched form fields, CSV cells, refills."""

from __future__ import annotations

import hashlib
from dataclasses import replace
from datetime import UTC, datetime
from typing import Any

from blocks.digest import digest_layout, digest_messages, layout_as_json, refill
from core.digest import Digest, build_digest
from core.model import MAX_FIELD_CHARS, Experiment, Outcome, Source, keep_untouched
from core.text import strip_controls
from services.export import neutralise_cell

NOW = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)


def test_control_characters_go_but_newlines_and_tabs_stay() -> None:
    """NUL, escape, bell, backspace, CR and DEL are stripped; newline and tab are kept."""
    assert strip_controls("a\x00b\x1b[1mc\x07d\x08e\r\nf\tg\x7fh") == "ab[1mcde\nf\tgh"


def test_a_long_field_left_as_shown_keeps_its_whole_text() -> None:
    """Submitted as shown (cut to the form's limit): kept whole; changed at all: replaced."""
    long = "word " * 1200
    shown = long[:MAX_FIELD_CHARS]
    assert keep_untouched(long, shown) == long
    assert keep_untouched(long, shown.strip()) == long
    assert keep_untouched(long, shown[:-10]) == shown[:-10]
    assert keep_untouched("short", "short, edited") == "short, edited"
    assert keep_untouched("a &lt;b&gt; <@U1>", "a <b> @someone") == "a &lt;b&gt; <@U1>"
    assert keep_untouched("a <@U1>", "a @Ann", named="a <@U1|Ann>") == "a <@U1>"
    assert keep_untouched("a <@U1>", "a @Ann, edited", named="a <@U1|Ann>") == "a @Ann, edited"
    assert keep_untouched("short", "short") == "short"


def test_formula_cells_are_neutralised() -> None:
    """Cells that a spreadsheet would run get a leading quote; others are unchanged."""
    for risky in ("=1+1", "+1", "-1", "@SUM(A1)", "\tx", "\rx"):
        assert neutralise_cell(risky) == "'" + risky
    assert neutralise_cell("plain text, = later") == "plain text, = later"
    assert neutralise_cell(True) == "True"


def _exp(n: int, **changes: Any) -> Experiment:
    exp = Experiment(
        id=f"e{n}",
        team_id="T1",
        user_id=f"U{n}",
        source=Source.COMMAND,
        summary=f"summary {n}",
        created_at=NOW,
        updated_at=NOW,
        week="2026-W48",
        tool="Claude",
        failure=f"failure {n}",
        outcome=Outcome.FAILED,
    )
    return replace(exp, **changes)


def _digest(experiments: list[Experiment]) -> Digest:
    return build_digest(
        week="2026-W48",
        ritual_name="Leaders",
        experiments=experiments,
        previous_week=[],
        trailing={},
        known_tools=frozenset(),
        prior_sharers=frozenset(),
    )


def test_a_kept_layout_holds_no_text_and_refills_without_withdrawn_entries() -> None:
    """The layout names keys only; a refill leaves out an entry gone since, and its author."""
    names = {"U1": "Ann", "U2": "Ben"}
    before = _digest([_exp(1), _exp(2)])
    parts = layout_as_json(digest_layout(before, names))
    assert len(parts) == 2  # the top post and one thread message
    assert "Ann" not in str(parts)
    assert "failure 1" not in str(parts)
    assert "Claude" not in str(parts)
    messages = digest_messages(before, names)
    for number, part in enumerate(parts, start=1):
        assert (
            messages[number - 1].blocks
            == refill(part, before, names, number=number, total=2).blocks
        )
    after = _digest([_exp(2, failure="failure 2, edited")])
    text = str(
        [refill(part, after, names, number=n, total=2).blocks for n, part in enumerate(parts, 1)]
    )
    assert "failure 1" not in text
    assert "Ann" not in text
    assert "failure 2, edited" in text
    assert "*Claude* · 1 entry, 1 failed" in text


def test_a_layout_kept_by_the_earlier_release_is_finished_with_real_content() -> None:
    """Old keys (surprises, failures by tool, where tools fail, credit in the thread) refill."""
    names = {"U1": "Ann", "U2": "Ben"}
    d = _digest([_exp(1, surprise="it cited a paper"), _exp(2)])
    tool = hashlib.sha256(b"Claude").hexdigest()[:16]
    old_part = {
        "units": [
            {"kind": "section", "keys": ["surprises"]},
            {"kind": "section", "keys": ["surprise:e1"]},
            {"kind": "section", "keys": ["failures"]},
            {"kind": "section", "keys": [f"group:{tool}", "failure:e1", "failure:e2"]},
            {"kind": "section", "keys": ["where", f"where:{tool}", f"where-fn:{tool}"]},
            {"kind": "section", "keys": ["credit", "welcome"]},
        ]
    }
    blocks = refill(old_part, d, names, number=2, total=2).blocks
    text = str(blocks)
    assert "withdrawn" not in text
    assert "failure 1" in text
    assert "failure 2" in text
    assert "*Claude* · 2 entries, 2 failed" in text
    assert "Thanks for sharing: Ann, Ben." in text
    # The single surprise line is an entry of today's layout: it carries the entry's menu.
    assert blocks[1]["accessory"]["options"][0]["value"] == "same|e1"
    gone = _digest([_exp(2)])
    text = str(refill(old_part, gone, names, number=2, total=2).blocks)
    assert "failure 1" not in text
    assert "Ann" not in text
    assert "failure 2" in text
