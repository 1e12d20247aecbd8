"""The chart's counts come from one GROUP BY: per week and tool, unattached entries per author."""

from __future__ import annotations

from datetime import time

from core.chart_data import WeekCount
from core.model import Outcome
from core.rituals import AudienceKind, Ritual
from core.schedule import Weekday
from core.weeks import WeekId
from storage import charts, rituals
from storage import experiments as repo
from storage.db import Database
from tests.conftest import NOW
from tests.factories import make_experiment

RITUAL = Ritual(
    id="r1",
    team_id="T1",
    name="Leaders",
    audience_kind=AudienceKind.USERS,
    audience=("U1", "U2"),
    weekday=Weekday.MON,
    at=time(9, 0),
    tz="Europe/Berlin",
    prompt_channel_id="C1",
)


async def test_counts_are_grouped_by_week_and_tool(db: Database) -> None:
    """Private entries, other rituals and weeks outside the range are not counted."""
    stored = [
        make_experiment(ritual_id="r1", tool="Claude"),  # a failure
        make_experiment(ritual_id="r1", tool="Claude", outcome=Outcome.WORKED, failure_mode=None),
        make_experiment(ritual_id="r1", tool="Claude", week="2026-W41", outcome=Outcome.MIXED),
        make_experiment(ritual_id="r1", tool=None, outcome=None, failure_mode=None),
        make_experiment(ritual_id="r1", tool="Claude", private=True),
        make_experiment(ritual_id="r2", tool="Claude"),
        make_experiment(ritual_id="r1", tool="Claude", week="2026-W40"),
        make_experiment(ritual_id=None, user_id="U2", tool="Cursor"),
        make_experiment(ritual_id=None, user_id="U2", tool="Cursor", failure="slow"),
        make_experiment(ritual_id="r1", tool="Claude", team_id="T2"),
    ]
    async with db.transaction() as conn:
        for n, exp in enumerate(stored):
            await repo.insert_experiment(conn, exp, source_key=f"cmd:{n}")
        found = await charts.weekly_counts(conn, "T1", "r1", first="2026-W41", last="2026-W48")
    assert sorted(found, key=repr) == sorted(
        [
            WeekCount("2026-W48", "Claude", entries=2, failures=1),
            WeekCount("2026-W41", "Claude", entries=1, failures=1),
            WeekCount("2026-W48", None, entries=1, failures=0),
            WeekCount("2026-W48", "Cursor", entries=2, failures=2, author="U2"),
        ],
        key=repr,
    )


async def test_audiences_are_read_per_week(db: Database) -> None:
    """Who the ritual asked, for each of its weeks in the range."""
    async with db.transaction() as conn:
        await rituals.insert_ritual(conn, RITUAL, now=NOW)
        for week, people in (
            ("2026-W40", ["U9"]),
            ("2026-W47", ["U1"]),
            ("2026-W48", ["U1", "U2"]),
        ):
            await rituals.ensure_occurrence(conn, "r1", WeekId.parse(week), people, now=NOW)
        found = await charts.audiences(conn, "r1", first="2026-W41", last="2026-W48")
    assert found == {"2026-W47": ("U1",), "2026-W48": ("U1", "U2")}
