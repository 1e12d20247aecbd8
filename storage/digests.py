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

_ITEMS = (
    "entry:",
    "caught:",
    "surprise:",
    "failure:",
)  # the keys of lines that show one experiment


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


async def pin_entry(
    conn: AsyncConnection,
    ritual_id: str,
    week: WeekId,
    experiment_id: str,
    *,
    pinned_by: str,
    now: datetime,
) -> None:
    """Choose the entry that leads a ritual's week in the digest (one per week; a new pin wins)."""
    params = {
        "ritual": ritual_id,
        "week": str(week),
        "exp": experiment_id,
        "by": pinned_by,
        "at": to_db_time(now),
    }
    await conn.execute(
        text(
            "INSERT INTO digest_pins (ritual_id, week, experiment_id, pinned_by, pinned_at)"
            " VALUES (:ritual, :week, :exp, :by, :at) ON CONFLICT (ritual_id, week) DO UPDATE"
            " SET experiment_id = excluded.experiment_id, pinned_by = excluded.pinned_by,"
            " pinned_at = excluded.pinned_at"
        ),
        params,
    )


async def pinned_entry(conn: AsyncConnection, ritual_id: str, week: WeekId) -> str | None:
    """The entry an admin pinned for this ritual's week, if any."""
    row = (
        await conn.execute(
            text(
                "SELECT experiment_id FROM digest_pins WHERE ritual_id = :ritual AND week = :week"
            ),
            {"ritual": ritual_id, "week": str(week)},
        )
    ).first()
    return str(row[0]) if row is not None else None


async def part_at(
    conn: AsyncConnection, channel_id: str, ts: str
) -> tuple[str, WeekId, int] | None:
    """Which digest part is the message at (channel, ts): its ritual, week and part number."""
    row = (
        await conn.execute(
            text(
                "SELECT ritual_id, week, recipient FROM sends WHERE channel_id = :channel"
                " AND ts = :ts AND kind = 'digest' AND recipient NOT LIKE 'notice:%'"
            ),
            {"channel": channel_id, "ts": ts},
        )
    ).first()
    if row is None:
        return None
    _channel, sep, number = str(row[2]).rpartition("#")
    if not sep or not number.isdigit():
        return None
    return str(row[0]), WeekId.parse(str(row[1])), int(number)
