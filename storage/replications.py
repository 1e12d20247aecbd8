"""Readers' "I tried it too" answers: one per reader per entry, changeable, removable.

`reproduced` is True for "same for me" and False for "could not reproduce". Answers of a person
who used forget-me, and answers on entries that are gone, are deleted with them.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection

from storage.db import to_db_time


async def answer(
    conn: AsyncConnection, experiment_id: str, user_id: str, *, reproduced: bool, now: datetime
) -> None:
    """Record a reader's answer, replacing any earlier one of theirs on this entry."""
    await conn.execute(
        text(
            "INSERT INTO replications (experiment_id, user_id, reproduced, updated_at)"
            " VALUES (:exp, :user, :yes, :at) ON CONFLICT (experiment_id, user_id)"
            " DO UPDATE SET reproduced = excluded.reproduced, updated_at = excluded.updated_at"
        ),
        {
            "exp": experiment_id,
            "user": user_id,
            "yes": 1 if reproduced else 0,
            "at": to_db_time(now),
        },
    )


async def take_back(conn: AsyncConnection, experiment_id: str, user_id: str) -> None:
    """Remove a reader's answer on an entry, if any."""
    await conn.execute(
        text("DELETE FROM replications WHERE experiment_id = :exp AND user_id = :user"),
        {"exp": experiment_id, "user": user_id},
    )


async def tallies(
    conn: AsyncConnection, experiment_ids: Iterable[str]
) -> dict[str, tuple[int, int]]:
    """Per entry that has answers: (reproduced, could not reproduce)."""
    ids = sorted(set(experiment_ids))
    found: dict[str, tuple[int, int]] = {}
    # Bound parameters in slices: SQLite and PostgreSQL both cap how many one statement takes.
    for start in range(0, len(ids), 500):
        chunk = {f"e{i}": value for i, value in enumerate(ids[start : start + 500])}
        placeholders = ", ".join(f":{name}" for name in chunk)
        rows = await conn.execute(
            text(
                "SELECT experiment_id, SUM(reproduced), COUNT(*) FROM replications"
                f" WHERE experiment_id IN ({placeholders}) GROUP BY experiment_id"
            ),
            chunk,
        )
        for experiment_id, yes, total in rows.all():
            found[str(experiment_id)] = (int(yes), int(total) - int(yes))
    return found


async def forget_user(conn: AsyncConnection, user_id: str, experiment_ids: Iterable[str]) -> None:
    """Delete a person's answers and every answer on their entries."""
    await conn.execute(text("DELETE FROM replications WHERE user_id = :user"), {"user": user_id})
    for experiment_id in experiment_ids:
        await conn.execute(
            text("DELETE FROM replications WHERE experiment_id = :exp"), {"exp": experiment_id}
        )
