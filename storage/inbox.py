"""The inbox: requests written down before they are acknowledged, worked off afterwards.

Rules:
- A row is written once per request (`ON CONFLICT DO NOTHING` on its id), so Slack's
  redeliveries and a person's double submit are one row.
- A worker takes a row by setting its lease in a conditional `UPDATE`: the row must still be
  pending with no live lease, so two workers (or two replicas) never hold it at once. Taking a
  row counts an attempt, so a row that kills its process is not retried for ever.
- A row is finished (`done` or `failed`) only after its effect is stored; the effects are
  idempotent by their own keys (`processed_events`, `experiments.source_key`), so a row done
  twice after a crash has its effect once.
- Finished rows are deleted after a retention period; pending rows never are.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection

from storage.db import to_db_time

_ERROR_CHARS = 500


class InboxStatus(StrEnum):
    PENDING = "pending"
    DONE = "done"
    FAILED = "failed"


@dataclass(frozen=True)
class InboxRow:
    id: str
    kind: str
    body: str
    attempts: int


async def put(
    conn: AsyncConnection,
    row_id: str,
    kind: str,
    body: str,
    *,
    user_id: str | None = None,
    now: datetime,
) -> bool:
    """Write a request down; False when it was already there (a redelivery)."""
    result = await conn.execute(
        text(
            "INSERT INTO inbox (id, kind, user_id, body, status, attempts, received_at)"
            " VALUES (:id, :kind, :user, :body, 'pending', 0, :at) ON CONFLICT (id) DO NOTHING"
        ),
        {"id": row_id, "kind": kind, "user": user_id, "body": body, "at": to_db_time(now)},
    )
    return result.rowcount == 1


async def put_many(
    conn: AsyncConnection,
    rows: list[tuple[str, str, str, str | None]],
    *,
    now: datetime,
) -> set[str]:
    """Write requests down in one statement; return the ids that were new (not redeliveries).

    `rows` are (id, kind, body, user_id). One multi-row `INSERT … ON CONFLICT DO NOTHING
    RETURNING id`: a group commit costs one round trip, whatever its size.
    """
    if not rows:
        return set()
    params: dict[str, str | None] = {"at": to_db_time(now)}
    values = []
    for i, (row_id, kind, body, user_id) in enumerate(rows):
        params |= {f"i{i}": row_id, f"k{i}": kind, f"b{i}": body, f"u{i}": user_id}
        values.append(f"(:i{i}, :k{i}, :u{i}, :b{i}, 'pending', 0, :at)")
    # `values` names bound parameters only; every value travels as a parameter.
    result = await conn.execute(
        text(
            "INSERT INTO inbox (id, kind, user_id, body, status, attempts, received_at)"
            f" VALUES {', '.join(values)} ON CONFLICT (id) DO NOTHING RETURNING id"
        ),
        params,
    )
    return {str(row[0]) for row in result.all()}


async def forget_user(conn: AsyncConnection, user_id: str) -> int:
    """Delete the person's own requests, and every finished one that names them.

    A pending request of someone else that mentions the person is left to be worked (deleting
    it would lose that person's entry); it is pruned with the other finished rows.
    """
    result = await conn.execute(
        text(
            "DELETE FROM inbox WHERE user_id = :user"
            " OR (status <> 'pending' AND body LIKE :mention)"
        ),
        {"user": user_id, "mention": f"%{user_id}%"},
    )
    return result.rowcount


async def take(
    conn: AsyncConnection, limit: int, *, now: datetime, lease: timedelta
) -> list[InboxRow]:
    """Lease up to `limit` free pending rows, oldest first, and return them.

    One statement: the conditions are checked again on each row the `UPDATE` changes, so under
    PostgreSQL's row locks a row another replica leased meanwhile is skipped, not taken twice.
    """
    at = to_db_time(now)
    found = await conn.execute(
        text(
            "UPDATE inbox SET lease_until = :until, attempts = attempts + 1"
            " WHERE id IN (SELECT id FROM inbox WHERE status = 'pending'"
            " AND (lease_until IS NULL OR lease_until <= :now)"
            " ORDER BY received_at, id LIMIT :limit)"
            " AND status = 'pending' AND (lease_until IS NULL OR lease_until <= :now)"
            " RETURNING id, kind, body, attempts, received_at"
        ),
        {"now": at, "until": to_db_time(now + lease), "limit": limit},
    )
    rows = sorted(found.all(), key=lambda row: (str(row[4]), str(row[0])))
    return [InboxRow(str(row[0]), str(row[1]), str(row[2]), int(row[3])) for row in rows]


async def finish_many(conn: AsyncConnection, row_ids: list[str], *, now: datetime) -> None:
    """Mark rows done in one statement (their effects are stored)."""
    if not row_ids:
        return
    names = {f"r{i}": row_id for i, row_id in enumerate(row_ids)}
    placeholders = ", ".join(f":{name}" for name in names)
    # `placeholders` names bound parameters only; the ids travel as values.
    await conn.execute(
        text(
            "UPDATE inbox SET status = 'done', finished_at = :at, lease_until = NULL,"
            f" last_error = NULL WHERE id IN ({placeholders})"
        ),
        {"at": to_db_time(now), **names},
    )


async def finish(
    conn: AsyncConnection,
    row_id: str,
    *,
    now: datetime,
    status: InboxStatus = InboxStatus.DONE,
    error: str | None = None,
) -> None:
    """Mark a row done (or failed for good)."""
    await conn.execute(
        text(
            "UPDATE inbox SET status = :status, finished_at = :at, lease_until = NULL,"
            " last_error = :error WHERE id = :id"
        ),
        {
            "id": row_id,
            "status": str(status),
            "at": to_db_time(now),
            "error": None if error is None else error[:_ERROR_CHARS],
        },
    )


async def retry_at(conn: AsyncConnection, row_id: str, at: datetime, *, error: str) -> None:
    """Leave a failed row pending, to be taken again from `at` on."""
    await conn.execute(
        text("UPDATE inbox SET lease_until = :at, last_error = :error WHERE id = :id"),
        {"id": row_id, "at": to_db_time(at), "error": error[:_ERROR_CHARS]},
    )


async def release(conn: AsyncConnection, row_ids: list[str]) -> None:
    """Give rows back at once (shutdown interrupted them), without waiting out their lease."""
    for row_id in row_ids:
        await conn.execute(
            text("UPDATE inbox SET lease_until = NULL WHERE id = :id AND status = 'pending'"),
            {"id": row_id},
        )


async def prune(conn: AsyncConnection, cutoff: datetime) -> int:
    """Delete rows finished before `cutoff`; return how many went."""
    result = await conn.execute(
        text("DELETE FROM inbox WHERE status <> 'pending' AND finished_at < :cutoff"),
        {"cutoff": to_db_time(cutoff)},
    )
    return result.rowcount


async def counts(conn: AsyncConnection) -> dict[str, int]:
    """How many rows are in each status."""
    result = await conn.execute(text("SELECT status, COUNT(*) FROM inbox GROUP BY status"))
    return {str(status): int(n) for status, n in result.all()}


async def due(conn: AsyncConnection, *, now: datetime) -> int:
    """How many pending rows are free to take now."""
    result = await conn.execute(
        text(
            "SELECT COUNT(*) FROM inbox WHERE status = 'pending'"
            " AND (lease_until IS NULL OR lease_until <= :now)"
        ),
        {"now": to_db_time(now)},
    )
    return int(result.scalar_one())
