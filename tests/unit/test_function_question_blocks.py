"""The one-time job function question's blocks (blocks/function_question.py)."""

from __future__ import annotations

from slack_sdk.models.blocks import Block

from blocks.function_question import (
    choose_action_id,
    function_from_action,
    function_question_blocks,
)
from core.model import JobFunction


def test_every_function_is_one_tap_and_reads_back() -> None:
    """One button per function, each id read back to its function; other ids read as None."""
    blocks = function_question_blocks()
    for block in Block.parse_all(blocks):
        block.validate_json()
    ids = [e["action_id"] for b in blocks for e in b.get("elements", [])]
    assert len(ids) == len(set(ids)) == len(JobFunction) + 1
    assert [function_from_action(choose_action_id(job)) for job in JobFunction] == list(JobFunction)
    assert function_from_action("function_choose_astronaut") is None
    assert function_from_action("experiment_edit") is None
