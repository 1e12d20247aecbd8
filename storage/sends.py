"""Scheduled sends, claimed in the database before they are made.

Rules:
- `claim_send` inserts the send's row with `ON CONFLICT DO NOTHING`; whoever inserts it sends.
  A restart, a doubled timer or a second replica finds the row and does not send again.
- A claim is held by a lease (`lease_until`). Its owner renews it (`renew_claim`) while the send
  is in progress, so a claim whose owner is alive never goes stale, however long Slack takes.
  Only a claim whose lease ran out (the owner died, or could not reach the database for a whole
  lease) is taken over.
- `attempts` is also the claim's fencing token: a take-over increments it, so the former owner's
  renewals and failure records no longer match and change nothing.
- `claimed_at` is the first claim's time and never moves: no attempt could have reached Slack
  before it, so it is where a look for the message by its metadata starts.
- `maybe_posted` marks a send whose earlier attempt may be in Slack without the bot knowing (a
  take-over after a crash, a timeout, a 5xx, a cancelled call); whoever claims it next is told
  (`Claim.maybe_posted`) and must look before posting, and not before `IN_DOUBT_WAIT` has
  passed since that attempt ended (a request Slack received late is handled by then).
- A transient failure releases the claim for a later retry, up to `MAX_ATTEMPTS`; a rate-limited
  one always (Slack refused it before doing anything), and so is one whose look in Slack could
  not be made (`unchecked:…`: nothing was posted); a permanent one (user deactivated, DMs
  closed) is recorded and not retried.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import RowMapping, text
from sqlalchemy.ext.asyncio import AsyncConnection

from core.occurrence import SendKind, SendStatus
from core.weeks import WeekId
from storage.db import from_db_time, to_db_time

__all__ = ["Claim", "Lease", "Send", "SendKind", "SendStatus"]

MAX_ATTEMPTS = 5
# A request Slack received is handled at once or not at all; a send in doubt is looked for no
# sooner than this after its attempt ended, so a late-handled post is seen, not doubled.
IN_DOUBT_WAIT = timedelta(seconds=30)


@dataclass(frozen=True)
class Lease:
    """How long a claim holds without renewal, and how often its owner renews it."""

    length: timedelta = timedelta(minutes=3)
    renew_every: float = 30.0  # seconds between renewals while a send is in progress


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
    lease_until: datetime | None
    maybe_posted: bool


@dataclass(frozen=True)
class Claim:
    key: str
    attempt: int  # the fencing token: renewals and results of this attempt carry it
    claimed_at: datetime  # the first claim: nothing of this send reached Slack before it
    maybe_posted: bool  # an earlier attempt may be in Slack: look for it before posting


NOTICE_PREFIX = "notice:"  # a notice's recipient: `notice:<user>`
# Notices keep the key prefix of the release that stored them as digest sends (see above).
_KEY_PREFIX = {SendKind.NOTICE: SendKind.DIGEST.value}


def send_key(kind: SendKind, ritual_id: str, week: WeekId, recipient: str) -> str:
    """Name a send uniquely: what, for which ritual and week, to whom."""
    return f"{_KEY_PREFIX.get(kind, kind.value)}:{ritual_id}:{week}:{recipient}"


def _kind_of(kind: str, recipient: str) -> SendKind:
    if kind == SendKind.DIGEST.value and recipient.startswith(NOTICE_PREFIX):
        return SendKind.NOTICE  # stored by a release without a kind for notices
    return SendKind(kind)


_COLUMNS = (
    "send_key, ritual_id, week, kind, recipient, status, channel_id, ts, attempts, error,"
    " claimed_at, lease_until, maybe_posted"
)


def _from_row(row: RowMapping) -> Send:
    return Send(
        key=row["send_key"],
        ritual_id=row["ritual_id"],
        week=row["week"],
        kind=_kind_of(row["kind"], row["recipient"]),
        recipient=row["recipient"],
        status=SendStatus(row["status"]),
        channel_id=row["channel_id"],
        ts=row["ts"],
        attempts=int(row["attempts"]),
        error=row["error"],
        claimed_at=from_db_time(row["claimed_at"]),
        lease_until=from_db_time(row["lease_until"]) if row["lease_until"] else None,
        maybe_posted=bool(row["maybe_posted"]),
    )


async def claim_send(
    conn: AsyncConnection,
    *,
    kind: SendKind,
    ritual_id: str,
    week: WeekId,
    recipient: str,
    now: datetime,
    lease: timedelta,
) -> Claim | None:
    """Claim a send; None when it is done, failed for good, or claimed by someone alive."""
    key = send_key(kind, ritual_id, week, recipient)
    at = to_db_time(now)
    until = to_db_time(now + lease)
    inserted = await conn.execute(
        text(
            "INSERT INTO sends (send_key, ritual_id, week, kind, recipient, status, attempts,"
            " claimed_at, lease_until) VALUES (:key, :ritual, :week, :kind, :recipient, 'claimed', 1,"
            " :at, :until) ON CONFLICT (send_key) DO NOTHING"
        ),
        {
            "key": key,
            "ritual": ritual_id,
            "week": str(week),
            "kind": kind.value,
            "recipient": recipient,
            "at": at,
            "until": until,
        },
    )
    if inserted.rowcount == 1:
        return Claim(key=key, attempt=1, claimed_at=now, maybe_posted=False)
    retried = await conn.execute(
        text(
            "UPDATE sends SET status = 'claimed', attempts = attempts + 1, lease_until = :until"
            " WHERE send_key = :key AND status = 'retry'"
            " AND (attempts < :max OR error = 'ratelimited' OR error LIKE 'unchecked:%')"
            " AND (maybe_posted = 0 OR finished_at <= :settled)"
        ),
        {
            "key": key,
            "until": until,
            "max": MAX_ATTEMPTS,
            "settled": to_db_time(now - IN_DOUBT_WAIT),
        },
    )
    if retried.rowcount == 1:
        return await _claimed(conn, key)
    # A claim from before leases (lease_until NULL) goes stale a lease after it was made.
    stale = await conn.execute(
        text(
            "UPDATE sends SET attempts = attempts + 1, lease_until = :until, maybe_posted = 1"
            " WHERE send_key = :key AND status = 'claimed'"
            " AND (lease_until < :at OR (lease_until IS NULL AND claimed_at < :stale))"
        ),
        {"key": key, "at": at, "until": until, "stale": to_db_time(now - lease)},
    )
    if stale.rowcount == 1:
        return await _claimed(conn, key)
    return None


async def _claimed(conn: AsyncConnection, key: str) -> Claim:
    send = await get_send(conn, key)
    if send is None:
        raise LookupError(key)
    return Claim(
        key=key, attempt=send.attempts, claimed_at=send.claimed_at, maybe_posted=send.maybe_posted
    )


async def renew_claim(
    conn: AsyncConnection, claim: Claim, *, now: datetime, lease: timedelta
) -> bool:
    """Extend the claim's lease from `now`; False when it is no longer this attempt's."""
    result = await conn.execute(
        text(
            "UPDATE sends SET lease_until = :until"
            " WHERE send_key = :key AND status = 'claimed' AND attempts = :attempt"
        ),
        {"key": claim.key, "attempt": claim.attempt, "until": to_db_time(now + lease)},
    )
    return result.rowcount == 1


async def mark_sent(
    conn: AsyncConnection, key: str, *, channel_id: str, ts: str, now: datetime
) -> None:
    """Record that the message is in Slack, and where (whoever's attempt put it there)."""
    await conn.execute(
        text(
            "UPDATE sends SET status = 'sent', channel_id = :channel, ts = :ts, error = NULL,"
            " maybe_posted = 0, finished_at = :at WHERE send_key = :key"
        ),
        {"key": key, "channel": channel_id, "ts": ts, "at": to_db_time(now)},
    )


async def mark_failed(
    conn: AsyncConnection,
    claim: Claim,
    *,
    error: str,
    now: datetime,
    retry: bool,
    maybe_posted: bool = False,
) -> None:
    """Record this attempt's failure, for a later retry or for good (a no-op once taken over).

    `maybe_posted`: the attempt may have reached Slack (timeout, 5xx, cancelled), so the next
    attempt looks for the message before posting.
    """
    await conn.execute(
        text(
            "UPDATE sends SET status = :status, error = :error, maybe_posted = :maybe,"
            " finished_at = :at WHERE send_key = :key AND status = 'claimed' AND attempts = :attempt"
        ),
        {
            "key": claim.key,
            "attempt": claim.attempt,
            "status": "retry" if retry else "failed",
            "error": error[:200],
            "maybe": 1 if maybe_posted else 0,
            "at": to_db_time(now),
        },
    )


async def record_skipped(
    conn: AsyncConnection,
    *,
    kind: SendKind,
    ritual_id: str,
    week: WeekId,
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
            "week": str(week),
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


async def find_ask(conn: AsyncConnection, channel_id: str, ts: str) -> Send | None:
    """Return the prompt or reminder whose message is at (channel, ts): a reply to it answers it."""
    row = (
        (
            await conn.execute(
                text(
                    f"SELECT {_COLUMNS} FROM sends WHERE channel_id = :channel AND ts = :ts"
                    " AND kind IN ('prompt', 'reminder')"
                ),
                {"channel": channel_id, "ts": ts},
            )
        )
        .mappings()
        .first()
    )
    return _from_row(row) if row is not None else None


async def latest_asks(conn: AsyncConnection, channel_id: str, *, limit: int = 6) -> list[Send]:
    """The prompts and reminders posted in one conversation (a DM), newest first."""
    result = await conn.execute(
        text(
            f"SELECT {_COLUMNS} FROM sends WHERE channel_id = :channel AND status = 'sent'"
            " AND kind IN ('prompt', 'reminder') AND ts IS NOT NULL"
            " ORDER BY finished_at DESC, ts DESC LIMIT :limit"
        ),
        {"channel": channel_id, "limit": limit},
    )
    return [_from_row(row) for row in result.mappings()]


async def list_sends(
    conn: AsyncConnection, ritual_id: str, week: WeekId, *kinds: SendKind
) -> list[Send]:
    """Return every send of these kinds (all kinds when none is named) for one occurrence."""
    result = await conn.execute(
        text(
            f"SELECT {_COLUMNS} FROM sends WHERE ritual_id = :ritual AND week = :week ORDER BY send_key"
        ),
        {"ritual": ritual_id, "week": str(week)},
    )
    found = [_from_row(row) for row in result.mappings()]
    return [send for send in found if not kinds or send.kind in kinds]


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
