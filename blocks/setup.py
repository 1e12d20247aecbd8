"""The `/tried setup` modal, and reading a submitted ritual back.

Each input's `block_id` and `action_id` is the name of the setting it fills (see `SETTING`
below), so a problem found by `core.rituals.validate_ritual` lands on the right field.
"""

from __future__ import annotations

from datetime import time
from typing import Any

from blocks.ids import View
from core.rituals import (
    DEFAULT_PROMPT,
    MAX_NAME_CHARS,
    MAX_PROMPT_CHARS,
    AudienceKind,
    Problem,
    Ritual,
)
from core.schedule import Weekday

Block = dict[str, Any]

# setting of core.rituals.Problem -> the block that shows it
SETTING = {
    "name": "name",
    "audience": "audience_users",
    "tz": "tz",
    "where": "prompt_channel",
    "reminder": "reminder_day",
    "prompt_text": "prompt_text",
    "prompt_channel": "prompt_channel",
    "digest_channel": "digest_channel",
}
YES = "yes"


def _label(text: str) -> dict[str, Any]:
    return {"type": "plain_text", "text": text}


def _input(
    block_id: str, label: str, element: dict[str, Any], *, optional: bool = False, hint: str = ""
) -> Block:
    block: Block = {
        "type": "input",
        "block_id": block_id,
        "optional": optional,
        "label": _label(label),
        "element": {**element, "action_id": block_id},
    }
    if hint:
        block["hint"] = _label(hint)
    return block


def _days(initial: Weekday | None) -> dict[str, Any]:
    options = [{"text": _label(day.name.capitalize()), "value": str(int(day))} for day in Weekday]
    element: dict[str, Any] = {
        "type": "static_select",
        "options": options,
        "placeholder": _label("Day"),
    }
    if initial is not None:
        element["initial_option"] = options[int(initial)]
    return element


def _clock(initial: time | None) -> dict[str, Any]:
    element: dict[str, Any] = {"type": "timepicker"}
    if initial is not None:
        element["initial_time"] = initial.strftime("%H:%M")
    return element


def _yes(text: str, initial: bool) -> dict[str, Any]:
    options = [{"text": _label(text), "value": YES}]
    element: dict[str, Any] = {"type": "checkboxes", "options": options}
    if initial:
        element["initial_options"] = options
    return element


def ritual_modal(*, default_tz: str) -> dict[str, Any]:
    """The form for a new ritual, prefilled with sensible defaults."""
    blocks: list[Block] = [
        _input("name", "Name", {"type": "plain_text_input", "max_length": MAX_NAME_CHARS}),
        _input("audience_users", "Ask these people", {"type": "multi_users_select"}, optional=True),
        _input(
            "audience_channel",
            "…or the members of this channel",
            {
                "type": "conversations_select",
                "filter": {"include": ["public", "private"], "exclude_bot_users": True},
            },
            optional=True,
        ),
        _input(
            "audience_group",
            "…or this user group (its ID, S…)",
            {"type": "plain_text_input", "max_length": 32},
            optional=True,
        ),
        _input(
            "prompt_channel",
            "Post the prompt in this channel",
            {
                "type": "conversations_select",
                "filter": {"include": ["public", "private"], "exclude_bot_users": True},
            },
            optional=True,
            hint="Its thread collects the replies. Invite the bot first.",
        ),
        _input("dm", "Also ask", _yes("Each person by DM", False), optional=True),
        _input("weekday", "Prompt day", _days(Weekday.MON)),
        _input("at", "Prompt time", _clock(time(9, 0))),
        _input(
            "tz",
            "Time zone",
            {"type": "plain_text_input", "initial_value": default_tz, "max_length": 64},
        ),
        _input(
            "per_person_tz",
            "Local time",
            _yes("Use each person's own time zone", False),
            optional=True,
        ),
        _input("reminder_day", "Reminder day", _days(Weekday.WED), optional=True),
        _input("reminder_at", "Reminder time", _clock(time(14, 0)), optional=True),
        _input(
            "digest_channel",
            "Post the weekly digest in",
            {
                "type": "conversations_select",
                "filter": {"include": ["public", "private"], "exclude_bot_users": True},
            },
            optional=True,
        ),
        _input("digest_day", "Digest day", _days(Weekday.FRI)),
        _input("digest_at", "Digest time", _clock(time(16, 0))),
        _input(
            "prompt_text",
            "Prompt wording",
            {
                "type": "plain_text_input",
                "multiline": True,
                "initial_value": DEFAULT_PROMPT,
                "max_length": MAX_PROMPT_CHARS,
            },
        ),
    ]
    return {
        "type": "modal",
        "callback_id": View.RITUAL.value,
        "title": _label("Set up a ritual"),
        "submit": _label("Create"),
        "close": _label("Cancel"),
        "blocks": blocks,
    }


def _get(values: dict[str, Any], block_id: str) -> dict[str, Any]:
    entry = values.get(block_id, {}).get(block_id, {})
    return entry if isinstance(entry, dict) else {}


def _day(values: dict[str, Any], block_id: str) -> Weekday | None:
    raw = (_get(values, block_id).get("selected_option") or {}).get("value")
    return (
        Weekday(int(raw))
        if raw is not None and str(raw).isdigit() and int(raw) in range(7)
        else None
    )


def _time(values: dict[str, Any], block_id: str) -> time | None:
    raw = _get(values, block_id).get("selected_time")
    try:
        return time.fromisoformat(str(raw)) if raw else None
    except ValueError:
        return None


def _checked(values: dict[str, Any], block_id: str) -> bool:
    return any(
        option.get("value") == YES
        for option in _get(values, block_id).get("selected_options") or []
    )


def read_ritual_form(
    values: dict[str, Any], *, ritual_id: str, team_id: str, created_by: str
) -> tuple[Ritual | None, dict[str, str]]:
    """Read the submitted form into a ritual, or return field errors for the modal."""
    errors: dict[str, str] = {}
    users = [str(u) for u in _get(values, "audience_users").get("selected_users") or []]
    channel = _get(values, "audience_channel").get("selected_conversation")
    group = str(_get(values, "audience_group").get("value") or "").strip()
    chosen = [
        kind
        for kind, present in (("users", users), ("channel", channel), ("group", group))
        if present
    ]
    if len(chosen) != 1:
        errors["audience_users"] = (
            "Choose exactly one audience: people, a channel, or a user group."
        )
    weekday, at = _day(values, "weekday"), _time(values, "at")
    if weekday is None:
        errors["weekday"] = "Choose a day."
    if at is None:
        errors["at"] = "Choose a time."
    digest_day, digest_at = _day(values, "digest_day"), _time(values, "digest_at")
    if digest_day is None:
        errors["digest_day"] = "Choose a day."
    if digest_at is None:
        errors["digest_at"] = "Choose a time."
    if errors or weekday is None or at is None or digest_day is None or digest_at is None:
        return None, errors
    if users:
        kind, audience = AudienceKind.USERS, tuple(users)
    elif channel:
        kind, audience = AudienceKind.CHANNEL, (str(channel),)
    else:
        kind, audience = AudienceKind.USERGROUP, (group,)
    prompt_channel = _get(values, "prompt_channel").get("selected_conversation")
    digest_channel = _get(values, "digest_channel").get("selected_conversation")
    ritual = Ritual(
        id=ritual_id,
        team_id=team_id,
        name=str(_get(values, "name").get("value") or "").strip(),
        audience_kind=kind,
        audience=audience,
        weekday=weekday,
        at=at,
        tz=str(_get(values, "tz").get("value") or "").strip(),
        prompt_channel_id=str(prompt_channel) if prompt_channel else None,
        dm=_checked(values, "dm"),
        per_person_tz=_checked(values, "per_person_tz"),
        prompt_text=str(_get(values, "prompt_text").get("value") or "").strip() or DEFAULT_PROMPT,
        reminder_weekday=_day(values, "reminder_day"),
        reminder_at=_time(values, "reminder_at"),
        digest_channel_id=str(digest_channel) if digest_channel else None,
        digest_weekday=digest_day,
        digest_at=digest_at,
        created_by=created_by,
    )
    return ritual, {}


def problems_as_errors(problems: list[Problem]) -> dict[str, str]:
    """Place each problem on the field it is about (the first problem per field wins)."""
    errors: dict[str, str] = {}
    for problem in problems:
        errors.setdefault(SETTING.get(problem.setting, "name"), problem.message)
    return errors
