"""Experiments on a real SQLite file: idempotent capture, edits, per-person queries."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

from core.model import Outcome
from storage import experiments as repo
from storage.db import Database
from storage.events import claim_event
from tests.conftest import NOW
from tests.factories import make_experiment


async def test_round_trip_keeps_every_field(db: Database) -> None:
    """What is stored comes back equal, enums and instants included."""
    exp = make_experiment(
        permalink="https://x.slack.com/archives/C1/p1", channel_id="C1", message_ts="1.2"
    )
    async with db.transaction() as conn:
        assert await repo.insert_experiment(conn, exp, source_key="cmd:1")
        assert await repo.get_experiment(conn, exp.id) == exp


async def test_same_source_key_is_stored_once(db: Database) -> None:
    """A second capture of the same message or view is refused by the unique key."""
    async with db.transaction() as conn:
        assert await repo.insert_experiment(conn, make_experiment(), source_key="view:V1")
        assert not await repo.insert_experiment(conn, make_experiment(), source_key="view:V1")
        assert len(await repo.list_for_user(conn, "T1", "U1")) == 1


async def test_update_changes_fields_and_time(db: Database) -> None:
    """An edit overwrites the editable fields and moves `updated_at`."""
    exp = make_experiment()
    async with db.transaction() as conn:
        await repo.insert_experiment(conn, exp, source_key="cmd:2")
        edited = replace(
            exp, updated_at=NOW + timedelta(hours=1), tool="Claude", outcome=Outcome.WORKED
        )
        await repo.update_experiment(conn, edited)
        assert await repo.get_experiment(conn, exp.id) == edited


async def test_lists_newest_first_and_by_week(db: Database) -> None:
    """A person's list is newest first; a week's list leaves private entries out."""
    older = make_experiment(created_at=NOW - timedelta(days=8), week="2026-W47")
    newer = make_experiment(created_at=NOW)
    private = make_experiment(created_at=NOW + timedelta(minutes=1), private=True)
    async with db.transaction() as conn:
        for i, exp in enumerate((older, newer, private)):
            await repo.insert_experiment(conn, exp, source_key=f"cmd:{i}")
        assert [e.id for e in await repo.list_for_user(conn, "T1", "U1")] == [
            private.id,
            newer.id,
            older.id,
        ]
        assert [e.id for e in await repo.list_for_weeks(conn, "T1", ["2026-W48"])] == [newer.id]
        with_private = await repo.list_for_weeks(conn, "T1", ["2026-W48"], include_private=True)
        assert [e.id for e in with_private] == [newer.id, private.id]


async def test_delete_for_user_removes_only_theirs(db: Database) -> None:
    """Forgetting a person removes their experiments and nobody else's."""
    mine, theirs = make_experiment(), make_experiment(user_id="U2")
    async with db.transaction() as conn:
        await repo.insert_experiment(conn, mine, source_key="a")
        await repo.insert_experiment(conn, theirs, source_key="b")
        gone = await repo.delete_for_user(conn, "T1", "U1")
        assert [e.id for e in gone] == [mine.id]
        assert await repo.get_experiment(conn, theirs.id) == theirs


async def test_event_claim_is_first_delivery_only(db: Database) -> None:
    """An event id is claimed once; a retry of the same envelope is recognised."""
    async with db.transaction() as conn:
        assert await claim_event(conn, "Ev1", "message", now=NOW)
    async with db.transaction() as conn:
        assert not await claim_event(conn, "Ev1", "message", now=NOW)


async def test_claim_rolls_back_with_failed_work(db: Database) -> None:
    """A claim made in a transaction that fails is undone, so Slack's retry does the work."""
    try:
        async with db.transaction() as conn:
            assert await claim_event(conn, "Ev2", "message", now=NOW)
            raise RuntimeError("crash while storing")
    except RuntimeError:
        pass
    async with db.transaction() as conn:
        assert await claim_event(conn, "Ev2", "message", now=NOW)


async def test_the_model_is_stored_apart_from_the_tool(db: Database) -> None:
    """Product and model round-trip as two fields; an edit can change or clear the model."""
    exp = make_experiment(tool="ChatGPT", model="GPT-5")
    async with db.transaction() as conn:
        await repo.insert_experiment(conn, exp, source_key="cmd:model")
        assert await repo.get_experiment(conn, exp.id) == exp
        cleared = replace(exp, updated_at=NOW + timedelta(hours=1), model=None)
        await repo.update_experiment(conn, cleared)
        stored = await repo.get_experiment(conn, exp.id)
    assert stored is not None
    assert (stored.tool, stored.model) == ("ChatGPT", None)


async def test_history_before_asks_only_about_this_weeks_names(db: Database) -> None:
    """Tools and people seen before the week, shared only, answered for the names asked about."""
    rows = [
        make_experiment(tool="Claude", user_id="U1", week="2026-W40"),
        make_experiment(tool="Copilot", user_id="U2", week="2026-W40", private=True),
        make_experiment(tool="Cursor", user_id="U3", week="2026-W48"),
        make_experiment(tool="Gemini", user_id="U4", week="2026-W49"),
        make_experiment(tool="Claude", user_id="U5", week="2026-W41", team_id="T2"),
    ]
    async with db.transaction() as conn:
        for i, exp in enumerate(rows):
            await repo.insert_experiment(conn, exp, source_key=f"cmd:h{i}")
    asked_tools = {"Claude", "Copilot", "Cursor", "Gemini", "ChatGPT"}
    asked_users = {"U1", "U2", "U3", "U4", "U5", "U6"}
    async with db.read() as conn:
        tools, users = await repo.history_before(
            conn, "T1", "2026-W48", tools=asked_tools, users=asked_users
        )
        every_tool, every_user = await repo.history_before(conn, "T1", "2026-W48")
    assert (tools, users) == (frozenset({"Claude"}), frozenset({"U1"}))
    assert (tools, users) == (every_tool & asked_tools, every_user & asked_users)


async def test_week_groups_count_shared_entries_by_person_and_tool(db: Database) -> None:
    """The weeks before a digest are counted in SQL: the ritual's and unattached, shared only."""
    rows = [
        make_experiment(tool="Claude", week="2026-W47", ritual_id="R1"),
        make_experiment(tool="Claude", week="2026-W47", ritual_id="R1", failure=""),
        make_experiment(tool=None, week="2026-W47", user_id="U2"),
        make_experiment(tool="Claude", week="2026-W47", ritual_id="R2"),
        make_experiment(tool="Claude", week="2026-W47", private=True),
        make_experiment(tool="Claude", week="2026-W40", ritual_id="R1"),
    ]
    async with db.transaction() as conn:
        for i, exp in enumerate(rows):
            await repo.insert_experiment(conn, exp, source_key=f"cmd:g{i}")
    async with db.read() as conn:
        groups = await repo.week_groups(conn, "T1", ["2026-W47"], ritual_id="R1")
    counted = sorted((g.ritual_id or "", g.user_id, g.tool or "", g.entries) for g in groups)
    assert counted == [("", "U2", "", 1), ("R1", "U1", "Claude", 2)]
    [claude] = [g for g in groups if g.tool == "Claude"]
    assert claude.failures == 2  # both name a failure mode or an outcome of failed


async def test_anonymity_round_trips_and_hides_prior_sharers(db: Database) -> None:
    """`anonymous` is stored and edited; an anonymous entry names its tool but not its author as a
    prior sharer, so a later first entry under one's name is welcomed like any first one."""
    exp = make_experiment(anonymous=True, user_id="U9", week="2026-W47", tool="Cursor")
    async with db.transaction() as conn:
        await repo.insert_experiment(conn, exp, source_key="cmd:anon")
        assert (await repo.get_experiment(conn, exp.id)) == exp
        tools, people = await repo.history_before(conn, "T1", "2026-W48")
        assert ("Cursor" in tools, "U9" in people) == (True, False)
        await repo.update_experiment(conn, replace(exp, anonymous=False))
        _, people = await repo.history_before(conn, "T1", "2026-W48")
        assert "U9" in people
