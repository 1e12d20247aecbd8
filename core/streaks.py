"""Streaks: how many weeks in a row a person has shared.

Rule: count consecutive ISO weeks with at least one experiment, ending at the current week, or
at last week when nothing was shared yet this week (the week is not over, so the streak is not
broken yet). Only weeks shared under one's name count: an entry shared without it is credited
to no one (`core.credit`), so callers leave it out.
"""

from __future__ import annotations

from collections.abc import Iterable

from core.weeks import WeekId


def count_streak(weeks_shared: Iterable[WeekId], *, current: WeekId) -> int:
    """Return the length of the run of shared weeks that is still alive at `current`."""
    shared = set(weeks_shared)
    week = current if current in shared else current.previous()
    streak = 0
    while week in shared:
        streak += 1
        week = week.previous()
    return streak
