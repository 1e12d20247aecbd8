"""Managing a ritual from Slack: the edit form, and what the admin is told after each step.

The edit form is the setup form (`blocks.setup.ritual_modal`) with every input set to the
ritual's current value; its `private_metadata` is the ritual's id. Ritual names are typed by
admins: every note escapes them.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from blocks.admin_home import when
from blocks.ids import Action, RitualField, View
from blocks.kit import Block, actions, button, plain_text, safe, section
from blocks.setup import ritual_modal
from core.rituals import MAX_NAME_CHARS, AudienceKind, Problem, Ritual, describe_schedule

NOT_ADMIN = "Managing rituals is for workspace admins and the people listed in BOT_ADMINS."
GONE = "That ritual no longer exists."


def edit_ritual_modal(ritual: Ritual) -> dict[str, Any]:
    """The setup form filled with the ritual's current settings; saving updates it in place."""
    view = ritual_modal(default_tz=ritual.tz)
    elements: dict[str, dict[str, Any]] = {
        block["block_id"]: block["element"] for block in view["blocks"]
    }

    def put(field: RitualField, key: str, value: Any) -> None:
        if value is None or value is False:
            elements[field.value].pop(key, None)
        else:
            elements[field.value][key] = value

    def day(field: RitualField, weekday: int | None) -> None:
        options = elements[field.value]["options"]
        put(field, "initial_option", options[weekday] if weekday is not None else None)

    def checked(field: RitualField, on: bool) -> None:
        put(field, "initial_options", elements[field.value]["options"] if on else None)

    put(RitualField.NAME, "initial_value", ritual.name)
    kind, audience = ritual.audience_kind, list(ritual.audience)
    put(
        RitualField.AUDIENCE_USERS,
        "initial_users",
        audience if kind is AudienceKind.USERS else None,
    )
    put(
        RitualField.AUDIENCE_CHANNEL,
        "initial_conversation",
        audience[0] if kind is AudienceKind.CHANNEL and audience else None,
    )
    put(
        RitualField.AUDIENCE_GROUP,
        "initial_value",
        audience[0] if kind is AudienceKind.USERGROUP and audience else None,
    )
    put(RitualField.PROMPT_CHANNEL, "initial_conversation", ritual.prompt_channel_id)
    checked(RitualField.DM, ritual.dm)
    day(RitualField.WEEKDAY, int(ritual.weekday))
    put(RitualField.AT, "initial_time", f"{ritual.at:%H:%M}")
    put(RitualField.TZ, "initial_value", ritual.tz)
    checked(RitualField.PER_PERSON_TZ, ritual.per_person_tz)
    reminder = (
        (ritual.reminder_weekday, ritual.reminder_at)
        if ritual.reminder_weekday is not None and ritual.reminder_at is not None
        else None
    )
    day(RitualField.REMINDER_DAY, int(reminder[0]) if reminder else None)
    put(RitualField.REMINDER_AT, "initial_time", f"{reminder[1]:%H:%M}" if reminder else None)
    put(RitualField.DIGEST_CHANNEL, "initial_conversation", ritual.digest_channel_id)
    day(RitualField.DIGEST_DAY, int(ritual.digest_weekday))
    put(RitualField.DIGEST_AT, "initial_time", f"{ritual.digest_at:%H:%M}")
    put(RitualField.PROMPT_TEXT, "initial_value", ritual.prompt_text)
    return {
        **view,
        "callback_id": View.RITUAL_EDIT.value,
        "title": plain_text("Edit ritual", 24),
        "submit": plain_text("Save", 24),
        "private_metadata": ritual.id,
    }


def _name(ritual: Ritual) -> str:
    return safe(ritual.name, MAX_NAME_CHARS * 5)


def _first(ritual: Ritual, at: datetime, this_week: bool, zone_name: str) -> str:
    if ritual.per_person_tz:
        day = ritual.weekday.name.capitalize()
        return (
            f"The first prompts go out at {ritual.at:%H:%M} in each person's own time zone: "
            f"this {day} where that is still ahead, else next {day}."
        )
    week = "this week" if this_week else "next week"
    return f"The first prompt goes out {week}: {when(at)} ({safe(zone_name, 64)})."


def setup_confirmation(
    ritual: Ritual, *, first_at: datetime, this_week: bool, zone_name: str
) -> tuple[list[Block], str]:
    """The note to the admin who set up a ritual (its schedule, and when it first asks), with a
    button that sends this week's prompt at once; and its text."""
    schedule = safe(describe_schedule(ritual), 200)
    first = _first(ritual, first_at, this_week, zone_name)
    text = f"Ritual *{_name(ritual)}* is set up: {schedule}. {first}"
    return [section(text), actions(button("Send now", Action.RITUAL_SEND_NOW, ritual.id))], text


def saved_text(ritual: Ritual, *, next_prompt: datetime, zone_name: str) -> str:
    """The note after an edit: what the ritual does now, and when it next asks (for a ritual
    asking in each person's zone, `next_prompt` is in the ritual's zone: that local time)."""
    where = "in each person's own time zone" if ritual.per_person_tz else f"({safe(zone_name, 64)})"
    return (
        f"Ritual *{_name(ritual)}* is saved: {safe(describe_schedule(ritual), 200)}. "
        f"Next prompt: {when(next_prompt)} {where}. "
        "A prompt already sent this week is not sent again."
    )


def edit_not_saved_text(ritual: Ritual, problems: Sequence[Problem]) -> str:
    """The note when the audience check after the edit form failed: nothing was changed."""
    reasons = "\n".join(f"• {safe(problem.message, 300)}" for problem in problems[:5])
    return (
        f"Ritual *{_name(ritual)}* was not changed, nothing was saved:\n{reasons}\n"
        "Edit it again from Home once that is fixed."
    )


def sent_now_text(ritual: Ritual, sent: int) -> str:
    """What "Send now" did."""
    if sent:
        return f"Sent {sent} prompt{'s' if sent != 1 else ''} of *{_name(ritual)}* now."
    return (
        f"Nothing new to send for *{_name(ritual)}* this week: its prompt already went out, or "
        "the week was closed by a schedule change (a prompt is never sent twice)."
    )


def paused_text(ritual: Ritual, paused: bool) -> str:
    """What Pause or Resume did."""
    if paused:
        return f"*{_name(ritual)}* is paused: no prompts, reminders or digests until you resume it."
    return f"*{_name(ritual)}* is active again: it asks at its next moment."


def digest_retried_text(ritual_name: str, week: str, failed: str | None) -> str:
    """What the failed-digest notice's Retry did."""
    if failed is None:
        return f"The *{safe(ritual_name, 200)}* digest for {safe(week, 20)} is posted."
    return (
        f"The *{safe(ritual_name, 200)}* digest for {safe(week, 20)} is still not posted "
        f"(`{safe(failed, 100)}`): fix the channel (Edit on my Home tab), then retry."
    )
