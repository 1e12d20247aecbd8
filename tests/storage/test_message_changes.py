"""Tombstones and edit versions on real SQLite."""

from __future__ import annotations

from storage import message_changes as changes
from storage.db import Database
from tests.conftest import NOW


def test_edit_times_compare_as_numbers() -> None:
    """Slack's ts compares by value: 999.9 is older than 1000.1, and micros count."""
    assert changes.is_newer("1000.100000", "999.900000")
    assert changes.is_newer("1000.000002", "1000.000001")
    assert not changes.is_newer("1000.000001", "1000.000001")
    assert changes.is_newer("1.0", None)


async def test_a_tombstone_drops_a_kept_edit_and_forgetting_drops_the_author(db: Database) -> None:
    """A kept edit holds text until a deletion or forget-me; the tombstone itself stays."""
    async with db.transaction() as conn:
        await changes.record_edit(
            conn, "C1", "1.0", edited_ts="2.0", pending_text="kept", user_id="U1", now=NOW
        )
        await changes.record_edit(
            conn, "C1", "3.0", edited_ts="4.0", pending_text="other", user_id="U1", now=NOW
        )
        await changes.mark_deleted(conn, "C1", "1.0", now=NOW)
        await changes.forget_user(conn, "U1")
        assert await changes.get_change(conn, "C1", "1.0") == changes.MessageChange(
            deleted=True, edited_ts="2.0", pending_text=None
        )
        assert await changes.get_change(conn, "C1", "3.0") == changes.MessageChange(
            deleted=False, edited_ts="4.0", pending_text=None
        )
        assert await changes.get_change(conn, "C1", "9.0") is None
