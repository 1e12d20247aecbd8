"""Rituals, their occurrences (who was asked each week, which stages are done), and skips.

Weeks are taken as `WeekId` and written as text (`2026-W48`) here, nowhere else.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, time
from typing import Any

from sqlalchemy import RowMapping, text
from sqlalchemy.ext.asyncio import AsyncConnection

from core.occurrence import Stage
from core.rituals import AudienceKind, Ritual
from core.schedule import Weekday
from core.weeks import WeekId
from storage.db import from_db_time, to_db_time

_COLUMNS = (
    "id, team_id, name, audience_kind, audience, weekday, at_time, tz, prompt_channel_id, dm,"
    " per_person_tz, prompt_text, reminder_weekday, reminder_time, digest_channel_id,"
    " digest_weekday, digest_time, quiet_week_post, paused, created_by, created_at"
)


def _hhmm(value: time | None) -> str | None:
    return value.strftime("%H:%M") if value is not None else None


def _params(ritual: Ritual, now: datetime) -> dict[str, Any]:
    return {
        "id": ritual.id,
        "team_id": ritual.team_id,
        "name": ritual.name,
        "audience_kind": ritual.audience_kind.value,
        "audience": ",".join(ritual.audience),
        "weekday": int(ritual.weekday),
        "at_time": _hhmm(ritual.at),
        "tz": ritual.tz,
        "prompt_channel_id": ritual.prompt_channel_id,
        "dm": int(ritual.dm),
        "per_person_tz": int(ritual.per_person_tz),
        "prompt_text": ritual.prompt_text,
        "reminder_weekday": int(ritual.reminder_weekday)
        if ritual.reminder_weekday is not None
        else None,
        "reminder_time": _hhmm(ritual.reminder_at),
        "digest_channel_id": ritual.digest_channel_id,
        "digest_weekday": int(ritual.digest_weekday),
        "digest_time": _hhmm(ritual.digest_at),
        "quiet_week_post": int(ritual.quiet_week_post),
        "paused": int(ritual.paused),
        "created_by": ritual.created_by,
        "created_at": to_db_time(ritual.created_at or now),
        "updated_at": to_db_time(now),
    }


def _from_row(row: RowMapping) -> Ritual:
    return Ritual(
        id=row["id"],
        team_id=row["team_id"],
        name=row["name"],
        audience_kind=AudienceKind(row["audience_kind"]),
        audience=tuple(part for part in row["audience"].split(",") if part),
        weekday=Weekday(row["weekday"]),
        at=time.fromisoformat(row["at_time"]),
        tz=row["tz"],
        prompt_channel_id=row["prompt_channel_id"],
        dm=bool(row["dm"]),
        per_person_tz=bool(row["per_person_tz"]),
        prompt_text=row["prompt_text"],
        reminder_weekday=Weekday(row["reminder_weekday"])
        if row["reminder_weekday"] is not None
        else None,
        reminder_at=time.fromisoformat(row["reminder_time"]) if row["reminder_time"] else None,
        digest_channel_id=row["digest_channel_id"],
        digest_weekday=Weekday(row["digest_weekday"]),
        digest_at=time.fromisoformat(row["digest_time"]),
        quiet_week_post=bool(row["quiet_week_post"]),
        paused=bool(row["paused"]),
        created_by=row["created_by"],
        created_at=from_db_time(row["created_at"]),
    )


async def insert_ritual(conn: AsyncConnection, ritual: Ritual, *, now: datetime) -> bool:
    """Store a new ritual; False when the team already has one with that name."""
    result = await conn.execute(
        text(
            f"INSERT INTO rituals ({_COLUMNS}, updated_at) VALUES (:id, :team_id, :name, :audience_kind,"
            " :audience, :weekday, :at_time, :tz, :prompt_channel_id, :dm, :per_person_tz, :prompt_text,"
            " :reminder_weekday, :reminder_time, :digest_channel_id, :digest_weekday, :digest_time,"
            " :quiet_week_post, :paused, :created_by, :created_at, :updated_at)"
            " ON CONFLICT (team_id, name) DO NOTHING"
        ),
        _params(ritual, now),
    )
    return result.rowcount == 1


async def update_ritual(conn: AsyncConnection, ritual: Ritual, *, now: datetime) -> bool:
    """Save a ritual's settings in place (not its creator or creation time); False when the team
    has another ritual with the new name."""
    clash = (
        await conn.execute(
            text("SELECT 1 FROM rituals WHERE team_id = :team AND name = :name AND id <> :id"),
            {"team": ritual.team_id, "name": ritual.name, "id": ritual.id},
        )
    ).first()
    if clash is not None:
        return False
    params = _params(ritual, now)
    settings = [
        column.strip()
        for column in _COLUMNS.split(",")
        if column.strip() not in ("id", "team_id", "created_by", "created_at")
    ]
    assignments = ", ".join(f"{column} = :{column}" for column in settings)
    await conn.execute(
        text(f"UPDATE rituals SET {assignments}, updated_at = :updated_at WHERE id = :id"), params
    )
    return True


async def set_paused(conn: AsyncConnection, ritual_id: str, paused: bool, *, now: datetime) -> None:
    """Pause or resume a ritual."""
    await conn.execute(
        text("UPDATE rituals SET paused = :paused, updated_at = :at WHERE id = :id"),
        {"paused": int(paused), "at": to_db_time(now), "id": ritual_id},
    )


async def delete_ritual(conn: AsyncConnection, ritual_id: str) -> None:
    """Remove a ritual with its occurrences and skips (sends stay, as history)."""
    await conn.execute(text("DELETE FROM rituals WHERE id = :id"), {"id": ritual_id})


async def list_rituals(conn: AsyncConnection, team_id: str | None = None) -> list[Ritual]:
    """Return rituals by name, of one team or all."""
    where, params = ("WHERE team_id = :team", {"team": team_id}) if team_id else ("", {})
    result = await conn.execute(
        text(f"SELECT {_COLUMNS} FROM rituals {where} ORDER BY name, id"), params
    )
    return [_from_row(row) for row in result.mappings()]


async def find_ritual(conn: AsyncConnection, ref: str) -> Ritual | None:
    """Return the ritual with this id, or else with this name."""
    result = await conn.execute(
        text(f"SELECT {_COLUMNS} FROM rituals WHERE id = :ref OR name = :ref ORDER BY id"),
        {"ref": ref},
    )
    rows = result.mappings().all()
    by_id = [row for row in rows if row["id"] == ref]
    chosen = by_id or rows
    return _from_row(chosen[0]) if len(chosen) == 1 else None


async def ensure_occurrence(
    conn: AsyncConnection, ritual_id: str, week: WeekId, audience: Sequence[str], *, now: datetime
) -> tuple[str, ...]:
    """Record who was asked this week (first writer wins) and return that audience."""
    await conn.execute(
        text(
            "INSERT INTO occurrences (ritual_id, week, audience, created_at) VALUES (:ritual, :week, :audience, :at)"
            " ON CONFLICT (ritual_id, week) DO NOTHING"
        ),
        {
            "ritual": ritual_id,
            "week": str(week),
            "audience": ",".join(audience),
            "at": to_db_time(now),
        },
    )
    found = await occurrence_audience(conn, ritual_id, week)
    return found if found is not None else tuple(audience)


async def occurrence_audience(
    conn: AsyncConnection, ritual_id: str, week: WeekId
) -> tuple[str, ...] | None:
    """Return who was asked in that week, or None when the ritual did not ask."""
    row = (
        await conn.execute(
            text("SELECT audience FROM occurrences WHERE ritual_id = :ritual AND week = :week"),
            {"ritual": ritual_id, "week": str(week)},
        )
    ).first()
    return tuple(part for part in row[0].split(",") if part) if row is not None else None


_STAGE_COLUMNS = {Stage.PROMPTS: "prompts_done_at", Stage.REMINDERS: "reminders_done_at"}


async def done_stages(conn: AsyncConnection, ritual_id: str, week: WeekId) -> frozenset[Stage]:
    """Return which of the occurrence's stages were recorded as done (the digest never is: its
    progress is its parts' sends)."""
    row = (
        await conn.execute(
            text(
                "SELECT prompts_done_at, reminders_done_at FROM occurrences"
                " WHERE ritual_id = :ritual AND week = :week"
            ),
            {"ritual": ritual_id, "week": str(week)},
        )
    ).first()
    if row is None:
        return frozenset()
    return frozenset(
        stage for stage, at in zip((Stage.PROMPTS, Stage.REMINDERS), row, strict=True) if at
    )


async def stage_done(conn: AsyncConnection, ritual_id: str, week: WeekId, stage: Stage) -> bool:
    """Tell whether the occurrence's prompts or reminders were all dealt with."""
    return stage in await done_stages(conn, ritual_id, week)


async def mark_stage_done(
    conn: AsyncConnection, ritual_id: str, week: WeekId, stage: Stage, *, now: datetime
) -> None:
    """Record that the occurrence's prompts or reminders were all dealt with."""
    column = _STAGE_COLUMNS.get(stage)
    if column is None:
        raise ValueError(f"the {stage} stage is kept in its sends, not marked done")
    await conn.execute(
        text(f"UPDATE occurrences SET {column} = :at WHERE ritual_id = :ritual AND week = :week"),
        {"ritual": ritual_id, "week": str(week), "at": to_db_time(now)},
    )


async def add_skip(
    conn: AsyncConnection, ritual_id: str, week: WeekId, user_id: str, *, now: datetime
) -> bool:
    """Record that a person skips this week; False if they already had."""
    result = await conn.execute(
        text(
            "INSERT INTO skips (ritual_id, week, user_id, created_at) VALUES (:ritual, :week, :user, :at)"
            " ON CONFLICT (ritual_id, week, user_id) DO NOTHING"
        ),
        {"ritual": ritual_id, "week": str(week), "user": user_id, "at": to_db_time(now)},
    )
    return result.rowcount == 1


async def skipped_users(conn: AsyncConnection, ritual_id: str, week: WeekId) -> set[str]:
    """Return who skipped this week."""
    result = await conn.execute(
        text("SELECT user_id FROM skips WHERE ritual_id = :ritual AND week = :week"),
        {"ritual": ritual_id, "week": str(week)},
    )
    return {row[0] for row in result}


async def answered_users(conn: AsyncConnection, ritual_id: str, week: WeekId) -> set[str]:
    """Return who shared an experiment for this ritual and week."""
    result = await conn.execute(
        text("SELECT DISTINCT user_id FROM experiments WHERE ritual_id = :ritual AND week = :week"),
        {"ritual": ritual_id, "week": str(week)},
    )
    return {row[0] for row in result}


def _without(listed: str, user_id: str) -> str:
    return ",".join(part for part in listed.split(",") if part and part != user_id)


async def forget_user(conn: AsyncConnection, team_id: str, user_id: str) -> None:
    """Remove a person from the team's rituals: audiences, who created them, skips.

    Occurrences keep who else was asked, so this week's reminders and the digest's share stay
    right for everyone else; the person is neither asked nor reminded again by these records.
    """
    params = {"team": team_id, "user": user_id, "like": f"%{user_id}%"}
    rituals = (
        await conn.execute(
            text(
                "SELECT id, audience, created_by FROM rituals WHERE team_id = :team"
                " AND (audience LIKE :like OR created_by = :user)"
            ),
            params,
        )
    ).all()
    for ritual_id, audience, created_by in rituals:
        await conn.execute(
            text("UPDATE rituals SET audience = :audience, created_by = :by WHERE id = :id"),
            {
                "audience": _without(audience, user_id),
                "by": "" if created_by == user_id else created_by,
                "id": ritual_id,
            },
        )
    occurrences = (
        await conn.execute(
            text(
                "SELECT o.ritual_id, o.week, o.audience FROM occurrences o"
                " JOIN rituals r ON r.id = o.ritual_id"
                " WHERE r.team_id = :team AND o.audience LIKE :like"
            ),
            params,
        )
    ).all()
    for ritual_id, week, audience in occurrences:
        await conn.execute(
            text(
                "UPDATE occurrences SET audience = :audience WHERE ritual_id = :ritual AND week = :week"
            ),
            {"audience": _without(audience, user_id), "ritual": ritual_id, "week": week},
        )
    await conn.execute(
        text(
            "DELETE FROM skips WHERE user_id = :user"
            " AND ritual_id IN (SELECT id FROM rituals WHERE team_id = :team)"
        ),
        params,
    )
