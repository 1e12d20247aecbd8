"""The digest half of the failure drill (`bench.drill`): replies to either replica, a digest cut off.

A week's replies arrive as signed `event_callback` requests, spread over both replicas' HTTP
endpoints as a proxy would; then the ritual's digest is made due (its time set to this minute,
as an admin editing the ritual would), the emulator holds every post to the digest channel a
little (so the digest, a main post and a thread of parts, is in flight for a while), and the
process posting it is killed with SIGKILL while a part is on its way. What is counted: replies
sent and stored, digest parts kept in the layout, posted, posted twice (must be 0) and missing
(must be 0), and how many replies the digest names.
"""

from __future__ import annotations

import asyncio
import json
from collections import Counter
from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

import aiohttp
from sqlalchemy import text

from core.weeks import WeekId
from fakeslack.driver import SlackDriver
from fakeslack.server import FakeSlack
from storage import digests as digest_store
from storage.db import Database

MARKER = "drill-reply-"


@dataclass
class DigestTally:
    """What the digest phase left in Slack and in the database."""

    replies_sent: int = 0
    replies_acked: int = 0
    replies_stored: int = 0
    parts: int = 0  # parts in the digest's kept layout
    posted: int = 0  # distinct parts in the channel
    duplicates: int = 0
    named: int = 0  # replies whose marker the posted digest shows
    killed_after_parts: int = -1  # parts in the channel when the poster was killed
    seconds: float = 0.0  # from the digest being due to every part recorded as sent
    settled: bool = False

    @property
    def missing(self) -> int:
        return max(self.parts - self.posted, 0) if self.parts else 1

    def line(self) -> str:
        return (
            f"replies sent={self.replies_sent} acked={self.replies_acked}"
            f" stored={self.replies_stored} | digest parts={self.parts} posted={self.posted}"
            f" duplicates={self.duplicates} missing={self.missing}"
            f" replies named in the digest={self.named} seconds={self.seconds:.1f}"
        )


def reply_text(number: int) -> str:
    """A thread reply the capture rules read as a failure, long enough to fill a digest."""
    return (
        f"Tool: Claude\nWhat happened: drafted step {number} of the runbook\n"
        f"Failed: {MARKER}{number:05d} it invented a CLI flag that does not exist, "
        + "and the page it cited said otherwise; "
        * 8
    )


async def send_replies(
    slack: FakeSlack,
    ports: list[int],
    secret: str,
    people: list[str],
    channel: str,
    thread_ts: str,
    *,
    per_person: int,
    concurrency: int = 20,
) -> tuple[int, int]:
    """Everyone replies `per_person` times in the prompt's thread, alternating replicas."""
    drivers = [
        SlackDriver(f"http://127.0.0.1:{port}/slack/events", secret, slack) for port in ports
    ]
    gate = asyncio.Semaphore(concurrency)
    acked = 0

    async def one(number: int, driver: SlackDriver) -> None:
        nonlocal acked
        person = people[number % len(people)]
        async with gate:
            message = slack.user_posts(person, channel, reply_text(number), thread_ts=thread_ts)
            for _attempt in range(4):  # Slack redelivers an event not answered 2xx
                try:
                    reply, _event = await driver.event(driver.message_event(channel, message))
                except aiohttp.ClientError:
                    await asyncio.sleep(1)
                    continue
                if reply.status == 200:
                    acked += 1
                    return
                await asyncio.sleep(1)

    total = len(people) * per_person
    async with drivers[0], drivers[1]:
        await asyncio.gather(*(one(n, drivers[n % len(drivers)]) for n in range(total)))
    return total, acked


async def stored_replies(db: Database, ritual_id: str) -> int:
    async with db.read() as conn:
        row = (
            await conn.execute(
                text("SELECT COUNT(*) FROM experiments WHERE ritual_id = :ritual"),
                {"ritual": ritual_id},
            )
        ).first()
    return int(row[0]) if row else 0


async def make_digest_due(db: Database, ritual_id: str, zone: str, now: datetime) -> None:
    """Move the ritual's digest to this minute, as an admin editing the ritual would."""
    local = now.astimezone(ZoneInfo(zone))
    async with db.transaction() as conn:
        await conn.execute(
            text(
                "UPDATE rituals SET digest_weekday = :weekday, digest_time = :at WHERE id = :ritual"
            ),
            {"weekday": local.weekday(), "at": f"{local:%H:%M}", "ritual": ritual_id},
        )


async def layout_parts(db: Database, ritual_id: str, week: WeekId) -> int:
    """How many parts the digest's kept layout has (0 before it was rendered)."""
    async with db.read() as conn:
        parts = await digest_store.load_parts(conn, ritual_id, week)
    return len(parts or [])


async def digest_unfinished(db: Database, ritual_id: str) -> int:
    """Digest parts claimed or waiting for a retry, or not claimed at all yet."""
    async with db.read() as conn:
        rows = (
            await conn.execute(
                text(
                    "SELECT status, COUNT(*) FROM sends WHERE ritual_id = :ritual"
                    " AND kind = 'digest' GROUP BY status"
                ),
                {"ritual": ritual_id},
            )
        ).all()
    counts = {str(status): int(n) for status, n in rows}
    return counts.get("claimed", 0) + counts.get("retry", 0)


async def digest_sent(db: Database, ritual_id: str) -> int:
    async with db.read() as conn:
        row = (
            await conn.execute(
                text(
                    "SELECT COUNT(*) FROM sends WHERE ritual_id = :ritual"
                    " AND kind = 'digest' AND status = 'sent'"
                ),
                {"ritual": ritual_id},
            )
        ).first()
    return int(row[0]) if row else 0


def digest_keys(slack: FakeSlack, channel: str, ritual_id: str) -> Counter[str]:
    """Each digest part in the channel (main post and thread), by its send key."""
    got: Counter[str] = Counter()
    for message in slack.ws.channels[channel].messages:
        key = str((message.metadata or {}).get("event_payload", {}).get("send_key", ""))
        if key.startswith(f"digest:{ritual_id}:"):
            got[key] += 1
    return got


def count_named(slack: FakeSlack, channel: str) -> int:
    """How many distinct replies the digest shows, by their markers."""
    shown = json.dumps([m.blocks for m in slack.ws.channels[channel].messages if m.bot_id])
    found = set()
    start = shown.find(MARKER)
    while start != -1:
        found.add(shown[start : start + len(MARKER) + 5])
        start = shown.find(MARKER, start + 1)
    return len(found)
