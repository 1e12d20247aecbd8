"""The digest's weeks before, counted in SQL, say what loading every entry said."""

from __future__ import annotations

from datetime import time, timedelta

from core.digest import build_digest
from core.model import Experiment, Outcome
from core.rituals import AudienceKind, Ritual
from core.schedule import Weekday
from core.weeks import WeekId
from services import digests
from services.deps import Deps
from storage import experiments as repo
from storage import rituals as ritual_repo
from storage.db import Database
from tests.conftest import NOW
from tests.factories import make_experiment

WEEK = WeekId.parse("2026-W48")
RITUAL = Ritual(
    id="R1",
    team_id="T1",
    name="Leaders",
    audience_kind=AudienceKind.USERS,
    audience=("U1", "U2", "U3"),
    weekday=Weekday.MON,
    at=time(9),
    tz="UTC",
    dm=True,
    created_at=NOW - timedelta(days=400),
)


def history() -> list[Experiment]:
    """Five weeks of entries: the ritual's, another ritual's, unattached, private, by guests."""
    rows: list[Experiment] = []
    for back in range(5):
        week = str(WEEK.shift(-back))
        for n in range(6):
            failed = (n + back) % 3 != 0
            rows.append(
                make_experiment(
                    week=week,
                    user_id=f"U{1 + n % 4}",
                    tool=(None, "Claude", "Copilot")[n % 3],
                    outcome=Outcome.FAILED if failed else Outcome.WORKED,
                    failure_mode=None,
                    failure="it broke" if failed and n % 2 else "",
                    ritual_id=("R1", "R2", None)[(n + back) % 3],
                    private=n == 5 and back == 2,
                )
            )
    # Rising this week: Copilot fails often now, rarely before.
    rows += [
        make_experiment(week=str(WEEK), tool="Copilot", ritual_id="R1", user_id="U1")
        for _ in range(4)
    ]
    rows.append(make_experiment(week="2026-W30", tool="Gemini", ritual_id="R1", user_id="U9"))
    return rows


async def test_counted_weeks_before_match_loaded_ones(db: Database) -> None:
    rows = history()
    async with db.transaction() as conn:
        await ritual_repo.insert_ritual(conn, RITUAL, now=NOW - timedelta(days=400))
        for back in range(5):
            await ritual_repo.ensure_occurrence(
                conn, RITUAL.id, WEEK.shift(-back), ["U1", "U2"], now=NOW
            )
        for i, exp in enumerate(rows):
            await repo.insert_experiment(conn, exp, source_key=f"cmd:dh{i}")

    digest, _sharers = await digests.gather(Deps(db=db), RITUAL, WEEK)

    # What the digest was built from before: every entry of the five weeks, loaded.
    weeks = [WEEK, *WEEK.trailing(4)]
    async with db.read() as conn:
        loaded = await repo.list_for_weeks(conn, "T1", [str(w) for w in weeks])
        audiences = {str(w): await ritual_repo.occurrence_audience(conn, "R1", w) for w in weeks}
        every_tool, every_user = await repo.history_before(conn, "T1", str(WEEK))
    by_week: dict[str, list[Experiment]] = {str(w): [] for w in weeks}
    for exp in loaded:
        if digests._belongs(exp, RITUAL, audiences.get(exp.week)):
            by_week[exp.week].append(exp)
    trailing = WEEK.trailing(4)
    expected = build_digest(
        week=str(WEEK),
        ritual_name=RITUAL.name,
        experiments=by_week[str(WEEK)],
        previous_week=by_week[str(trailing[-1])],
        trailing={str(w): by_week[str(w)] for w in trailing},
        known_tools=every_tool,
        prior_sharers=every_user,
        audience=audiences.get(str(WEEK)),
        drift=digest.drift,
    )
    assert digest.rising == expected.rising
    assert digest.previous == expected.previous
    assert (digest.first_tried, digest.first_time) == (expected.first_tried, expected.first_time)
    assert digest.rising  # the comparison covers a rising tool
    assert digest.previous.experiments > 0
