"""Every `action_id`, `callback_id` and `block_id` the bot uses, in one place.

The builders in `blocks/` write them and the listeners in `handlers/` match them, so they live in
the lower of the two packages.
"""

from __future__ import annotations

from enum import StrEnum


class Action(StrEnum):
    EDIT_EXPERIMENT = "experiment_edit"
    DELETE_EXPERIMENT = "experiment_delete"
    OPEN_FORM = "experiment_open_form"
    SKIP_WEEK = "ritual_skip_week"
    FORGET_ME_CONFIRM = "forget_me_confirm"
    FORGET_ME_CANCEL = "forget_me_cancel"
    OPEN_PROFILE = "profile_open"
    # One-tap corrections under "here is what I understood" (blocks/confirm.py).
    CORRECT_FAILED = "correct_failed"
    CORRECT_WORKED = "correct_worked"
    CORRECT_SURPRISED = "correct_surprised"
    CORRECT_FAILURE_MODE = "correct_failure_mode"


class View(StrEnum):
    EXPERIMENT = "experiment_form"
    PROFILE = "profile_form"
    RITUAL = "ritual_form"


class Field(StrEnum):
    """Form inputs: each is used both as the block_id and the action_id of its input."""

    TOOL = "tool"
    MODEL = "model"
    WORK = "work"
    SUMMARY = "summary"
    SURPRISE = "surprise"
    FAILURE = "failure"
    OUTCOME = "outcome"
    FAILURE_MODE = "failure_mode"
    PRIVATE = "private"
    JOB_FUNCTION = "job_function"
    TZ_OVERRIDE = "tz_override"
    DM_PROMPTS = "dm_prompts"
    PAUSED_UNTIL = "paused_until"
    REPLY_SUMMARIES = "reply_summaries"
