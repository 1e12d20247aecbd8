"""A failure drill, run by hand: `.venv/bin/python -m bench.drill [--people 500] [--seed 1]`.

Two bot processes (`python -m bot run`) share one database and the Slack emulator: a SQLite
file, or with `--database-url postgresql://…` a fresh schema in that PostgreSQL database,
dropped afterwards (kept with `--keep`). A ritual asks N people by DM (and in a channel);
the replica leading the scheduled work fans it out while Slack misbehaves at random for the
first `--chaos-seconds` (429 bursts, a 500 after the message was stored, a 503 before, slow
calls, calls that hang past the client's timeout and are handled late). The leader is killed
with SIGKILL a third of the way through and started again 2 s later (`--restart-after`), as a
supervisor would.

Then the digest (`bench.drill_digest`; `--no-digest` skips it): everyone replies in the
channel prompt's thread, the replies sent as signed events to either replica's HTTP endpoint
in turn; the digest is made due while Slack misbehaves again and holds every post to the
digest channel `--digest-slow` seconds, and the process posting it is SIGKILLed while a part
is on its way, a third of the way through the parts, then restarted. At the end both get
SIGTERM.

It reports recipients, duplicates (must be 0), missing (must be 0), the time from start to
everyone having their prompt, and to every send being recorded as sent (the killed process's
claims settle after their lease, by a look in Slack); for the digest, replies sent, answered
and stored (all three equal), parts kept, posted, posted twice (0) and missing (0). Bounded:
it gives up after `--deadline` seconds. Results go in docs/benchmarks.md.
`tests/e2e/test_drill.py` runs it small on both databases; `tests/e2e/test_sends.py` an
in-process version.

The bots run with a short lease (20 s, renewed every 5 s) and a 5 s Slack timeout, so a killed
process's claims are taken over within a tick or two rather than three minutes; the emulator's
rate limits run at `--rate-scale` times Slack's (users.info, Tier 4, would otherwise take five
minutes for 500 people per process: a separate, known cost).
"""

from __future__ import annotations

import argparse
import asyncio
import random
import signal
import socket
import sys
import tempfile
import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from datetime import time as dtime
from pathlib import Path
from zoneinfo import ZoneInfo

import aiohttp
from sqlalchemy import text

from bench.databases import execute
from bench.drill_digest import (
    DigestTally,
    count_named,
    digest_keys,
    digest_sent,
    digest_unfinished,
    layout_parts,
    make_digest_due,
    send_replies,
    stored_replies,
)
from core.rituals import AudienceKind, Ritual
from core.schedule import Weekday
from core.weeks import WeekId
from fakeslack.server import FakeSlack
from storage import rituals as ritual_repo
from storage.db import Database

ROOT = Path(__file__).resolve().parents[1]
RITUAL_ID = "drill"
SECRET = "drill-secret"


@dataclass
class Tally:
    """What Slack holds at the end: who got the prompt, how often."""

    recipients: int
    duplicates: int
    missing: int
    seconds: float = 0.0
    settled: bool = False  # every send recorded as sent in the database before the deadline
    statuses: Counter[int] = field(default_factory=Counter)
    digest: DigestTally | None = None

    def line(self) -> str:
        return (
            f"recipients={self.recipients} duplicates={self.duplicates} missing={self.missing}"
            f" seconds={self.seconds:.1f} postMessage_statuses={dict(sorted(self.statuses.items()))}"
        )


def people_ids(count: int) -> list[str]:
    return [f"U{n:06d}" for n in range(count)]


def tally(slack: FakeSlack, people: list[str]) -> Tally:
    """Count the drill's prompts in every DM, by the send key in their metadata."""
    got: Counter[str] = Counter()
    for channel in slack.ws.channels.values():
        for message in channel.messages:
            key = str((message.metadata or {}).get("event_payload", {}).get("send_key", ""))
            if key.startswith(f"prompt:{RITUAL_ID}:"):
                got[key.rsplit(":", 1)[-1]] += 1
    statuses = Counter(c.http_status for c in slack.calls("chat.postMessage"))
    return Tally(
        recipients=sum(1 for p in people if got[p] > 0),
        duplicates=sum(n - 1 for n in got.values() if n > 1),
        missing=sum(1 for p in people if got[p] == 0),
        statuses=statuses,
    )


def drill_ritual(
    people: list[str],
    now: datetime,
    *,
    tz: str = "UTC",
    channel: str | None = None,
    digest_channel: str | None = None,
) -> Ritual:
    """A DM ritual whose moment passed two minutes ago, created the day before.

    With `channel`, the prompt also goes there (its thread collects replies); with
    `digest_channel`, the digest goes there, on the week's last minute until moved.
    """
    due = (now.astimezone(ZoneInfo(tz)) - timedelta(minutes=2)).replace(second=0, microsecond=0)
    return Ritual(
        id=RITUAL_ID,
        team_id="T0LOL",
        name="Drill",
        audience_kind=AudienceKind.USERS,
        audience=tuple(people),
        weekday=Weekday(due.weekday()),
        at=due.time(),
        tz=tz,
        dm=True,
        prompt_channel_id=channel,
        digest_channel_id=digest_channel,
        digest_weekday=Weekday.SUN,
        digest_at=dtime(23, 59),
        created_at=now - timedelta(days=1),
    )


def daytime_zone(now: datetime) -> str:
    """A zone where `now` is between 01:00 and 20:00, so the drill's week holds still."""
    for zone in ("UTC", "Etc/GMT-6", "Etc/GMT+6"):
        if 1 <= now.astimezone(ZoneInfo(zone)).hour < 20:
            return zone
    raise AssertionError("unreachable: one of the three zones is in its daytime")


def misbehave(slack: FakeSlack, rng: random.Random, *, hang: float) -> str:
    """Queue one fault on chat.postMessage, as Slack shows them; return its name."""
    roll = rng.random()
    if roll < 0.35:
        slack.rate_limit_next("chat.postMessage", times=rng.randint(2, 6), retry_after=1)
        return "429"
    if roll < 0.6:
        slack.fail_next("chat.postMessage", status=500, accepted=True)
        return "accepted_500"
    if roll < 0.75:
        slack.fail_next("chat.postMessage", status=503)
        return "503"
    if roll < 0.9:
        slack.slow_next("chat.postMessage", seconds=hang / 3)
        return "slow"
    slack.slow_next("chat.postMessage", seconds=hang)
    return "hang"


async def chaos(
    slack: FakeSlack,
    rng: random.Random,
    faults: Counter[str],
    *,
    every: float,
    hang: float,
    seconds: float,
) -> None:
    """Misbehave at random moments for `seconds`, one fault at a time; then Slack recovers."""
    ends = time.monotonic() + seconds
    while time.monotonic() < ends:
        await asyncio.sleep(every * rng.uniform(0.5, 1.5))
        if not slack.faults_pending("chat.postMessage"):
            faults[misbehave(slack, rng, hang=hang)] += 1


async def unfinished(db: Database) -> int:
    """Sends claimed or waiting for a retry: not yet settled."""
    async with db.read() as conn:
        row = (
            await conn.execute(
                text("SELECT COUNT(*) FROM sends WHERE status IN ('claimed', 'retry')")
            )
        ).first()
    return int(row[0]) if row else 0


async def leader_pid(db: Database) -> int | None:
    """The process holding the scheduler lease (`host:pid:…`), when the bots have one."""
    try:
        async with db.read() as conn:
            row = (
                await conn.execute(text("SELECT holder FROM leases WHERE name = 'scheduler'"))
            ).first()
    except Exception:  # an older release under --bot-root: no leases table
        return None
    parts = str(row[0]).split(":") if row is not None else []
    return int(parts[1]) if len(parts) > 2 and parts[1].isdigit() else None


def free_port() -> int:
    """A port free on 127.0.0.1 now (a replica restarted in its slot binds it again)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class Bots:
    """Two `python -m bot run` replicas, each in a slot with a fixed port, as a supervisor runs them."""

    def __init__(self, env: dict[str, str], logs: Path) -> None:
        self.env = env
        self.logs = logs
        self.ports = {"a": free_port(), "b": free_port()}
        self.running: dict[str, asyncio.subprocess.Process] = {}
        self.dead: list[asyncio.subprocess.Process] = []
        self.starts = 0

    async def start(self, slot: str) -> None:
        self.starts += 1
        log = self.logs / f"bot-{slot}{self.starts}.log"
        with log.open("ab") as out:
            self.running[slot] = await asyncio.create_subprocess_exec(
                sys.executable,
                "-m",
                "bot",
                "run",
                env=self.env | {"PORT": str(self.ports[slot])},
                cwd=self.logs,
                stderr=out,
                stdout=out,
            )

    async def kill_leader(self, db: Database) -> str:
        """SIGKILL the replica leading the scheduled work (the other only waits); its slot."""
        leader = await leader_pid(db)
        slot = next((s for s, p in self.running.items() if p.pid == leader), "a")
        await self.kill(slot)
        return slot

    async def kill(self, slot: str) -> None:
        """SIGKILL one replica: mid-work, nothing cleaned up."""
        process = self.running.pop(slot)
        process.send_signal(signal.SIGKILL)
        await process.wait()
        self.dead.append(process)

    async def ready(self, within: float = 60.0) -> bool:
        """Wait until every running replica answers /readyz with 200."""
        ends = time.monotonic() + within
        async with aiohttp.ClientSession() as http:
            while time.monotonic() < ends:
                statuses = []
                for port in (self.ports[slot] for slot in self.running):
                    try:
                        async with http.get(f"http://127.0.0.1:{port}/readyz") as response:
                            statuses.append(response.status)
                    except aiohttp.ClientError:
                        statuses.append(0)
                if statuses and set(statuses) == {200}:
                    return True
                await asyncio.sleep(0.2)
        return False

    async def stop(self) -> None:
        """SIGTERM every running replica; kill one still running a minute later."""
        for process in self.running.values():
            if process.returncode is None:
                process.send_signal(signal.SIGTERM)
        for process in self.running.values():
            try:
                await asyncio.wait_for(process.wait(), timeout=60)
            except TimeoutError:
                print(f"pid {process.pid} still running 60 s after SIGTERM: killed")
                process.kill()
                await process.wait()

    def log_text(self) -> str:
        return "".join(p.read_text() for p in self.logs.glob("bot-*.log"))


async def drill(
    people_count: int,
    *,
    seed: int,
    rate_scale: float,
    deadline: float,
    chaos_seconds: float,
    keep: Path | None,
    bot_root: Path = ROOT,
    database_url: str | None = None,
    lease_seconds: float = 20.0,
    digest: bool = True,
    replies_per_person: int = 1,
    digest_slow: float = 1.0,
    restart_after: float = 2.0,
) -> Tally:
    people = people_ids(people_count)
    rng = random.Random(seed)
    faults: Counter[str] = Counter()
    with tempfile.TemporaryDirectory() as tmp_name:
        tmp = keep or Path(tmp_name)
        tmp.mkdir(parents=True, exist_ok=True)
        url = f"sqlite+aiosqlite:///{tmp / 'drill.db'}"
        schema = None
        if database_url is not None:
            schema = f"drill_{seed}_{int(time.time())}"
            await execute(database_url, f'CREATE SCHEMA "{schema}"')
            rest = database_url.split("://", 1)[1]
            url = f"postgresql+asyncpg://{rest}{'&' if '?' in rest else '?'}search_path={schema}"
        db = Database.connect(url)
        now = datetime.now(UTC)
        # The bots' own code migrates, so an older release can be drilled (`--bot-root`).
        migrated = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "bot",
            "migrate",
            env={"PATH": "/usr/bin:/bin", "PYTHONPATH": str(bot_root), "DATABASE_URL": url},
            cwd=tmp,
            stdout=asyncio.subprocess.DEVNULL,
        )
        assert await migrated.wait() == 0
        slack = FakeSlack(rate_scale=rate_scale)
        for user in people:
            slack.add_user(user, user.lower(), tz="UTC")
        channel = slack.add_channel("drill", members=people).id if digest else None
        digest_channel = slack.add_channel("drill-digest").id if digest else None
        zone = daytime_zone(now)
        ritual = drill_ritual(people, now, tz=zone, channel=channel, digest_channel=digest_channel)
        async with db.transaction() as conn:
            await ritual_repo.insert_ritual(conn, ritual, now=now)
        digest_tally = DigestTally()
        async with slack:
            env = {
                "PATH": "/usr/bin:/bin",
                "PYTHONPATH": str(bot_root),
                "SLACK_BOT_TOKEN": slack.token,
                "SLACK_SIGNING_SECRET": SECRET,
                "SLACK_API_URL": slack.api_url,
                "DATABASE_URL": url,
                "HOST": "127.0.0.1",
                "SLACK_TIMEOUT_SECONDS": "5",
                "SLACK_RATE_SCALE": f"{rate_scale:g}",
                "SEND_LEASE_SECONDS": f"{lease_seconds:g}",
                "SEND_HEARTBEAT_SECONDS": f"{lease_seconds / 4:g}",
                "SCHEDULER_LEASE_SECONDS": f"{lease_seconds:g}",
                "SCHEDULER_TICK_SECONDS": f"{lease_seconds / 4:g}",
                "SHUTDOWN_GRACE_SECONDS": "10",
            }
            bots = Bots(env, tmp)
            # A hung call outlives its 5 s timeout, but not a dead poster's claim: Slack stores
            # it before the claim's lease (less one renewal) runs out and another replica looks
            # for it. A post Slack stores later than that no look can find (a duplicate); with
            # the defaults (a 180 s lease, a 15 s timeout) Slack has long answered by then.
            hang = min(8.0, 0.6 * lease_seconds)
            started = time.monotonic()
            await bots.start("a")
            await bots.start("b")
            noise = asyncio.create_task(
                chaos(slack, rng, faults, every=0.3, hang=hang, seconds=chaos_seconds)
            )
            killed_at = None
            everyone_received: float | None = None
            everyone_recorded: float | None = None
            try:
                while time.monotonic() - started < deadline:
                    count = tally(slack, people).recipients
                    if killed_at is None and count >= people_count // 3:
                        slot = await bots.kill_leader(db)
                        killed_at = time.monotonic() - started
                        await asyncio.sleep(restart_after)
                        await bots.start(slot)
                    if count == people_count and everyone_recorded is None:
                        everyone_received = time.monotonic() - started
                        everyone_recorded = -1.0
                    if everyone_recorded == -1.0 and not await unfinished(db):
                        everyone_recorded = time.monotonic() - started
                        break
                    await asyncio.sleep(0.2)
                seconds = time.monotonic() - started
                if digest and channel is not None and digest_channel is not None:
                    noise.cancel()
                    noise = asyncio.create_task(
                        chaos(slack, rng, faults, every=0.3, hang=hang, seconds=chaos_seconds)
                    )
                    await digest_phase(
                        slack,
                        db,
                        bots,
                        people,
                        channel,
                        digest_channel,
                        zone,
                        digest_tally,
                        per_person=replies_per_person,
                        slow=digest_slow,
                        ends=started + deadline,
                        restart_after=restart_after,
                    )
            finally:
                noise.cancel()
                slack.release()
                await bots.stop()
            result = tally(slack, people)
            result.seconds = seconds
            result.settled = everyone_recorded is not None and everyone_recorded >= 0
            result.digest = digest_tally
            if digest_channel is not None:
                keys = digest_keys(slack, digest_channel, RITUAL_ID)
                digest_tally.posted = len(keys)
                digest_tally.duplicates = sum(n - 1 for n in keys.values())
                digest_tally.named = count_named(slack, digest_channel)
        async with db.transaction() as conn:
            rows = (
                await conn.execute(
                    text("SELECT status, COUNT(*) FROM sends WHERE kind = 'prompt' GROUP BY status")
                )
            ).all()
        if digest:
            digest_tally.replies_stored = await stored_replies(db, RITUAL_ID)
        await db.close()
        if schema is not None and keep is None and database_url is not None:
            await execute(database_url, f'DROP SCHEMA "{schema}" CASCADE')
        logs = bots.log_text()
    print(f"database={'PostgreSQL' if schema else 'SQLite'}")
    print(
        f"people={people_count} seed={seed} rate_scale={rate_scale}"
        f" Slack misbehaving for the first {chaos_seconds:.0f}s"
    )
    print(
        f"killed the leading process at {killed_at or 0:.1f}s (SIGKILL),"
        f" restarted it {restart_after:g} s later"
    )
    print(f"faults injected: {dict(faults)}")
    print(f"sends by status at the end: {dict((str(s), int(n)) for s, n in rows)}")
    print(
        "posts in doubt (5xx, timeout, kill):",
        logs.count("maybe_posted=True"),
        "| found in Slack by metadata instead of posted again:",
        logs.count("send found in Slack"),
    )
    print(
        f"everyone had their prompt after {everyone_received or 0:.1f}s;"
        f" every send recorded as sent after {everyone_recorded or 0:.1f}s"
    )
    print(result.line())
    if digest:
        print(
            f"digest: the poster was killed with {digest_tally.killed_after_parts} parts in the"
            f" channel (each post to it held {digest_slow:g} s), restarted {restart_after:g} s later;"
            f" every part recorded as sent: {digest_tally.settled}"
        )
        print(digest_tally.line())
    return result


async def digest_phase(
    slack: FakeSlack,
    db: Database,
    bots: Bots,
    people: list[str],
    channel: str,
    digest_channel: str,
    zone: str,
    tally: DigestTally,
    *,
    per_person: int,
    slow: float,
    ends: float,
    restart_after: float,
) -> None:
    """Replies to either replica; the digest made due, its poster killed mid-post, restarted."""
    assert await bots.ready(), "both replicas should answer /readyz before the replies"
    prompt = next(
        m
        for m in slack.messages(channel)
        if str((m.metadata or {}).get("event_payload", {}).get("send_key", "")).startswith(
            f"prompt:{RITUAL_ID}:"
        )
    )
    tally.replies_sent, tally.replies_acked = await send_replies(
        slack, list(bots.ports.values()), SECRET, people, channel, prompt.ts, per_person=per_person
    )
    while time.monotonic() < ends:
        if await stored_replies(db, RITUAL_ID) >= tally.replies_sent:
            break
        await asyncio.sleep(0.2)
    slack.slow_channel(digest_channel, seconds=slow)
    due = datetime.now(UTC)
    await make_digest_due(db, RITUAL_ID, zone, due)
    week = WeekId.of(due, ZoneInfo(zone))
    began = time.monotonic()
    parts = 0
    while time.monotonic() < ends:
        parts = parts or await layout_parts(db, RITUAL_ID, week)
        out = len(digest_keys(slack, digest_channel, RITUAL_ID))
        if tally.killed_after_parts < 0 and parts and slack.waiting and out >= max(1, parts // 3):
            tally.killed_after_parts = out
            slot = await bots.kill_leader(db)
            await asyncio.sleep(restart_after)
            await bots.start(slot)
        if (
            parts
            and await digest_sent(db, RITUAL_ID) == parts
            and not await digest_unfinished(db, RITUAL_ID)
        ):
            tally.settled = True
            break
        await asyncio.sleep(0.1)
    tally.seconds = time.monotonic() - began
    tally.parts = parts
    slack.slow_channel(digest_channel, seconds=0)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--people", type=int, default=500)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--rate-scale", type=float, default=10.0)
    parser.add_argument("--deadline", type=float, default=600.0)
    parser.add_argument(
        "--chaos-seconds", type=float, default=40.0, help="Slack misbehaves this long"
    )
    parser.add_argument("--keep", type=Path, default=None, help="keep the database and logs here")
    parser.add_argument(
        "--bot-root", type=Path, default=ROOT, help="run the bots from this source tree"
    )
    parser.add_argument(
        "--database-url",
        default=None,
        help="a PostgreSQL database (postgresql://user@host/db) to drill in, in a schema of its own",
    )
    parser.add_argument(
        "--lease-seconds",
        type=float,
        default=20.0,
        help="send claims' and the scheduler's lease: how long a killed process holds work",
    )
    parser.add_argument(
        "--no-digest", action="store_true", help="the fan-out alone (an older release, say)"
    )
    parser.add_argument(
        "--replies-per-person", type=int, default=1, help="thread replies each person sends"
    )
    parser.add_argument(
        "--digest-slow", type=float, default=1.0, help="seconds Slack holds each digest post"
    )
    parser.add_argument(
        "--restart-after", type=float, default=2.0, help="seconds a killed process stays down"
    )
    args = parser.parse_args()
    result = asyncio.run(
        drill(
            args.people,
            seed=args.seed,
            rate_scale=args.rate_scale,
            deadline=args.deadline,
            chaos_seconds=args.chaos_seconds,
            keep=args.keep,
            bot_root=args.bot_root.resolve(),
            database_url=args.database_url,
            lease_seconds=args.lease_seconds,
            digest=not args.no_digest,
            replies_per_person=args.replies_per_person,
            digest_slow=args.digest_slow,
            restart_after=args.restart_after,
        )
    )
    digest = result.digest
    digest_ok = digest is None or (
        digest.duplicates == 0
        and digest.missing == 0
        and digest.replies_stored == digest.replies_sent
    )
    return 0 if result.duplicates == 0 and result.missing == 0 and digest_ok else 1


if __name__ == "__main__":
    sys.exit(main())
