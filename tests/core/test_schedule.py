"""Weeks and local times: daylight-saving changes keep the wall clock; gaps and overlaps send once."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from core.schedule import ScheduleError, Weekday, classify_missed, resolve_local
from core.weeks import WeekId

BERLIN = ZoneInfo("Europe/Berlin")
NEW_YORK = ZoneInfo("America/New_York")


@pytest.mark.parametrize(
    ("week", "utc_hour"),
    [
        pytest.param("2026-W13", 8, id="before-spring-change"),
        pytest.param("2026-W14", 7, id="after-spring-change"),
        pytest.param("2026-W44", 8, id="after-autumn-change"),
    ],
)
def test_monday_nine_stays_nine_local_across_dst(week: str, utc_hour: int) -> None:
    """Monday 09:00 Europe/Berlin is 09:00 local every week; only its UTC hour moves."""
    instant = resolve_local(WeekId.parse(week).date_of(Weekday.MON), time(9), BERLIN)
    assert instant.astimezone(BERLIN).time() == time(9)
    assert instant.hour == utc_hour


def test_time_in_a_gap_is_sent_after_the_gap() -> None:
    """02:30 on the spring-forward night does not exist; it is sent once, at 03:30 local."""
    instant = resolve_local(date(2026, 3, 29), time(2, 30), BERLIN)
    assert instant == datetime(2026, 3, 29, 1, 30, tzinfo=UTC)
    assert instant.astimezone(BERLIN).time() == time(3, 30)


def test_time_in_an_overlap_is_the_first_one() -> None:
    """01:30 happens twice when New York falls back; the first (still EDT) is used."""
    instant = resolve_local(date(2026, 11, 1), time(1, 30), NEW_YORK)
    assert instant == datetime(2026, 11, 1, 5, 30, tzinfo=UTC)


def test_week_of_an_instant_depends_on_the_zone() -> None:
    """Monday 00:30 in Auckland is still Sunday in UTC: two different ISO weeks."""
    instant = datetime(2026, 11, 29, 11, 30, tzinfo=UTC)
    assert str(WeekId.of(instant, ZoneInfo("Pacific/Auckland"))) == "2026-W49"
    assert str(WeekId.of(instant, ZoneInfo("UTC"))) == "2026-W48"


def test_year_with_53_weeks_rolls_over() -> None:
    """2026 has a week 53, followed by 2027-W01."""
    assert str(WeekId.parse("2026-W53").next()) == "2027-W01"
    assert str(WeekId.parse("2027-W01").previous()) == "2026-W53"
    assert [str(w) for w in WeekId.parse("2027-W02").trailing(3)] == [
        "2026-W52",
        "2026-W53",
        "2027-W01",
    ]


@pytest.mark.parametrize("text", ["2025-W53", "2026-W00", "2026-48", "W48", ""])
def test_bad_weeks_are_refused(text: str) -> None:
    """A week that does not exist or is not written as YYYY-Www is a ValueError."""
    with pytest.raises(ValueError, match="week"):
        WeekId.parse(text)


def test_weekday_names() -> None:
    """Days parse from their usual spellings; nonsense is refused."""
    assert [Weekday.parse(t) for t in ("mon", "Monday", "MO", "fri")] == [Weekday.MON] * 3 + [
        Weekday.FRI
    ]
    with pytest.raises(ScheduleError):
        Weekday.parse("m")


@pytest.mark.parametrize(
    ("late", "expected"),
    [
        (timedelta(minutes=-1), "future"),
        (timedelta(0), "due"),
        (timedelta(hours=5, minutes=59), "late_within_grace"),
        (timedelta(hours=6, minutes=1), "too_late"),
    ],
)
def test_catch_up_policy(late: timedelta, expected: str) -> None:
    """A missed send goes out if at most the grace period late; older ones are skipped."""
    instant = datetime(2026, 11, 23, 8, tzinfo=UTC)
    assert classify_missed(instant, now=instant + late, grace=timedelta(hours=6)) == expected
