"""ISO weeks: the unit of every ritual occurrence and digest.

Rules: a week is an ISO-8601 week (Monday to Sunday, week 1 holds the year's first Thursday),
written `2026-W48`. The week of an instant depends on a time zone: it is the ISO week of the
instant's local date there. Some ISO years have 53 weeks (2026 does).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

_PATTERN = re.compile(r"^(\d{4})-W(\d{2})$")


def _weeks_in(year: int) -> int:
    return date(year, 12, 28).isocalendar().week


@dataclass(frozen=True, order=True)
class WeekId:
    year: int
    week: int

    def __post_init__(self) -> None:
        if not 1 <= self.week <= _weeks_in(self.year):
            raise ValueError(
                f"{self.year} has no ISO week {self.week} (it has {_weeks_in(self.year)})"
            )

    def __str__(self) -> str:
        return f"{self.year:04d}-W{self.week:02d}"

    @classmethod
    def parse(cls, text: str) -> WeekId:
        """Read `2026-W48`; raise ValueError saying what is wrong."""
        match = _PATTERN.match(text.strip())
        if not match:
            raise ValueError(f"not an ISO week like 2026-W48: {text!r}")
        return cls(int(match[1]), int(match[2]))

    @classmethod
    def of(cls, instant: datetime, tz: ZoneInfo) -> WeekId:
        """The ISO week of the instant's local date in `tz`."""
        if instant.tzinfo is None:
            raise ValueError("naive datetime: pass an aware instant")
        return cls.of_date(instant.astimezone(tz).date())

    @classmethod
    def of_date(cls, day: date) -> WeekId:
        """The ISO week holding a calendar date."""
        iso = day.isocalendar()
        return cls(iso.year, iso.week)

    def monday(self) -> date:
        """The week's Monday."""
        return date.fromisocalendar(self.year, self.week, 1)

    def date_of(self, weekday: int) -> date:
        """The date of a weekday in this week (0 is Monday)."""
        if not 0 <= weekday <= 6:
            raise ValueError(f"weekday must be 0..6, got {weekday}")
        return self.monday() + timedelta(days=weekday)

    def shift(self, weeks: int) -> WeekId:
        """The week `weeks` later (earlier when negative)."""
        return WeekId.of_date(self.monday() + timedelta(weeks=weeks))

    def previous(self) -> WeekId:
        return self.shift(-1)

    def next(self) -> WeekId:
        return self.shift(1)

    def trailing(self, n: int) -> list[WeekId]:
        """The `n` weeks before this one, oldest first."""
        return [self.shift(-k) for k in range(n, 0, -1)]
