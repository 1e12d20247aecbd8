"""Readers' answers and admins' pins, stored on both databases."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from core.model import Caught
from core.weeks import WeekId
from storage import digests, reactions, replications
from storage import experiments as repo
from storage.db import Database
from tests.conftest import NOW
from tests.factories import make_experiment

W48 = WeekId.parse("2026-W48")


async def test_one_answer_per_reader_per_entry_changeable_and_removable(db: Database) -> None:
    """Answering again replaces the answer; taking it back removes it; forget-me removes all."""
    async with db.transaction() as conn:
        await replications.answer(conn, "e1", "U1", reproduced=True, now=NOW)
        await replications.answer(conn, "e1", "U1", reproduced=False, now=NOW)
        await replications.answer(conn, "e1", "U2", reproduced=True, now=NOW)
        await replications.answer(conn, "e2", "U3", reproduced=True, now=NOW)
        await replications.answer(conn, "e3", "U1", reproduced=True, now=NOW)
        assert await replications.tallies(conn, ["e1", "e2", "e9"]) == {
            "e1": (1, 1),
            "e2": (1, 0),
        }
        await replications.take_back(conn, "e1", "U2")
        assert await replications.tallies(conn, ["e1"]) == {"e1": (0, 1)}
        await replications.forget_user(conn, "U1", ["e2"])  # U1 forgets; e2 was U1's entry
        assert await replications.tallies(conn, ["e1", "e2", "e3"]) == {}


async def test_a_new_pin_replaces_the_old_one(db: Database) -> None:
    """One pinned entry per ritual and week."""
    async with db.transaction() as conn:
        assert await digests.pinned_entry(conn, "r1", W48) is None
        await digests.pin_entry(conn, "r1", W48, "e1", pinned_by="U0ADMIN", now=NOW)
        await digests.pin_entry(conn, "r1", W48, "e2", pinned_by="U0ADMIN", now=NOW)
        assert await digests.pinned_entry(conn, "r1", W48) == "e2"
        assert await digests.pinned_entry(conn, "r1", W48.next()) is None


async def test_how_it_was_caught_and_the_next_try_are_stored_and_edited(db: Database) -> None:
    """Both fields round-trip; the next try is found for its author's week."""
    exp = make_experiment(caught=Caught.CUSTOMER, next_try="ask for sources")
    async with db.transaction() as conn:
        await repo.insert_experiment(conn, exp, source_key="k1")
        assert await repo.get_experiment(conn, exp.id) == exp
        await repo.update_experiment(conn, replace(exp, caught=None))
        stored = await repo.get_experiment(conn, exp.id)
        assert stored is not None
        assert (stored.caught, stored.next_try) == (None, "ask for sources")
        assert await repo.next_tries(conn, exp.team_id, [exp.user_id, "U9"], exp.week) == {
            exp.user_id: "ask for sources"
        }


async def _react(conn: Any, ts: str, user: str, emoji: str, at: str, present: bool = True) -> None:
    await reactions.record(
        conn,
        team_id="T1",
        channel_id="C1",
        message_ts=ts,
        user_id=user,
        reaction=emoji,
        present=present,
        event_ts=at,
        now=NOW,
    )


async def test_reactions_count_people_besides_the_author_and_forget_me_removes_them(
    db: Database,
) -> None:
    """Distinct people per entry, the author aside; the latest event wins; forget-me deletes."""
    exp = make_experiment(user_id="U1", channel_id="C1", message_ts="1.1")
    other = make_experiment(user_id="U2", channel_id="C1", message_ts="2.2")
    async with db.transaction() as conn:
        await repo.insert_experiment(conn, exp, source_key="k1")
        await repo.insert_experiment(conn, other, source_key="k2")
        for user, emoji in (("U1", "tada"), ("U2", "eyes"), ("U2", "100"), ("U3", "eyes")):
            await _react(conn, "1.1", user, emoji, "1700000000.000100")
        await _react(conn, "1.1", "U3", "eyes", "1700000000.000100")  # redelivered
        await _react(conn, "2.2", "U1", "eyes", "1700000000.000100")
        assert await reactions.people_per_entry(conn, [exp.id, other.id]) == {
            exp.id: 2,
            other.id: 1,
        }
        # U3's removal is handled, then a late copy of the earlier add: the removal stands.
        await _react(conn, "1.1", "U3", "eyes", "1700000009.5", present=False)
        await _react(conn, "1.1", "U3", "eyes", "1700000000.000100")
        assert await reactions.people_per_entry(conn, [exp.id]) == {exp.id: 1}
        await _react(conn, "1.1", "U3", "eyes", "1700000010.000001")  # added again, later
        assert await reactions.people_per_entry(conn, [exp.id]) == {exp.id: 2}
        await reactions.forget_user(conn, "U1", [("C1", "1.1")])  # U1 forgets: 1.1 was theirs
        assert await reactions.people_per_entry(conn, [exp.id, other.id]) == {}
