"""People's profiles: job function, time zone override, DM prompts, pause, reply summaries."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection

from core.model import JobFunction, Profile
from storage.db import to_db_time


async def get_profile(conn: AsyncConnection, team_id: str, user_id: str) -> Profile:
    """Return the person's profile, or the defaults when they never set one."""
    row = (
        await conn.execute(
            text(
                "SELECT job_function, tz_override, dm_prompts, paused_until, reply_summaries"
                " FROM profiles"
                " WHERE team_id = :team AND user_id = :user"
            ),
            {"team": team_id, "user": user_id},
        )
    ).first()
    if row is None:
        return Profile(team_id=team_id, user_id=user_id)
    return Profile(
        team_id=team_id,
        user_id=user_id,
        job_function=JobFunction(row[0]) if row[0] else None,
        tz_override=row[1],
        dm_prompts=bool(row[2]),
        paused_until=date.fromisoformat(row[3]) if row[3] else None,
        reply_summaries=bool(row[4]),
    )


async def save_profile(conn: AsyncConnection, profile: Profile, *, now: datetime) -> None:
    """Insert or replace the person's profile."""
    params = {
        "team": profile.team_id,
        "user": profile.user_id,
        "job": profile.job_function.value if profile.job_function else None,
        "tz": profile.tz_override,
        "dm": 1 if profile.dm_prompts else 0,
        "paused": profile.paused_until.isoformat() if profile.paused_until else None,
        "summaries": 1 if profile.reply_summaries else 0,
        "at": to_db_time(now),
    }
    await conn.execute(
        text(
            "INSERT INTO profiles (team_id, user_id, job_function, tz_override, dm_prompts,"
            " paused_until, reply_summaries, created_at, updated_at)"
            " VALUES (:team, :user, :job, :tz, :dm, :paused, :summaries, :at, :at)"
            " ON CONFLICT (team_id, user_id) DO UPDATE SET job_function = :job,"
            " tz_override = :tz, dm_prompts = :dm, paused_until = :paused,"
            " reply_summaries = :summaries, updated_at = :at"
        ),
        params,
    )


async def delete_profile(conn: AsyncConnection, team_id: str, user_id: str) -> None:
    """Remove the person's profile."""
    await conn.execute(
        text("DELETE FROM profiles WHERE team_id = :team AND user_id = :user"),
        {"team": team_id, "user": user_id},
    )
