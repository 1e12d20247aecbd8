"""Named leases: at most one holder at a time, taken over only when the holder stops renewing.

Rules:
- One conditional `UPDATE` takes or renews a lease: it succeeds when the lease is free, has run
  out, or is already ours, so two replicas asking at once cannot both succeed (the row is locked
  by the first writer; the second re-checks the condition after it commits).
- A holder renews well before `lease_until`; a holder that dies is replaced after at most the
  lease's length. Releasing on shutdown hands over at the next tick of another replica.
- Instants are compared as ISO-8601 UTC text, which sorts like the instants themselves.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection

from storage.db import to_db_time


async def take_lease(
    conn: AsyncConnection, name: str, holder: str, *, now: datetime, length: timedelta
) -> bool:
    """Take or renew the lease `name` for `holder` until `now + length`; tell whether we hold it."""
    at = to_db_time(now)
    await conn.execute(
        text(
            "INSERT INTO leases (name, holder, lease_until, taken_at)"
            " VALUES (:name, '', '', :at) ON CONFLICT (name) DO NOTHING"
        ),
        {"name": name, "at": at},
    )
    result = await conn.execute(
        text(
            "UPDATE leases SET holder = :holder, lease_until = :until,"
            " taken_at = CASE WHEN holder = :holder THEN taken_at ELSE :at END"
            " WHERE name = :name AND (holder = :holder OR lease_until < :at)"
        ),
        {"name": name, "holder": holder, "until": to_db_time(now + length), "at": at},
    )
    return bool(result.rowcount == 1)


async def release_lease(conn: AsyncConnection, name: str, holder: str) -> None:
    """Give the lease up at once, if we hold it."""
    await conn.execute(
        text(
            "UPDATE leases SET holder = '', lease_until = '' WHERE name = :name AND holder = :holder"
        ),
        {"name": name, "holder": holder},
    )


async def lease_holder(conn: AsyncConnection, name: str, *, now: datetime) -> str | None:
    """Who holds the lease now, if anyone."""
    row = (
        await conn.execute(
            text("SELECT holder FROM leases WHERE name = :name AND lease_until >= :at"),
            {"name": name, "at": to_db_time(now)},
        )
    ).first()
    return str(row[0]) if row is not None and row[0] else None
