"""When a ritual next asks, reminds and posts its digest: pure, from the schedule alone.

Rules (docs/scheduling.md):
- Each time is the ritual's local wall-clock moment in its own zone, resolved like the
  scheduler's (`core.due.moment`), strictly after `now`: this week if still ahead, else next week.
- The digest is never before the week's prompt (as `core.due` posts it).
- With `per_person_tz`, the ritual's zone stands for everyone: each person's own moment is the
  same wall-clock time in their zone.
- A schedule changed by an edit applies from its next moment: when the new moment of the
  current week has already passed, that week's prompt is not owed (`passed_by_reschedule`), as
  moments before a ritual existed are not.
- Once the current week's prompts are done (sent, sent early with "Send now", or closed by a
  schedule change), the next prompt is next week's, even when this week's moment is ahead.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from core.due import moment
from core.rituals import Ritual
from core.schedule import next_weekly
from core.weeks import WeekId


@dataclass(frozen=True)
class Upcoming:
    """The next instants (aware, UTC) of a ritual's prompt, reminder and digest."""

    prompt: datetime
    reminder: datetime | None  # None: the ritual sends no reminder
    digest: datetime | None  # None: the ritual has no digest channel


@dataclass(frozen=True)
class FirstPrompt:
    """When a ritual set up at some moment first asks, and whether that is in the same week."""

    at: datetime
    this_week: bool


def next_digest(ritual: Ritual, *, now: datetime) -> datetime:
    """The first digest moment strictly after `now`, never before its week's prompt."""
    zone = ZoneInfo(ritual.tz)
    week = WeekId.of(now, zone)
    for candidate in (week, week.next()):
        instant = max(
            moment(candidate, ritual.digest_weekday, ritual.digest_at, zone),
            moment(candidate, ritual.weekday, ritual.at, zone),
        )
        if instant > now:
            return instant
    return max(  # only when a zone's clocks jumped by days: the week after next
        moment(week.shift(2), ritual.digest_weekday, ritual.digest_at, zone),
        moment(week.shift(2), ritual.weekday, ritual.at, zone),
    )


def upcoming(ritual: Ritual, *, now: datetime, prompted_this_week: bool = False) -> Upcoming:
    """The ritual's next prompt, reminder and digest after `now`.

    `prompted_this_week`: the current week's prompts are done (sent, sent early with Send now,
    or closed by a schedule change), so a moment still ahead this week asks nobody: the next
    prompt is next week's.
    """
    zone = ZoneInfo(ritual.tz)
    prompt = next_weekly(int(ritual.weekday), ritual.at, zone, after=now)
    week = WeekId.of(now, zone)
    if prompted_this_week and WeekId.of(prompt, zone) == week:
        prompt = moment(week.next(), ritual.weekday, ritual.at, zone)
    reminder = (
        next_weekly(int(ritual.reminder_weekday), ritual.reminder_at, zone, after=now)
        if ritual.reminder_weekday is not None and ritual.reminder_at is not None
        else None
    )
    return Upcoming(
        prompt=prompt,
        reminder=reminder,
        digest=next_digest(ritual, now=now) if ritual.digest_channel_id else None,
    )


def first_prompt(ritual: Ritual, *, now: datetime) -> FirstPrompt:
    """When a ritual saved at `now` first asks: this week if its moment is still ahead, else next.

    A moment before the ritual existed is never owed (`core.due`), so the first prompt is the
    first moment strictly after `now`.
    """
    zone = ZoneInfo(ritual.tz)
    at = next_weekly(int(ritual.weekday), ritual.at, zone, after=now)
    return FirstPrompt(at=at, this_week=WeekId.of(at, zone) == WeekId.of(now, zone))


def _schedule(ritual: Ritual) -> tuple[object, ...]:
    return (ritual.weekday, ritual.at, ritual.tz, ritual.per_person_tz)


def passed_by_reschedule(before: Ritual, after: Ritual, *, now: datetime) -> WeekId | None:
    """The current week, when an edit at `now` moved the prompt to a moment already past in it.

    None when the schedule did not change, or its moment this week is still ahead (then the
    week is asked at the new moment). The ritual's zone stands for everyone's.
    """
    if _schedule(before) == _schedule(after):
        return None
    zone = ZoneInfo(after.tz)
    week = WeekId.of(now, zone)
    return week if moment(week, after.weekday, after.at, zone) <= now else None
