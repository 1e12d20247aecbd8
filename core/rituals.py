"""Rituals: who is asked, where, and when; plus the default prompt wording.

Pure data and validation. `validate_ritual` returns every problem at once, in words a person can
act on, so the setup modal and the CLI refuse bad input the same way and save nothing half-done.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, time
from enum import StrEnum
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from core.schedule import Weekday

DEFAULT_PROMPT = (
    "*What did you try with an AI tool this week?* Share one experiment from real work:\n"
    "• *Which tool?*\n"
    "• *What real work* did you use it for?\n"
    "• *What happened?*\n"
    "• *What surprised you?*\n"
    "• *What failed, and how?* How was it caught (review, a test, a customer, by chance, not yet)?\n"
    "• *Next I'll try…* (optional: you'll be reminded next week)\n"
    "Reply in this thread. Failures are the most useful thing you can share."
)
MAX_NAME_CHARS = 60
MAX_PROMPT_CHARS = 2500


class AudienceKind(StrEnum):
    USERS = "users"  # listed people
    CHANNEL = "channel"  # the members of a channel
    USERGROUP = "usergroup"  # the members of a user group


@dataclass(frozen=True)
class Ritual:
    id: str
    team_id: str
    name: str
    audience_kind: AudienceKind
    audience: tuple[str, ...]  # user ids, or one channel id, or one user group id
    weekday: Weekday
    at: time  # local time of the prompt
    tz: str  # IANA zone of the schedule (ignored per person when `per_person_tz`)
    prompt_channel_id: str | None = None  # post the prompt here; its thread collects replies
    dm: bool = False  # also (or instead) ask each member by DM
    per_person_tz: bool = False  # "each person's own 09:00", using their Slack time zone
    prompt_text: str = DEFAULT_PROMPT
    reminder_weekday: Weekday | None = None
    reminder_at: time | None = None
    digest_channel_id: str | None = None
    digest_weekday: Weekday = Weekday.FRI
    digest_at: time = time(16, 0)
    quiet_week_post: bool = True
    paused: bool = False
    created_by: str = ""
    created_at: datetime | None = field(default=None, compare=False)

    @property
    def has_reminder(self) -> bool:
        return self.reminder_weekday is not None and self.reminder_at is not None


@dataclass(frozen=True)
class Problem:
    """Something to fix before a ritual can be saved, and which setting it is about."""

    setting: str  # name, audience, tz, where, reminder, prompt_text, prompt_channel, digest_channel
    message: str

    def __str__(self) -> str:
        return self.message


def validate_ritual(ritual: Ritual, *, bot_channels: frozenset[str] | None = None) -> list[Problem]:
    """Return what must be fixed before the ritual can be saved (empty when it is fine)."""
    problems: list[Problem] = []
    if not ritual.name.strip():
        problems.append(Problem("name", "Give the ritual a name."))
    elif len(ritual.name) > MAX_NAME_CHARS:
        problems.append(Problem("name", f"Keep the name under {MAX_NAME_CHARS} characters."))
    if not ritual.audience or not all(ritual.audience):
        problems.append(
            Problem("audience", "Choose who is asked: people, a channel, or a user group.")
        )
    elif ritual.audience_kind is not AudienceKind.USERS and len(ritual.audience) != 1:
        problems.append(
            Problem("audience", "Choose exactly one channel or one user group as the audience.")
        )
    try:
        ZoneInfo(ritual.tz)
    except (ZoneInfoNotFoundError, ValueError):
        problems.append(
            Problem(
                "tz", f"Unknown time zone {ritual.tz!r}: use an IANA name such as Europe/Berlin."
            )
        )
    if ritual.prompt_channel_id is None and not ritual.dm:
        problems.append(Problem("where", "Choose where to ask: a channel, by DM, or both."))
    if (ritual.reminder_weekday is None) != (ritual.reminder_at is None):
        problems.append(Problem("reminder", "A reminder needs both a day and a time (or neither)."))
    if len(ritual.prompt_text) > MAX_PROMPT_CHARS:
        problems.append(
            Problem("prompt_text", f"Keep the prompt under {MAX_PROMPT_CHARS} characters.")
        )
    if bot_channels is not None:
        for setting, channel in (
            ("prompt_channel", ritual.prompt_channel_id),
            ("digest_channel", ritual.digest_channel_id),
        ):
            if channel is not None and channel not in bot_channels:
                label = setting.split("_")[0]
                problems.append(
                    Problem(
                        setting,
                        f"Invite the bot to the {label} channel {channel} first (/invite @Learning Out Loud).",
                    )
                )
    return problems


def describe_schedule(ritual: Ritual) -> str:
    """Say when a ritual asks, in words: "Mondays 09:00 Europe/Berlin"."""
    zone = "each person's time zone" if ritual.per_person_tz else ritual.tz
    return f"{ritual.weekday.name.capitalize()} {ritual.at:%H:%M} {zone}"
