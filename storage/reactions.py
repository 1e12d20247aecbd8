"""Emoji reactions on entries' messages: kept per person and emoji, counted per entry.

Rules:
- One row per person, message and emoji, set present or removed by the event with the latest
  `event_ts`: a redelivered or late event changes nothing, and an add and its removal handled
  out of order end removed. Events for any message are kept: the reply may be captured after.
- An entry's count is the number of distinct people who reacted to its message, its author
  not counted.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection

from storage.db import to_db_time


async def record(
    conn: AsyncConnection,
    *,
    team_id: str,
    channel_id: str,
    message_ts: str,
    user_id: str,
    reaction: str,
    present: bool,
    event_ts: str,
    now: datetime,
) -> None:
    """Set one person's reaction on one message as added or removed, unless a later event did."""
    await conn.execute(
        text(
            "INSERT INTO reactions (team_id, channel_id, message_ts, user_id, reaction, present,"
            " event_ts, updated_at) VALUES (:team, :channel, :ts, :user, :reaction, :present,"
            " :event_ts, :at) ON CONFLICT (channel_id, message_ts, user_id, reaction) DO UPDATE"
            " SET present = excluded.present, event_ts = excluded.event_ts,"
            " updated_at = excluded.updated_at WHERE reactions.event_ts < excluded.event_ts"
        ),
        {
            "team": team_id,
            "channel": channel_id,
            "ts": message_ts,
            "user": user_id,
            "reaction": reaction[:100],
            "present": 1 if present else 0,
            "event_ts": _sortable(event_ts),
            "at": to_db_time(now),
        },
    )


def _sortable(event_ts: str) -> str:
    """Slack's "seconds.micros" as text that sorts as time does (zero-padded seconds)."""
    seconds, _, micros = event_ts.partition(".")
    return f"{seconds.zfill(12)}.{micros.ljust(6, '0')}"


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
            f" WHERE e.id IN ({placeholders}) AND r.present = 1 AND r.user_id <> e.user_id"
            " GROUP BY e.id"
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
