"""Modals: the experiment form (new or edit) and reading its submitted values back.

Each input uses the same string as `block_id` and `action_id` (see `blocks.ids.Field`), so a
submission's `view.state.values[field][field]` is where its value is, and field errors for
`response_action: errors` are keyed by the same id.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from blocks.ids import Field, View
from blocks.kit import Block, option, plain_text
from core.model import (
    CAUGHT_CHOICES,
    MAX_FIELD_CHARS,
    MAX_NEXT_TRY_CHARS,
    MAX_TOOL_CHARS,
    Caught,
    Draft,
    Experiment,
    FailureMode,
    JobFunction,
    Outcome,
    Profile,
    shown_in_form,
)
from core.text import strip_controls

PRIVATE_VALUE = "private"
ANONYMOUS_VALUE = "anonymous"


@dataclass(frozen=True)
class FormMetadata:
    """What the form carries through Slack in `private_metadata` (at most 3,000 characters)."""

    experiment_id: str | None = None  # set when editing
    channel_id: str | None = None  # where `/tried` was typed, to answer there
    ritual_id: str | None = None  # set when opened from a prompt: the entry answers it
    week: str | None = None
    prompt_ts: str | None = None  # that prompt's message, in `channel_id`

    _KEYS = ("e", "c", "r", "w", "p")

    def dump(self) -> str:
        values = (self.experiment_id, self.channel_id, self.ritual_id, self.week, self.prompt_ts)
        return json.dumps(dict(zip(self._KEYS, values, strict=True)))

    @classmethod
    def load(cls, raw: str | None) -> FormMetadata:
        try:
            data = json.loads(raw or "{}")
        except ValueError:
            return cls()
        if not isinstance(data, dict):
            return cls()
        fields = [data.get(key) for key in cls._KEYS]
        if not all(value is None or isinstance(value, str) for value in fields):
            return cls()
        return cls(*fields)


def _text_input(
    field: Field,
    label: str,
    *,
    initial: str = "",
    multiline: bool = False,
    optional: bool = True,
    max_length: int = MAX_FIELD_CHARS,
    placeholder: str = "",
) -> Block:
    element: dict[str, Any] = {
        "type": "plain_text_input",
        "action_id": field.value,
        "multiline": multiline,
        "max_length": max_length,
    }
    if initial:
        # Slack refuses a longer initial value; a longer stored text is kept whole when the field
        # comes back as shown (`core.model.keep_untouched`).
        element["initial_value"] = initial[:max_length]
    if placeholder:
        element["placeholder"] = plain_text(placeholder, 150)
    return {
        "type": "input",
        "block_id": field.value,
        "optional": optional,
        "label": plain_text(label, 2000),
        "element": element,
    }


def _select(field: Field, label: str, options: list[dict[str, Any]], initial: str | None) -> Block:
    element: dict[str, Any] = {
        "type": "static_select",
        "action_id": field.value,
        "placeholder": plain_text("Choose"),
        "options": options,
    }
    chosen = [option for option in options if option["value"] == initial]
    if chosen:
        element["initial_option"] = chosen[0]
    return {
        "type": "input",
        "block_id": field.value,
        "optional": True,
        "label": plain_text(label, 2000),
        "element": element,
    }


def experiment_modal(
    *, draft: Draft | Experiment | None = None, metadata: FormMetadata = FormMetadata()
) -> dict[str, Any]:
    """The form behind bare `/tried`, the prompt's button, and every Edit."""
    editing = metadata.experiment_id is not None
    anonymous_option = option("Share without my name", ANONYMOUS_VALUE) | {
        # Slack allows 75 characters in an option's description.
        "description": plain_text("Others see “someone”; only you can see it is yours.", 75)
    }
    private_element: dict[str, Any] = {
        "type": "checkboxes",
        "action_id": Field.PRIVATE.value,
        "options": [
            option("Keep private: never in a digest or a channel", PRIVATE_VALUE),
            anonymous_option,
        ],
    }
    ticked = [
        choice
        for choice, on in zip(
            private_element["options"],
            (draft is not None and draft.private, draft is not None and draft.anonymous),
            strict=True,
        )
        if on
    ]
    if ticked:
        private_element["initial_options"] = ticked
    blocks: list[Block] = [
        _text_input(
            Field.TOOL,
            "Which tool?",
            initial=(draft.tool or "") if draft else "",
            optional=False,
            max_length=MAX_TOOL_CHARS,
            placeholder="e.g. ChatGPT, GitHub Copilot, Claude",
        ),
        _text_input(
            Field.MODEL,
            "Which model or version? (if you know)",
            initial=(draft.model or "") if draft else "",
            max_length=MAX_TOOL_CHARS,
            placeholder="e.g. GPT-5, Claude Sonnet 4.5, Gemini 2.5 Pro",
        ),
        _text_input(
            Field.WORK,
            "What real work was it for?",
            initial=shown_in_form(draft.work) if draft else "",
            placeholder="e.g. the Q3 migration plan",
        ),
        _text_input(
            Field.SUMMARY,
            "What happened?",
            initial=shown_in_form(draft.summary) if draft else "",
            multiline=True,
            optional=False,
        ),
        _text_input(
            Field.SURPRISE,
            "What surprised you?",
            initial=shown_in_form(draft.surprise) if draft else "",
            multiline=True,
        ),
        _text_input(
            Field.FAILURE,
            "What failed, and how?",
            initial=shown_in_form(draft.failure) if draft else "",
            multiline=True,
        ),
        _select(
            Field.OUTCOME,
            "How did it go?",
            [option(outcome.label, outcome.value) for outcome in Outcome],
            draft.outcome.value if draft and draft.outcome else None,
        ),
        _select(
            Field.FAILURE_MODE,
            "If it failed: how?",
            [option(mode.label, mode.value) for mode in FailureMode],
            draft.failure_mode.value if draft and draft.failure_mode else None,
        ),
        _select(
            Field.CAUGHT,
            "If it failed: how was it caught?",
            [option(label, caught.value) for caught, label in CAUGHT_CHOICES.items()],
            draft.caught.value if draft and draft.caught else None,
        ),
        _text_input(
            Field.NEXT_TRY,
            "Next week I'll try… (optional; you'll be reminded privately)",
            initial=draft.next_try if draft else "",
            max_length=MAX_NEXT_TRY_CHARS,
            placeholder="e.g. giving it the schema first",
        ),
        {
            "type": "input",
            "block_id": Field.PRIVATE.value,
            "optional": True,
            "label": {"type": "plain_text", "text": "Privacy"},
            "hint": plain_text(
                "A reply you typed in a thread still shows your name there: only what the bot "
                "posts leaves it out. `/tried anon …` shares with no name anywhere."
            ),
            "element": private_element,
        },
    ]
    return {
        "type": "modal",
        "callback_id": View.EXPERIMENT.value,
        "private_metadata": metadata.dump(),
        "title": {
            "type": "plain_text",
            "text": "Edit experiment" if editing else "Share an experiment",
        },
        "submit": {"type": "plain_text", "text": "Save"},
        "close": {"type": "plain_text", "text": "Cancel"},
        "blocks": blocks,
    }


def _value(values: dict[str, Any], field: Field) -> dict[str, Any]:
    entry = values.get(field.value, {}).get(field.value, {})
    return entry if isinstance(entry, dict) else {}


def _text(values: dict[str, Any], field: Field) -> str:
    return strip_controls(str(_value(values, field).get("value") or "")).strip()


def read_experiment_form(values: dict[str, Any]) -> tuple[Draft | None, dict[str, str]]:
    """Read a submitted form into a draft, or return the field errors to show in the modal."""
    errors: dict[str, str] = {}
    tool = " ".join(_text(values, Field.TOOL).split())
    model = " ".join(_text(values, Field.MODEL).split())
    summary = _text(values, Field.SUMMARY)
    if not tool:
        errors[Field.TOOL.value] = "Name the tool you tried."
    elif len(tool) > MAX_TOOL_CHARS:
        errors[Field.TOOL.value] = f"Keep the tool's name under {MAX_TOOL_CHARS} characters."
    if len(model) > MAX_TOOL_CHARS:
        errors[Field.MODEL.value] = f"Keep the model's name under {MAX_TOOL_CHARS} characters."
    if not summary:
        errors[Field.SUMMARY.value] = "Say what happened, even in a few words."
    texts = {
        field: _text(values, field)
        for field in (Field.WORK, Field.SUMMARY, Field.SURPRISE, Field.FAILURE)
    }
    for field, text in texts.items():
        if len(text) > MAX_FIELD_CHARS:
            errors[field.value] = (
                f"This is {len(text):,} characters; the limit is {MAX_FIELD_CHARS:,}."
            )
    next_try = " ".join(_text(values, Field.NEXT_TRY).split())
    if len(next_try) > MAX_NEXT_TRY_CHARS:
        errors[Field.NEXT_TRY.value] = f"Keep it under {MAX_NEXT_TRY_CHARS} characters."
    if errors:
        return None, errors
    caught = (_value(values, Field.CAUGHT).get("selected_option") or {}).get("value")
    outcome = (_value(values, Field.OUTCOME).get("selected_option") or {}).get("value")
    mode = (_value(values, Field.FAILURE_MODE).get("selected_option") or {}).get("value")
    ticked = {
        str(option.get("value"))
        for option in _value(values, Field.PRIVATE).get("selected_options") or []
    }
    return (
        Draft(
            tool=tool,
            model=model or None,
            work=texts[Field.WORK],
            summary=texts[Field.SUMMARY],
            surprise=texts[Field.SURPRISE],
            failure=texts[Field.FAILURE],
            outcome=Outcome(str(outcome)) if outcome in Outcome._value2member_map_ else None,
            failure_mode=FailureMode(str(mode)) if mode in FailureMode._value2member_map_ else None,
            private=PRIVATE_VALUE in ticked,
            anonymous=ANONYMOUS_VALUE in ticked,
            caught=Caught(str(caught)) if caught in Caught._value2member_map_ else None,
            next_try=next_try,
        ),
        {},
    )


def profile_modal(profile: Profile) -> dict[str, Any]:
    """The `/tried profile` form: job function, time zone override, DM prompts, pause, summaries."""
    dm_element: dict[str, Any] = {
        "type": "checkboxes",
        "action_id": Field.DM_PROMPTS.value,
        "options": [option("Send me prompts and reminders by DM", "on")],
    }
    if profile.dm_prompts:
        dm_element["initial_options"] = dm_element["options"]
    summaries_element: dict[str, Any] = {
        "type": "checkboxes",
        "action_id": Field.REPLY_SUMMARIES.value,
        "options": [option("After each reply, show me privately what the bot understood", "on")],
    }
    if profile.reply_summaries:
        summaries_element["initial_options"] = summaries_element["options"]
    pause_element: dict[str, Any] = {"type": "datepicker", "action_id": Field.PAUSED_UNTIL.value}
    if profile.paused_until is not None:
        pause_element["initial_date"] = profile.paused_until.isoformat()
    blocks: list[Block] = [
        _select(
            Field.JOB_FUNCTION,
            "Your job function",
            [option(job.label, job.value) for job in JobFunction],
            profile.job_function.value if profile.job_function else None,
        ),
        _text_input(
            Field.TZ_OVERRIDE,
            "Time zone (leave empty to use Slack's)",
            initial=profile.tz_override or "",
            max_length=64,
            placeholder="e.g. Europe/Berlin",
        ),
        {
            "type": "input",
            "block_id": Field.DM_PROMPTS.value,
            "optional": True,
            "label": {"type": "plain_text", "text": "Prompts by DM"},
            "element": dm_element,
        },
        {
            "type": "input",
            "block_id": Field.PAUSED_UNTIL.value,
            "optional": True,
            "label": {"type": "plain_text", "text": "Pause my prompts until (vacation)"},
            "element": pause_element,
        },
        {
            "type": "input",
            "block_id": Field.REPLY_SUMMARIES.value,
            "optional": True,
            "label": {"type": "plain_text", "text": "Reply summaries"},
            "element": summaries_element,
        },
    ]
    return {
        "type": "modal",
        "callback_id": View.PROFILE.value,
        "title": {"type": "plain_text", "text": "Your profile"},
        "submit": {"type": "plain_text", "text": "Save"},
        "close": {"type": "plain_text", "text": "Cancel"},
        "blocks": blocks,
    }


def _ticked(values: dict[str, Any], field: Field) -> bool:
    """Whether a one-option "on" checkbox was ticked."""
    return any(
        option.get("value") == "on"
        for option in _value(values, field).get("selected_options") or []
    )


def read_profile_form(
    values: dict[str, Any], *, team_id: str, user_id: str
) -> tuple[Profile | None, dict[str, str]]:
    """Read a submitted profile form, or return the field errors."""
    errors: dict[str, str] = {}
    tz = _text(values, Field.TZ_OVERRIDE)
    if tz:
        try:
            ZoneInfo(tz)
        except (ZoneInfoNotFoundError, ValueError):
            errors[Field.TZ_OVERRIDE.value] = (
                "Unknown time zone. Use an IANA name such as Europe/Berlin."
            )
    raw_date = _value(values, Field.PAUSED_UNTIL).get("selected_date")
    paused: date | None = None
    if raw_date:
        try:
            paused = date.fromisoformat(str(raw_date))
        except ValueError:
            errors[Field.PAUSED_UNTIL.value] = "Pick a date."
    if errors:
        return None, errors
    job = (_value(values, Field.JOB_FUNCTION).get("selected_option") or {}).get("value")
    dm = _ticked(values, Field.DM_PROMPTS)
    return (
        Profile(
            team_id=team_id,
            user_id=user_id,
            job_function=JobFunction(str(job)) if job in JobFunction._value2member_map_ else None,
            tz_override=tz or None,
            dm_prompts=dm,
            paused_until=paused,
            reply_summaries=_ticked(values, Field.REPLY_SUMMARIES),
        ),
        {},
    )
