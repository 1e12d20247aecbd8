"""Digest layouts, kept per ritual and week: which keyed lines go in which part, never text.

The first writer wins, except that a layout may be replaced while its main post is not out.
Weeks are taken as `WeekId` and written as text here. Sends of kind `digest` whose recipient is
`notice:<user>` are admin notices stored by an older release, not parts: they are left alone.
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection

from core.weeks import WeekId
from storage.db import from_db_time, to_db_time

_ITEMS = ("surprise:", "failure:")  # the keys of lines that show one experiment


async def keep_parts(
    conn: AsyncConnection,
    ritual_id: str,
    week: WeekId,
    parts: list[dict[str, Any]],
    *,
    now: datetime,
    replace: bool = False,
) -> list[dict[str, Any]]:
    """Store the parts unless some are stored already (or `replace`); return the stored ones."""
    if replace:
        await conn.execute(
            text("UPDATE digests SET parts = :parts WHERE ritual_id = :ritual AND week = :week"),
            {"ritual": ritual_id, "week": str(week), "parts": json.dumps(parts)},
        )
    await conn.execute(
        text(
            "INSERT INTO digests (ritual_id, week, parts, created_at) VALUES (:ritual, :week, :parts, :at)"
            " ON CONFLICT (ritual_id, week) DO NOTHING"
        ),
        {
            "ritual": ritual_id,
            "week": str(week),
            "parts": json.dumps(parts),
            "at": to_db_time(now),
        },
    )
    stored = await load_parts(conn, ritual_id, week)
    return stored if stored is not None else parts


async def load_parts(
    conn: AsyncConnection, ritual_id: str, week: WeekId
) -> list[dict[str, Any]] | None:
    """Return the stored parts of a digest, if it was rendered."""
    row = (
        await conn.execute(
            text("SELECT parts FROM digests WHERE ritual_id = :ritual AND week = :week"),
            {"ritual": ritual_id, "week": str(week)},
        )
    ).first()
    if row is None:
        return None
    parts = json.loads(row[0])
    return parts if isinstance(parts, list) else None


async def posted_at(conn: AsyncConnection, ritual_id: str, week: WeekId) -> datetime | None:
    """When the main post of a ritual's digest for this week went out, if it did."""
    row = (
        await conn.execute(
            text(
                "SELECT MIN(finished_at) FROM sends WHERE ritual_id = :ritual AND week = :week"
                " AND kind = 'digest' AND status = 'sent' AND recipient LIKE :first"
            ),
            {"ritual": ritual_id, "week": str(week), "first": "%#1"},
        )
    ).first()
    return from_db_time(row[0]) if row is not None and row[0] else None


async def forget_digest(conn: AsyncConnection, ritual_id: str, week: WeekId) -> None:
    """Drop a digest and its sends, so it is rendered and posted afresh (`--force`)."""
    params = {"ritual": ritual_id, "week": str(week)}
    await conn.execute(
        text("DELETE FROM digests WHERE ritual_id = :ritual AND week = :week"), params
    )
    await conn.execute(
        text(
            "DELETE FROM sends WHERE ritual_id = :ritual AND week = :week AND kind = 'digest'"
            " AND recipient NOT LIKE 'notice:%'"
        ),
        params,
    )


async def reset_failed_parts(conn: AsyncConnection, ritual_id: str, week: WeekId) -> int:
    """Let failed digest parts be tried again; return how many were reset."""
    result = await conn.execute(
        text(
            "DELETE FROM sends WHERE ritual_id = :ritual AND week = :week AND kind = 'digest'"
            " AND status IN ('failed', 'skipped') AND recipient NOT LIKE 'notice:%'"
        ),
        {"ritual": ritual_id, "week": str(week)},
    )
    return result.rowcount


async def drop_entries(conn: AsyncConnection, experiment_ids: set[str]) -> int:
    """Remove these experiments from every kept layout; return how many digests changed."""
    if not experiment_ids:
        return 0
    changed = 0
    rows = (await conn.execute(text("SELECT ritual_id, week, parts FROM digests"))).all()
    for ritual_id, week, raw in rows:
        parts = json.loads(raw)
        if not isinstance(parts, list):
            continue
        touched = False
        for part in parts:
            for unit in part.get("units", []) if isinstance(part, dict) else []:
                keys = unit.get("keys", [])
                kept = [
                    k
                    for k in keys
                    if not (str(k).startswith(_ITEMS) and str(k).split(":", 1)[1] in experiment_ids)
                ]
                if len(kept) != len(keys):
                    unit["keys"], touched = kept, True
        if touched:
            changed += 1
            await conn.execute(
                text(
                    "UPDATE digests SET parts = :parts WHERE ritual_id = :ritual AND week = :week"
                ),
                {"parts": json.dumps(parts), "ritual": ritual_id, "week": week},
            )
    return changed
