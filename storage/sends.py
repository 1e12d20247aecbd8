"""Scheduled sends, claimed in the database before they are made.

Rules:
- `claim_send` inserts the send's row with `ON CONFLICT DO NOTHING`; whoever inserts it sends.
  A restart, a doubled timer or a second replica finds the row and does not send again.
- A claim that was never finished (the process died between claiming and recording the result)
  goes stale after `lease`; it may then be taken over, and the taker is told (`taken_over`) so it
  can check whether the message reached Slack before sending again.
- A transient failure (rate limit, Slack down) releases the claim for a later retry, up to
  `MAX_ATTEMPTS`; a permanent one (user deactivated, DMs closed) is recorded and not retried.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from sqlalchemy import RowMapping, text
from sqlalchemy.ext.asyncio import AsyncConnection

from storage.db import from_db_time, to_db_time

MAX_ATTEMPTS = 5


class SendKind(StrEnum):
    PROMPT = "prompt"
    REMINDER = "reminder"
    DIGEST = "digest"


class SendStatus(StrEnum):
    CLAIMED = "claimed"
    SENT = "sent"
    RETRY = "retry"
    FAILED = "failed"
    SKIPPED = "skipped"


@dataclass(frozen=True)
class Send:
    key: str
    ritual_id: str
    week: str
    kind: SendKind
    recipient: str
    status: SendStatus
    channel_id: str | None
    ts: str | None
    attempts: int
    error: str | None
    claimed_at: datetime


@dataclass(frozen=True)
class Claim:
    key: str
    taken_over: bool  # a stale claim: the message may already be in Slack


def send_key(kind: SendKind, ritual_id: str, week: str, recipient: str) -> str:
    """Name a send uniquely: what, for which ritual and week, to whom."""
    return f"{kind.value}:{ritual_id}:{week}:{recipient}"


_COLUMNS = "send_key, ritual_id, week, kind, recipient, status, channel_id, ts, attempts, error, claimed_at"


def _from_row(row: RowMapping) -> Send:
    return Send(
        key=row["send_key"],
        ritual_id=row["ritual_id"],
        week=row["week"],
        kind=SendKind(row["kind"]),
        recipient=row["recipient"],
        status=SendStatus(row["status"]),
        channel_id=row["channel_id"],
        ts=row["ts"],
        attempts=int(row["attempts"]),
        error=row["error"],
        claimed_at=from_db_time(row["claimed_at"]),
    )


async def claim_send(
    conn: AsyncConnection,
    *,
    kind: SendKind,
    ritual_id: str,
    week: str,
    recipient: str,
    now: datetime,
    lease: timedelta,
) -> Claim | None:
    """Claim a send; None when it is done, failed for good, or claimed by someone alive."""
    key = send_key(kind, ritual_id, week, recipient)
    at = to_db_time(now)
    inserted = await conn.execute(
        text(
            "INSERT INTO sends (send_key, ritual_id, week, kind, recipient, status, attempts, claimed_at)"
            " VALUES (:key, :ritual, :week, :kind, :recipient, 'claimed', 1, :at)"
            " ON CONFLICT (send_key) DO NOTHING"
        ),
        {
            "key": key,
            "ritual": ritual_id,
            "week": week,
            "kind": kind.value,
            "recipient": recipient,
            "at": at,
        },
    )
    if inserted.rowcount == 1:
        return Claim(key=key, taken_over=False)
    retried = await conn.execute(
        text(
            "UPDATE sends SET status = 'claimed', attempts = attempts + 1, claimed_at = :at"
            " WHERE send_key = :key AND status = 'retry' AND attempts < :max"
        ),
        {"key": key, "at": at, "max": MAX_ATTEMPTS},
    )
    if retried.rowcount == 1:
        return Claim(key=key, taken_over=False)
    stale = await conn.execute(
        text(
            "UPDATE sends SET attempts = attempts + 1, claimed_at = :at"
            " WHERE send_key = :key AND status = 'claimed' AND claimed_at < :stale"
        ),
        {"key": key, "at": at, "stale": to_db_time(now - lease)},
    )
    if stale.rowcount == 1:
        return Claim(key=key, taken_over=True)
    return None


async def mark_sent(
    conn: AsyncConnection, key: str, *, channel_id: str, ts: str, now: datetime
) -> None:
    """Record that the message is in Slack, and where."""
    await conn.execute(
        text(
            "UPDATE sends SET status = 'sent', channel_id = :channel, ts = :ts, error = NULL,"
            " finished_at = :at WHERE send_key = :key"
        ),
        {"key": key, "channel": channel_id, "ts": ts, "at": to_db_time(now)},
    )


async def mark_failed(
    conn: AsyncConnection, key: str, *, error: str, now: datetime, retry: bool
) -> None:
    """Record a failure: for a later retry, or for good."""
    await conn.execute(
        text(
            "UPDATE sends SET status = :status, error = :error, finished_at = :at WHERE send_key = :key"
        ),
        {
            "key": key,
            "status": "retry" if retry else "failed",
            "error": error[:200],
            "at": to_db_time(now),
        },
    )


async def record_skipped(
    conn: AsyncConnection,
    *,
    kind: SendKind,
    ritual_id: str,
    week: str,
    recipient: str,
    reason: str,
    now: datetime,
) -> bool:
    """Record a send deliberately not made (too late after downtime); True the first time."""
    key = send_key(kind, ritual_id, week, recipient)
    result = await conn.execute(
        text(
            "INSERT INTO sends (send_key, ritual_id, week, kind, recipient, status, attempts, error, claimed_at,"
            " finished_at) VALUES (:key, :ritual, :week, :kind, :recipient, 'skipped', 0, :reason, :at, :at)"
            " ON CONFLICT (send_key) DO NOTHING"
        ),
        {
            "key": key,
            "ritual": ritual_id,
            "week": week,
            "kind": kind.value,
            "recipient": recipient,
            "reason": reason[:200],
            "at": to_db_time(now),
        },
    )
    return result.rowcount == 1


async def get_send(conn: AsyncConnection, key: str) -> Send | None:
    """Return one send by key."""
    row = (
        (
            await conn.execute(
                text(f"SELECT {_COLUMNS} FROM sends WHERE send_key = :key"), {"key": key}
            )
        )
        .mappings()
        .first()
    )
    return _from_row(row) if row is not None else None


async def find_prompt(conn: AsyncConnection, channel_id: str, ts: str) -> Send | None:
    """Return the prompt whose message is at (channel, ts): the top of a thread that collects replies."""
    row = (
        (
            await conn.execute(
                text(
                    f"SELECT {_COLUMNS} FROM sends WHERE channel_id = :channel AND ts = :ts AND kind = 'prompt'"
                ),
                {"channel": channel_id, "ts": ts},
            )
        )
        .mappings()
        .first()
    )
    return _from_row(row) if row is not None else None


async def list_sends(
    conn: AsyncConnection, ritual_id: str, week: str, kind: SendKind
) -> list[Send]:
    """Return every send of a kind for one occurrence."""
    result = await conn.execute(
        text(
            f"SELECT {_COLUMNS} FROM sends WHERE ritual_id = :ritual AND week = :week AND kind = :kind ORDER BY send_key"
        ),
        {"ritual": ritual_id, "week": week, "kind": kind.value},
    )
    return [_from_row(row) for row in result.mappings()]


async def pseudonymise_recipient(conn: AsyncConnection, user_id: str, pseudonym: str) -> int:
    """Replace a person's id in the keys and recipients of sends made to them; return how many.

    The rows stay, so nothing is sent twice, but no longer say to whom (a forgotten person).
    Slack's user ids are unique across workspaces, so no team filter is needed (and the sends of
    a removed ritual are covered too).
    """
    rows = (
        await conn.execute(
            text("SELECT send_key, recipient FROM sends WHERE recipient LIKE :like"),
            {"like": f"%{user_id}%"},
        )
    ).all()
    for key, recipient in rows:
        await conn.execute(
            text(
                "UPDATE sends SET send_key = :new_key, recipient = :new_recipient"
                " WHERE send_key = :key"
            ),
            {
                "key": key,
                "new_key": key.replace(user_id, pseudonym),
                "new_recipient": recipient.replace(user_id, pseudonym),
            },
        )
    return len(rows)
