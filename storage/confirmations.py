"""Which fields of an experiment its author confirmed, kept beside the experiment's row.

The fields are stored as a sorted, comma-separated list in `experiments.confirmed_fields`, with
the time of the latest confirmation in `confirmed_at`. `storage.experiments.update_experiment`
never writes these columns, so an edit cannot forget a confirmation.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection

from storage.db import to_db_time


def _decode(raw: str | None) -> frozenset[str]:
    return frozenset(name for name in (raw or "").split(",") if name)


async def confirmed_fields(conn: AsyncConnection, experiment_id: str) -> frozenset[str]:
    """Return the fields the author confirmed (empty for an unknown experiment)."""
    row = (
        await conn.execute(
            text("SELECT confirmed_fields FROM experiments WHERE id = :id"), {"id": experiment_id}
        )
    ).first()
    return _decode(row[0]) if row is not None else frozenset()


async def add_confirmed(
    conn: AsyncConnection, experiment_id: str, fields: Iterable[str], *, now: datetime
) -> frozenset[str]:
    """Mark more fields as confirmed by the author and return all confirmed fields."""
    confirmed = await confirmed_fields(conn, experiment_id) | frozenset(fields)
    await conn.execute(
        text(
            "UPDATE experiments SET confirmed_fields = :fields, confirmed_at = :at WHERE id = :id"
        ),
        {"fields": ",".join(sorted(confirmed)), "at": to_db_time(now), "id": experiment_id},
    )
    return confirmed
