"""The `/tried setup` modal, and reading a submitted ritual back.

Each input's `block_id` and `action_id` is one `blocks.ids.RitualField`, mostly the name of the
setting it fills (see `SETTING` below), so a problem found by `core.rituals.validate_ritual`
lands on the right field. The ritual's name is typed by an admin: the confirmation escapes it.
"""

from __future__ import annotations

from datetime import time
from typing import Any

from blocks.ids import RitualField, View
from blocks.kit import Block, plain_text, safe, section
from core.rituals import (
    DEFAULT_PROMPT,
    MAX_NAME_CHARS,
    MAX_PROMPT_CHARS,
    AudienceKind,
    Problem,
    Ritual,
)
from core.schedule import Weekday

# setting of core.rituals.Problem -> the block that shows it
SETTING = {
    "name": RitualField.NAME,
    "audience": RitualField.AUDIENCE_USERS,
    "tz": RitualField.TZ,
    "where": RitualField.PROMPT_CHANNEL,
    "reminder": RitualField.REMINDER_DAY,
    "prompt_text": RitualField.PROMPT_TEXT,
    "prompt_channel": RitualField.PROMPT_CHANNEL,
    "digest_channel": RitualField.DIGEST_CHANNEL,
}
YES = "yes"


def _label(text: str) -> dict[str, Any]:
    return plain_text(text, 2000)


def _input(
    field: RitualField,
    label: str,
    element: dict[str, Any],
    *,
    optional: bool = False,
    hint: str = "",
) -> Block:
    block: Block = {
        "type": "input",
        "block_id": field.value,
        "optional": optional,
        "label": _label(label),
        "element": {**element, "action_id": field.value},
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
        _input(
            RitualField.NAME, "Name", {"type": "plain_text_input", "max_length": MAX_NAME_CHARS}
        ),
        _input(
            RitualField.AUDIENCE_USERS,
            "Ask these people",
            {"type": "multi_users_select"},
            optional=True,
        ),
        _input(
            RitualField.AUDIENCE_CHANNEL,
            "…or the members of this channel",
            {
                "type": "conversations_select",
                "filter": {"include": ["public", "private"], "exclude_bot_users": True},
            },
            optional=True,
        ),
        _input(
            RitualField.AUDIENCE_GROUP,
            "…or this user group (its ID, S…)",
            {"type": "plain_text_input", "max_length": 32},
            optional=True,
        ),
        _input(
            RitualField.PROMPT_CHANNEL,
            "Post the prompt in this channel",
            {
                "type": "conversations_select",
                "filter": {"include": ["public", "private"], "exclude_bot_users": True},
            },
            optional=True,
            hint="Its thread collects the replies. Invite the bot first.",
        ),
        _input(RitualField.DM, "Also ask", _yes("Each person by DM", False), optional=True),
        _input(RitualField.WEEKDAY, "Prompt day", _days(Weekday.MON)),
        _input(RitualField.AT, "Prompt time", _clock(time(9, 0))),
        _input(
            RitualField.TZ,
            "Time zone",
            {"type": "plain_text_input", "initial_value": default_tz, "max_length": 64},
        ),
        _input(
            RitualField.PER_PERSON_TZ,
            "Local time",
            _yes("Use each person's own time zone", False),
            optional=True,
        ),
        _input(RitualField.REMINDER_DAY, "Reminder day", _days(Weekday.WED), optional=True),
        _input(RitualField.REMINDER_AT, "Reminder time", _clock(time(14, 0)), optional=True),
        _input(
            RitualField.DIGEST_CHANNEL,
            "Post the weekly digest in",
            {
                "type": "conversations_select",
                "filter": {"include": ["public", "private"], "exclude_bot_users": True},
            },
            optional=True,
        ),
        _input(RitualField.DIGEST_DAY, "Digest day", _days(Weekday.FRI)),
        _input(RitualField.DIGEST_AT, "Digest time", _clock(time(16, 0))),
        _input(
            RitualField.PROMPT_TEXT,
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


def _get(values: dict[str, Any], field: RitualField) -> dict[str, Any]:
    entry = values.get(field.value, {}).get(field.value, {})
    return entry if isinstance(entry, dict) else {}


def _day(values: dict[str, Any], field: RitualField) -> Weekday | None:
    raw = (_get(values, field).get("selected_option") or {}).get("value")
    return (
        Weekday(int(raw))
        if raw is not None and str(raw).isdigit() and int(raw) in range(7)
        else None
    )


def _time(values: dict[str, Any], field: RitualField) -> time | None:
    raw = _get(values, field).get("selected_time")
    try:
        return time.fromisoformat(str(raw)) if raw else None
    except ValueError:
        return None


def _checked(values: dict[str, Any], field: RitualField) -> bool:
    return any(
        option.get("value") == YES for option in _get(values, field).get("selected_options") or []
    )


def read_ritual_form(
    values: dict[str, Any], *, ritual_id: str, team_id: str, created_by: str
) -> tuple[Ritual | None, dict[str, str]]:
    """Read the submitted form into a ritual, or return field errors for the modal."""
    errors: dict[str, str] = {}
    users = [str(u) for u in _get(values, RitualField.AUDIENCE_USERS).get("selected_users") or []]
    channel = _get(values, RitualField.AUDIENCE_CHANNEL).get("selected_conversation")
    group = str(_get(values, RitualField.AUDIENCE_GROUP).get("value") or "").strip()
    chosen = [
        kind
        for kind, present in (("users", users), ("channel", channel), ("group", group))
        if present
    ]
    if len(chosen) != 1:
        errors[RitualField.AUDIENCE_USERS.value] = (
            "Choose exactly one audience: people, a channel, or a user group."
        )
    weekday, at = _day(values, RitualField.WEEKDAY), _time(values, RitualField.AT)
    if weekday is None:
        errors[RitualField.WEEKDAY.value] = "Choose a day."
    if at is None:
        errors[RitualField.AT.value] = "Choose a time."
    digest_day, digest_at = (
        _day(values, RitualField.DIGEST_DAY),
        _time(values, RitualField.DIGEST_AT),
    )
    if digest_day is None:
        errors[RitualField.DIGEST_DAY.value] = "Choose a day."
    if digest_at is None:
        errors[RitualField.DIGEST_AT.value] = "Choose a time."
    if errors or weekday is None or at is None or digest_day is None or digest_at is None:
        return None, errors
    if users:
        kind, audience = AudienceKind.USERS, tuple(users)
    elif channel:
        kind, audience = AudienceKind.CHANNEL, (str(channel),)
    else:
        kind, audience = AudienceKind.USERGROUP, (group,)
    prompt_channel = _get(values, RitualField.PROMPT_CHANNEL).get("selected_conversation")
    digest_channel = _get(values, RitualField.DIGEST_CHANNEL).get("selected_conversation")
    ritual = Ritual(
        id=ritual_id,
        team_id=team_id,
        name=str(_get(values, RitualField.NAME).get("value") or "").strip(),
        audience_kind=kind,
        audience=audience,
        weekday=weekday,
        at=at,
        tz=str(_get(values, RitualField.TZ).get("value") or "").strip(),
        prompt_channel_id=str(prompt_channel) if prompt_channel else None,
        dm=_checked(values, RitualField.DM),
        per_person_tz=_checked(values, RitualField.PER_PERSON_TZ),
        prompt_text=str(_get(values, RitualField.PROMPT_TEXT).get("value") or "").strip()
        or DEFAULT_PROMPT,
        reminder_weekday=_day(values, RitualField.REMINDER_DAY),
        reminder_at=_time(values, RitualField.REMINDER_AT),
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
        errors.setdefault(SETTING.get(problem.setting, RitualField.NAME).value, problem.message)
    return errors


def ritual_not_created_text(ritual: Ritual, problems: list[Problem]) -> str:
    """The note to the admin when the audience check after the form failed: nothing was saved."""
    reasons = "\n".join(f"• {safe(problem.message, 300)}" for problem in problems[:5])
    return (
        f"Ritual *{safe(ritual.name, MAX_NAME_CHARS * 5)}* was not set up, nothing was saved:\n"
        f"{reasons}\nRun `/tried setup` again once that is fixed."
    )


def ritual_not_created_blocks(ritual: Ritual, problems: list[Problem]) -> list[Block]:
    """The blocks of that note."""
    return [section(ritual_not_created_text(ritual, problems))]
