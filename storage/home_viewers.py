"""Who has opened their App Home (`services.home`): one row per person, with the last time."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection

from storage.db import to_db_time


async def note_opened(conn: AsyncConnection, team_id: str, user_id: str, *, now: datetime) -> None:
    """Record that the person has their Home tab open (one upsert)."""
    await conn.execute(
        text(
            "INSERT INTO home_viewers (team_id, user_id, last_opened_at) VALUES (:team, :user, :at)"
            " ON CONFLICT (team_id, user_id) DO UPDATE SET last_opened_at = :at"
        ),
        {"team": team_id, "user": user_id, "at": to_db_time(now)},
    )


async def has_opened(conn: AsyncConnection, team_id: str, user_id: str) -> bool:
    """Whether the person has ever opened their Home tab (one primary-key read)."""
    row = (
        await conn.execute(
            text("SELECT 1 FROM home_viewers WHERE team_id = :team AND user_id = :user"),
            {"team": team_id, "user": user_id},
        )
    ).first()
    return row is not None


async def forget_user(conn: AsyncConnection, team_id: str, user_id: str) -> None:
    """Forget that the person ever opened Home (their data is being deleted)."""
    await conn.execute(
        text("DELETE FROM home_viewers WHERE team_id = :team AND user_id = :user"),
        {"team": team_id, "user": user_id},
    )
