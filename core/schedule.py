"""Local wall-clock times to instants, across daylight-saving changes.

Rules (documented in docs/scheduling.md):
- A ritual's time is a local wall-clock time in an IANA zone: "Monday 09:00 Europe/Berlin" stays
  09:00 local all year, so its UTC instant moves by an hour at each change.
- In a gap (a local time that does not exist, e.g. 02:30 when clocks jump from 02:00 to 03:00),
  the send happens the gap's length later by the wall clock: 02:30 becomes 03:30. Exactly once.
- In an overlap (a local time that happens twice, e.g. 01:30 when clocks fall back), the first
  occurrence is used (`fold=0`, still on summer time). Exactly once.
- Catch-up: a send whose instant passed less than the grace period ago is still due; an older one
  is too late and is skipped (and logged) rather than sent hours after its moment.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from enum import IntEnum
from typing import Literal
from zoneinfo import ZoneInfo

from core.weeks import WeekId

Missed = Literal["due", "late_within_grace", "too_late", "future"]


class ScheduleError(ValueError):
    """A schedule value that cannot be used, with a message saying what to fix."""


class Weekday(IntEnum):
    MON = 0
    TUE = 1
    WED = 2
    THU = 3
    FRI = 4
    SAT = 5
    SUN = 6

    @classmethod
    def parse(cls, text: str) -> Weekday:
        """Read "mon", "Monday", "MO" and the like."""
        key = text.strip().lower()
        for day in cls:
            full = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")[
                day
            ]
            if len(key) >= 2 and full.startswith(key):
                return day
        raise ScheduleError(f"not a weekday: {text!r}")


def resolve_local(day: date, at: time, tz: ZoneInfo) -> datetime:
    """The one UTC instant for a local date and wall-clock time, by the rules above."""
    # zoneinfo (PEP 495) with fold=0 gives both documented choices: in an overlap it is the
    # first occurrence; in a gap it reads the time with the offset from before the jump, which
    # lands the gap's length later by the wall clock (02:30 -> 03:30 on a one-hour jump).
    local = datetime.combine(day, at.replace(tzinfo=None, fold=0)).replace(tzinfo=tz, fold=0)
    return local.astimezone(UTC)


def classify_missed(instant: datetime, *, now: datetime, grace: timedelta) -> Missed:
    """Say whether a send at `instant` is due at `now`, late but within grace, too late, or future."""
    if instant > now:
        return "future"
    late = now - instant
    if late == timedelta(0):
        return "due"
    return "late_within_grace" if late <= grace else "too_late"


def next_weekly(weekday: int, at: time, tz: ZoneInfo, *, after: datetime) -> datetime:
    """The first instant strictly after `after` at that weekday and local time."""
    week = WeekId.of(after, tz)
    for candidate in (week, week.next()):
        instant = resolve_local(candidate.date_of(weekday), at, tz)
        if instant > after:
            return instant
    return resolve_local(week.shift(2).date_of(weekday), at, tz)
