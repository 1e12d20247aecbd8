"""Emoji reactions on entries' messages: kept per person and emoji, counted per entry.

Rules:
- A reaction is stored once (`ON CONFLICT DO NOTHING`: Slack may deliver an event twice) and
  deleted when removed; events for any message are kept, since the reply may be captured after.
- An entry's count is the number of distinct people who reacted to its message, its author
  not counted.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection

from storage.db import to_db_time


async def add(
    conn: AsyncConnection,
    *,
    team_id: str,
    channel_id: str,
    message_ts: str,
    user_id: str,
    reaction: str,
    now: datetime,
) -> None:
    """Keep one person's reaction on one message."""
    await conn.execute(
        text(
            "INSERT INTO reactions (team_id, channel_id, message_ts, user_id, reaction, reacted_at)"
            " VALUES (:team, :channel, :ts, :user, :reaction, :at)"
            " ON CONFLICT (channel_id, message_ts, user_id, reaction) DO NOTHING"
        ),
        {
            "team": team_id,
            "channel": channel_id,
            "ts": message_ts,
            "user": user_id,
            "reaction": reaction[:100],
            "at": to_db_time(now),
        },
    )


async def remove(
    conn: AsyncConnection, *, channel_id: str, message_ts: str, user_id: str, reaction: str
) -> None:
    """Forget one person's reaction on one message."""
    await conn.execute(
        text(
            "DELETE FROM reactions WHERE channel_id = :channel AND message_ts = :ts"
            " AND user_id = :user AND reaction = :reaction"
        ),
        {"channel": channel_id, "ts": message_ts, "user": user_id, "reaction": reaction[:100]},
    )


async def people_per_entry(conn: AsyncConnection, experiment_ids: Iterable[str]) -> dict[str, int]:
    """How many people (the author aside) reacted to each entry's message."""
    ids = sorted(set(experiment_ids))
    if not ids:
        return {}
    names = {f"e{i}": exp for i, exp in enumerate(ids)}
    placeholders = ", ".join(f":{name}" for name in names)
    result = await conn.execute(
        text(
            "SELECT e.id, COUNT(DISTINCT r.user_id) FROM experiments e JOIN reactions r"
            " ON r.channel_id = e.channel_id AND r.message_ts = e.message_ts"
            f" WHERE e.id IN ({placeholders}) AND r.user_id <> e.user_id GROUP BY e.id"
        ),
        names,
    )
    return {str(exp): int(count) for exp, count in result.all()}


async def forget_user(
    conn: AsyncConnection, user_id: str, messages: Iterable[tuple[str, str]]
) -> None:
    """Delete a person's reactions, and every reaction on their entries' messages."""
    await conn.execute(text("DELETE FROM reactions WHERE user_id = :user"), {"user": user_id})
    for channel_id, message_ts in messages:
        await conn.execute(
            text("DELETE FROM reactions WHERE channel_id = :channel AND message_ts = :ts"),
            {"channel": channel_id, "ts": message_ts},
        )
