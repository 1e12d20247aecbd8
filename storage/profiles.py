"""People's profiles: job function, time zone override, DM prompts, pause, reply summaries."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from enum import StrEnum

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


async def job_functions(
    conn: AsyncConnection, team_id: str, user_ids: Sequence[str]
) -> dict[str, JobFunction | None]:
    """Return the job function of each of these people (None when not set)."""
    found: dict[str, JobFunction | None] = dict.fromkeys(user_ids)
    if not user_ids:
        return found
    names = {f"u{i}": user for i, user in enumerate(user_ids)}
    placeholders = ", ".join(f":{name}" for name in names)
    result = await conn.execute(
        # Only generated placeholder names go into the text; values travel as parameters.
        text(
            "SELECT user_id, job_function FROM profiles"
            f" WHERE team_id = :team AND user_id IN ({placeholders})"
        ),
        {"team": team_id, **names},
    )
    for user, job in result.all():
        found[user] = JobFunction(job) if job else None
    return found


class FunctionQuestion(StrEnum):
    """How the one-time question about a person's job function stands (`profiles.function_question`)."""

    ASKED = "asked"
    ANSWERED = "answered"
    DISMISSED = "dismissed"


async def may_ask_function(conn: AsyncConnection, team_id: str, user_id: str) -> bool:
    """Tell, by reading only, whether the question may still be asked (no function, never asked)."""
    row = (
        await conn.execute(
            text(
                "SELECT job_function, function_question FROM profiles"
                " WHERE team_id = :team AND user_id = :user"
            ),
            {"team": team_id, "user": user_id},
        )
    ).first()
    return row is None or (row[0] is None and row[1] is None)


async def claim_function_question(
    conn: AsyncConnection, team_id: str, user_id: str, *, now: datetime
) -> bool:
    """Mark the question as asked; True only for the one caller that may ask it.

    It is asked once: never when the person has a job function, nor after it was asked.
    """
    at = to_db_time(now)
    await conn.execute(
        text(
            "INSERT INTO profiles (team_id, user_id, created_at, updated_at)"
            " VALUES (:team, :user, :at, :at) ON CONFLICT (team_id, user_id) DO NOTHING"
        ),
        {"team": team_id, "user": user_id, "at": at},
    )
    result = await conn.execute(
        text(
            "UPDATE profiles SET function_question = :asked"
            " WHERE team_id = :team AND user_id = :user"
            " AND function_question IS NULL AND job_function IS NULL"
        ),
        {"asked": FunctionQuestion.ASKED.value, "team": team_id, "user": user_id},
    )
    return result.rowcount == 1


async def set_function_question(
    conn: AsyncConnection, team_id: str, user_id: str, state: FunctionQuestion | None
) -> None:
    """Record how the question ended (None: not asked after all, it could not be delivered)."""
    await conn.execute(
        text(
            "UPDATE profiles SET function_question = :state"
            " WHERE team_id = :team AND user_id = :user"
        ),
        {"state": state.value if state else None, "team": team_id, "user": user_id},
    )


async def function_question(
    conn: AsyncConnection, team_id: str, user_id: str
) -> FunctionQuestion | None:
    """Return how the question stands for this person (None: never asked)."""
    row = (
        await conn.execute(
            text(
                "SELECT function_question FROM profiles WHERE team_id = :team AND user_id = :user"
            ),
            {"team": team_id, "user": user_id},
        )
    ).first()
    return FunctionQuestion(row[0]) if row is not None and row[0] is not None else None
