"""Deletions and edits of followed messages, keyed by the message (channel and ts).

Rules:
- A deletion is final: its tombstone stays (until pruned, long after Slack's retries), the
  message is never captured afterwards, and no later edit revives it.
- Edits are versioned by Slack's `message.edited.ts`: an edit only applies when it is newer
  than the newest one seen, whatever order the events arrive in.
- An edit of a reply not captured yet is kept with its text until the capture takes it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection

from storage.db import to_db_time


@dataclass(frozen=True)
class MessageChange:
    deleted: bool
    edited_ts: str | None
    pending_text: str | None


def _ts_order(ts: str) -> tuple[int, int]:
    # Slack's ts is "seconds.micros"; compare as numbers, not as strings.
    seconds, _, micros = ts.partition(".")
    try:
        return int(seconds or 0), int((micros or "0").ljust(6, "0")[:6])
    except ValueError:
        return 0, 0


def is_newer(ts: str, than: str | None) -> bool:
    """Tell whether the edit at `ts` is newer than the one at `than` (None: no edit yet)."""
    return than is None or _ts_order(ts) > _ts_order(than)


async def get_change(conn: AsyncConnection, channel_id: str, ts: str) -> MessageChange | None:
    """Return what is known to have happened to a message, if anything."""
    row = (
        await conn.execute(
            text(
                "SELECT deleted, edited_ts, pending_text FROM message_changes"
                " WHERE channel_id = :channel AND message_ts = :ts"
            ),
            {"channel": channel_id, "ts": ts},
        )
    ).first()
    if row is None:
        return None
    return MessageChange(deleted=bool(row[0]), edited_ts=row[1], pending_text=row[2])


async def mark_deleted(conn: AsyncConnection, channel_id: str, ts: str, *, now: datetime) -> None:
    """Leave a tombstone for a deleted message (and drop any edit kept for it)."""
    await conn.execute(
        text(
            "INSERT INTO message_changes (channel_id, message_ts, deleted, updated_at)"
            " VALUES (:channel, :ts, 1, :at)"
            " ON CONFLICT (channel_id, message_ts) DO UPDATE SET deleted = 1,"
            " pending_text = NULL, user_id = NULL, updated_at = :at"
        ),
        {"channel": channel_id, "ts": ts, "at": to_db_time(now)},
    )


async def record_edit(
    conn: AsyncConnection,
    channel_id: str,
    ts: str,
    *,
    edited_ts: str,
    pending_text: str | None,
    user_id: str | None,
    now: datetime,
) -> None:
    """Remember the newest edit of a message; with its text while the message is not captured."""
    await conn.execute(
        text(
            "INSERT INTO message_changes (channel_id, message_ts, deleted, edited_ts, pending_text,"
            " user_id, updated_at) VALUES (:channel, :ts, 0, :edited, :pending, :user, :at)"
            " ON CONFLICT (channel_id, message_ts) DO UPDATE SET edited_ts = :edited,"
            " pending_text = :pending, user_id = :user, updated_at = :at"
        ),
        {
            "channel": channel_id,
            "ts": ts,
            "edited": edited_ts,
            "pending": pending_text,
            "user": user_id,
            "at": to_db_time(now),
        },
    )


async def take_pending(conn: AsyncConnection, channel_id: str, ts: str) -> None:
    """Drop the kept text of an edit once the capture has used it."""
    await conn.execute(
        text(
            "UPDATE message_changes SET pending_text = NULL, user_id = NULL"
            " WHERE channel_id = :channel AND message_ts = :ts"
        ),
        {"channel": channel_id, "ts": ts},
    )


async def forget_user(conn: AsyncConnection, user_id: str) -> None:
    """Drop a person's kept edits (tombstones and edit times stay, without them)."""
    await conn.execute(
        text(
            "UPDATE message_changes SET pending_text = NULL, user_id = NULL WHERE user_id = :user"
        ),
        {"user": user_id},
    )


async def forget_changes_before(conn: AsyncConnection, cutoff: datetime) -> int:
    """Drop what is known about messages untouched since `cutoff`; return how many went."""
    result = await conn.execute(
        text("DELETE FROM message_changes WHERE updated_at < :cutoff"),
        {"cutoff": to_db_time(cutoff)},
    )
    return result.rowcount
