"""The summary of what was understood: its lines, its taps, and Slack's limits."""

from __future__ import annotations

import json
from typing import Any

from slack_sdk.models.blocks import Block

from blocks.confirm import (
    describe_understanding,
    mode_value,
    parse_mode_value,
    understanding_blocks,
    understanding_text,
)
from core.model import FailureMode, Outcome, Source
from tests.factories import experiment


def elements(blocks: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [e for b in blocks if b["type"] == "actions" for e in b["elements"]]


def test_a_reply_summary_lists_what_was_understood_and_marks_what_is_yours() -> None:
    """Tool and model, outcome, failure mode and surprise; confirmed fields say so."""
    exp = experiment(
        tool="Claude",
        model="Claude Opus 4",
        outcome=Outcome.FAILED,
        failure_mode=FailureMode.REFUSED,
        surprise="fast",
    )
    text = describe_understanding(exp, frozenset({"outcome"}))
    assert text.splitlines() == [
        "*Tool:* Claude (Claude Opus 4)",
        "*Outcome:* Failed _(yours)_",
        "*Failure mode:* Refused or over-cautious",
        "*Surprise:* “fast”",
    ]
    blank = describe_understanding(experiment())
    assert "none named" in blank
    assert "not sure" in blank
    assert "none noted" in blank


def test_every_version_is_valid_block_kit_within_limits() -> None:
    """slack_sdk accepts the blocks; the menu has every mode, and option values fit in 150."""
    for source in Source:
        exp = experiment(source=source, summary="x" * 5000, surprise="<!channel> " + "y" * 5000)
        blocks = understanding_blocks(exp, reasons=["tool from the prefix"] * 20)
        for block in Block.parse_all(blocks):
            block.validate_json()
        [menu] = [e for e in elements(blocks) if e["type"] == "static_select"]
        options = menu["options"]
        assert len(options) == len(FailureMode)
        assert all(len(o["value"]) <= 150 for o in options)
        assert "<!channel>" not in json.dumps(blocks)
        assert len(understanding_text(exp)) <= 300


def test_only_a_tried_entry_offers_delete() -> None:
    """A reply is deleted in Slack itself; a `/tried` entry has nowhere else to be deleted."""
    reply_ids = [e["action_id"] for e in elements(understanding_blocks(experiment()))]
    entry = experiment(source=Source.COMMAND)
    entry_ids = [e["action_id"] for e in elements(understanding_blocks(entry))]
    assert "experiment_delete" not in reply_ids
    assert entry_ids[-1] == "experiment_delete"


def test_the_menu_shows_the_current_mode_and_its_values_read_back() -> None:
    """The chosen mode is preselected; a value names the experiment and the mode."""
    exp = experiment(failure_mode=FailureMode.BROKEN_SHAPE)
    [menu] = [e for e in elements(understanding_blocks(exp)) if e["type"] == "static_select"]
    assert menu["initial_option"]["value"] == mode_value(exp.id, FailureMode.BROKEN_SHAPE)
    assert parse_mode_value(mode_value("abc", FailureMode.OTHER)) == ("abc", FailureMode.OTHER)
    assert parse_mode_value("abc|not_a_mode") is None
    assert parse_mode_value("other") is None
