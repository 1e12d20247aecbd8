"""The inbox table on real SQLite: one row per request, leases, retries, pruning."""

from __future__ import annotations

from datetime import timedelta

from storage import inbox
from storage.db import Database
from storage.inbox import InboxStatus
from tests.conftest import NOW

LEASE = timedelta(minutes=2)


async def test_a_redelivered_request_is_one_row(db: Database) -> None:
    """Writing the same id twice keeps the first body and says the second was a repeat."""
    async with db.transaction() as conn:
        assert await inbox.put(conn, "event:Ev1", "event", '{"n": 1}', now=NOW)
        assert not await inbox.put(conn, "event:Ev1", "event", '{"n": 2}', now=NOW)
        [row] = await inbox.take(conn, 10, now=NOW, lease=LEASE)
    assert (row.id, row.body, row.attempts) == ("event:Ev1", '{"n": 1}', 1)


async def test_a_leased_row_is_taken_by_nobody_else_until_the_lease_ends(db: Database) -> None:
    """Oldest first; a live lease hides the row; a lapsed one frees it and counts another attempt."""
    async with db.transaction() as conn:
        await inbox.put(conn, "command:b", "command", "{}", now=NOW + timedelta(seconds=1))
        await inbox.put(conn, "command:a", "command", "{}", now=NOW)
        first = await inbox.take(conn, 1, now=NOW, lease=LEASE)
        second = await inbox.take(conn, 5, now=NOW, lease=LEASE)
        none_yet = await inbox.take(conn, 5, now=NOW + timedelta(minutes=1), lease=LEASE)
        again = await inbox.take(conn, 5, now=NOW + timedelta(minutes=3), lease=LEASE)
    assert [r.id for r in first] == ["command:a"]
    assert [r.id for r in second] == ["command:b"]
    assert none_yet == []
    assert [(r.id, r.attempts) for r in again] == [("command:a", 2), ("command:b", 2)]


async def test_finished_rows_are_never_taken_and_pruned_after_retention(db: Database) -> None:
    """Done and failed rows stay until the cutoff; a row waiting for its retry is kept and due later."""
    async with db.transaction() as conn:
        for key in ("done", "failed", "retry"):
            await inbox.put(conn, key, "event", "{}", now=NOW)
        await inbox.take(conn, 3, now=NOW, lease=LEASE)
        await inbox.finish(conn, "done", now=NOW)
        await inbox.finish(conn, "failed", now=NOW, status=InboxStatus.FAILED, error="boom")
        await inbox.retry_at(conn, "retry", NOW + timedelta(seconds=30), error="busy")
        assert await inbox.due(conn, now=NOW) == 0
        assert await inbox.due(conn, now=NOW + timedelta(seconds=30)) == 1
        assert await inbox.prune(conn, NOW) == 0
        assert await inbox.prune(conn, NOW + timedelta(hours=1)) == 2
        assert await inbox.counts(conn) == {"pending": 1}


async def test_released_rows_are_free_at_once(db: Database) -> None:
    """Rows handed back at shutdown are taken again without waiting out their lease."""
    async with db.transaction() as conn:
        await inbox.put(conn, "event:Ev9", "event", "{}", now=NOW)
        await inbox.take(conn, 1, now=NOW, lease=LEASE)
        await inbox.release(conn, ["event:Ev9"])
        assert [r.id for r in await inbox.take(conn, 1, now=NOW, lease=LEASE)] == ["event:Ev9"]


async def test_a_group_is_written_in_one_statement_and_redeliveries_are_told_apart(
    db: Database,
) -> None:
    async with db.transaction() as conn:
        assert await inbox.put(conn, "event:E1", "event", "{}", now=NOW)
        new = await inbox.put_many(
            conn,
            [
                ("event:E1", "event", "{}", "U1"),
                ("event:E2", "event", "{}", "U1"),
                ("command:T1", "command", "{}", None),
            ],
            now=NOW,
        )
        assert new == {"event:E2", "command:T1"}
        taken = await inbox.take(conn, 10, now=NOW, lease=timedelta(minutes=1))
        assert [row.id for row in taken] == ["command:T1", "event:E1", "event:E2"]  # by time, id
        await inbox.finish_many(conn, ["event:E1", "event:E2"], now=NOW)
        assert await inbox.counts(conn) == {"done": 2, "pending": 1}
