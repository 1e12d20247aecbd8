"""Events API envelopes already processed.

Bolt does not deduplicate Slack's retries, so each envelope's `event_id` is claimed here inside
the same transaction as the work it triggers: a retry after a crash finds nothing claimed and
does the work; a retry after success finds the claim and does nothing.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection

from storage.db import to_db_time


async def claim_event(
    conn: AsyncConnection, event_id: str, event_type: str, *, now: datetime
) -> bool:
    """Record the envelope and tell whether this is its first delivery."""
    result = await conn.execute(
        text(
            "INSERT INTO processed_events (event_id, event_type, received_at)"
            " VALUES (:event_id, :event_type, :at) ON CONFLICT (event_id) DO NOTHING"
        ),
        {"event_id": event_id, "event_type": event_type, "at": to_db_time(now)},
    )
    return result.rowcount == 1


async def forget_events_before(conn: AsyncConnection, cutoff: datetime) -> int:
    """Drop claims older than Slack's retry window; return how many went."""
    result = await conn.execute(
        text("DELETE FROM processed_events WHERE received_at < :cutoff"),
        {"cutoff": to_db_time(cutoff)},
    )
    return result.rowcount


async def is_claimed(conn: AsyncConnection, event_id: str) -> bool:
    """Tell whether the envelope was processed already (a read: it claims nothing)."""
    found = await conn.execute(
        text("SELECT 1 FROM processed_events WHERE event_id = :event_id"), {"event_id": event_id}
    )
    return found.first() is not None
