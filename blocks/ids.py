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
    # "I tried it too" beside an entry in the digest's thread (blocks/digest.py).
    REPLICATE = "digest_replicate"
    # One-tap corrections under "here is what I understood" (blocks/confirm.py).
    CORRECT_FAILED = "correct_failed"
    CORRECT_WORKED = "correct_worked"
    CORRECT_SURPRISED = "correct_surprised"
    CORRECT_FAILURE_MODE = "correct_failure_mode"
    # "Share without my name" on and off, under a confirmation (blocks/confirm.py).
    TOGGLE_ANONYMOUS = "experiment_toggle_anonymous"
    # The one-time job function question (blocks/function_question.py): one button per function,
    # each `CHOOSE_FUNCTION` + "_" + the function's value, and the dismissal.
    CHOOSE_FUNCTION = "function_choose"
    DISMISS_FUNCTION = "function_dismiss"
    # Admin controls: on Home, under the setup confirmation, in the failed-digest notice.
    RITUAL_EDIT = "ritual_edit"
    RITUAL_PAUSE = "ritual_pause"
    RITUAL_RESUME = "ritual_resume"
    RITUAL_SEND_NOW = "ritual_send_now"
    DIGEST_RETRY = "digest_retry"


class View(StrEnum):
    EXPERIMENT = "experiment_form"
    PROFILE = "profile_form"
    RITUAL = "ritual_form"
    RITUAL_EDIT = "ritual_edit_form"


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
    CAUGHT = "caught"
    NEXT_TRY = "next_try"
    PRIVATE = "private"
    JOB_FUNCTION = "job_function"
    TZ_OVERRIDE = "tz_override"
    DM_PROMPTS = "dm_prompts"
    PAUSED_UNTIL = "paused_until"
    REPLY_SUMMARIES = "reply_summaries"


class RitualField(StrEnum):
    """The ritual setup form's inputs: each is both the block_id and the action_id."""

    NAME = "name"
    AUDIENCE_USERS = "audience_users"
    AUDIENCE_CHANNEL = "audience_channel"
    AUDIENCE_GROUP = "audience_group"
    PROMPT_CHANNEL = "prompt_channel"
    DM = "dm"
    WEEKDAY = "weekday"
    AT = "at"
    TZ = "tz"
    PER_PERSON_TZ = "per_person_tz"
    REMINDER_DAY = "reminder_day"
    REMINDER_AT = "reminder_at"
    DIGEST_CHANNEL = "digest_channel"
    DIGEST_DAY = "digest_day"
    DIGEST_AT = "digest_at"
    PROMPT_TEXT = "prompt_text"
