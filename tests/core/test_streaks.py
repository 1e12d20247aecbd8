"""Streaks count weeks shared in a row, and an unfinished week does not break one."""

from __future__ import annotations

from core.streaks import count_streak
from core.weeks import WeekId

W = WeekId.parse


def test_streak_counts_back_from_this_week() -> None:
    """Three weeks in a row including this one make a streak of three."""
    assert count_streak([W("2026-W46"), W("2026-W47"), W("2026-W48")], current=W("2026-W48")) == 3


def test_nothing_yet_this_week_keeps_last_weeks_streak() -> None:
    """Monday morning, before anyone shared, the streak from last week is still alive."""
    assert count_streak([W("2026-W46"), W("2026-W47")], current=W("2026-W48")) == 2


def test_a_missed_week_ends_the_streak() -> None:
    """A gap of a whole week resets the count."""
    assert count_streak([W("2026-W45"), W("2026-W47"), W("2026-W48")], current=W("2026-W48")) == 2
    assert count_streak([W("2026-W45")], current=W("2026-W48")) == 0


def test_streak_crosses_the_year() -> None:
    """Week 53 of 2026 and week 1 of 2027 are consecutive."""
    assert count_streak([W("2026-W53"), W("2027-W01")], current=W("2027-W01")) == 2
