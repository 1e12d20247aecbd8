"""The model column on a real SQLite file: old rows keep working, drift counts come from SQL."""

from __future__ import annotations

from sqlalchemy import text

from core.drift import Tally
from core.model import Outcome
from storage import drift
from storage import experiments as repo
from storage.db import Database, to_db_time
from storage.migrate import current_version, load_migrations, migrate
from tests.conftest import NOW
from tests.factories import make_experiment


async def test_a_row_stored_before_the_model_column_reads_with_no_model(
    database_url: str,
) -> None:
    """Migration 0003 adds a nullable column: an older row keeps its tool text, model None."""
    db = Database.connect(database_url)
    try:
        await current_version(db)
        async with db.transaction() as conn:
            for migration in load_migrations()[:2]:
                for statement in migration.statements():
                    await conn.execute(text(statement))
            await conn.execute(
                text(
                    "INSERT INTO schema_migrations (version, name, applied_at)"
                    " VALUES (1, 'initial', 'x'), (2, 'rituals', 'x')"
                )
            )
            await conn.execute(
                text(
                    "INSERT INTO experiments (id, team_id, user_id, source, source_key, tool, work,"
                    " summary, surprise, failure, is_private, week, created_at, updated_at)"
                    " VALUES ('old', 'T1', 'U1', 'command', 'cmd:old', 'Claude 3.7 Sonnet', '',"
                    " 'from before', '', '', 0, '2026-W40', :at, :at)"
                ),
                {"at": to_db_time(NOW)},
            )
        await migrate(db, now=NOW)
        async with db.transaction() as conn:
            old = await repo.get_experiment(conn, "old")
        assert old is not None
        assert (old.tool, old.model, old.summary) == ("Claude 3.7 Sonnet", None, "from before")
    finally:
        await db.close()


async def test_drift_queries_count_by_product_and_week(db: Database) -> None:
    """First weeks per model and weekly tallies per product, shared entries of the team only."""
    rows = [
        make_experiment(tool="ChatGPT", model="GPT-4o", week="2026-W40", outcome=Outcome.WORKED),
        make_experiment(tool="ChatGPT", model="GPT-5", week="2026-W45"),
        make_experiment(tool="ChatGPT", model="GPT-5", week="2026-W44", private=True),
        make_experiment(
            tool="ChatGPT", model=None, week="2026-W45", outcome=Outcome.WORKED, failure_mode=None
        ),
        make_experiment(tool="ChatGPT", model="GPT-6", week="2026-W49"),  # after the digest
        make_experiment(tool="ChatGPT", model="GPT-5", week="2026-W41", team_id="T2"),
    ]
    async with db.transaction() as conn:
        for n, exp in enumerate(rows):
            await repo.insert_experiment(conn, exp, source_key=f"k{n}")
        first = await drift.model_first_weeks(conn, "T1", until="2026-W48")
        tallies = await drift.weekly_tallies(conn, "T1", first="2026-W41", last="2026-W48")
    assert sorted(first) == [("ChatGPT", "GPT-4o", "2026-W40"), ("ChatGPT", "GPT-5", "2026-W45")]
    assert tallies == {("ChatGPT", "2026-W45"): Tally(entries=2, failures=1)}
