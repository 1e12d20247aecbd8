"""A failure drill, run by hand: `.venv/bin/python -m bench.drill [--people 500] [--seed 1]`.

Two bot processes (`python -m bot run`) share one database and the Slack emulator: a SQLite
file, or with `--database-url postgresql://…` a fresh schema in that PostgreSQL database,
dropped afterwards (kept with `--keep`). A
ritual asks N people by DM; both processes fan it out at once while Slack misbehaves at
random for the first `--chaos-seconds` (429 bursts, a 500 after the message was stored, a 503
before, slow calls, calls that hang past the client's timeout and are handled late). One process is killed with SIGKILL a
third of the way through and started again, as a supervisor would; at the end both get SIGTERM.

It reports recipients, duplicates (must be 0), missing (must be 0), the time from start to
everyone having their prompt, and to every send being recorded as sent (the killed process's
claims settle after their lease, by a look in Slack). Bounded: it gives up after `--deadline` seconds. Results
go in docs/benchmarks.md. `tests/e2e/test_sends.py` runs a small in-process version in CI.

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
import sys
import tempfile
import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import text

from bench.databases import execute
from core.rituals import AudienceKind, Ritual
from core.schedule import Weekday
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


def drill_ritual(people: list[str], now: datetime) -> Ritual:
    """A DM ritual whose moment passed two minutes ago, created the day before."""
    due = (now - timedelta(minutes=2)).replace(second=0, microsecond=0)
    return Ritual(
        id=RITUAL_ID,
        team_id="T0LOL",
        name="Drill",
        audience_kind=AudienceKind.USERS,
        audience=tuple(people),
        weekday=Weekday(due.weekday()),
        at=due.time(),
        tz="UTC",
        dm=True,
        created_at=now - timedelta(days=1),
    )


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


async def _bot(env: dict[str, str], log: Path) -> asyncio.subprocess.Process:
    with log.open("ab") as out:
        return await asyncio.create_subprocess_exec(
            sys.executable, "-m", "bot", "run", env=env, cwd=log.parent, stderr=out, stdout=out
        )


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
        async with db.transaction() as conn:
            await ritual_repo.insert_ritual(conn, drill_ritual(people, now), now=now)
        slack = FakeSlack(rate_scale=rate_scale)
        for user in people:
            slack.add_user(user, user.lower(), tz="UTC")
        async with slack:
            env = {
                "PATH": "/usr/bin:/bin",
                "PYTHONPATH": str(bot_root),
                "SLACK_BOT_TOKEN": slack.token,
                "SLACK_SIGNING_SECRET": SECRET,
                "SLACK_API_URL": slack.api_url,
                "DATABASE_URL": url,
                "HOST": "127.0.0.1",
                "PORT": "0",
                "SLACK_TIMEOUT_SECONDS": "5",
                "SLACK_RATE_SCALE": f"{rate_scale:g}",
                "SEND_LEASE_SECONDS": f"{lease_seconds:g}",
                "SEND_HEARTBEAT_SECONDS": f"{lease_seconds / 4:g}",
                "SCHEDULER_LEASE_SECONDS": f"{lease_seconds:g}",
                "SCHEDULER_TICK_SECONDS": f"{lease_seconds / 4:g}",
                "SHUTDOWN_GRACE_SECONDS": "10",
            }
            started = time.monotonic()
            first = await _bot(env, tmp / "bot-a.log")
            second = await _bot(env, tmp / "bot-b.log")
            noise = asyncio.create_task(
                chaos(slack, rng, faults, every=0.3, hang=8.0, seconds=chaos_seconds)
            )
            killed_at = None
            restarted = None
            everyone_received: float | None = None
            everyone_recorded: float | None = None
            try:
                while time.monotonic() - started < deadline:
                    count = tally(slack, people).recipients
                    if killed_at is None and count >= people_count // 3:
                        # Kill the replica leading the scheduled work (the other only waits).
                        if await leader_pid(db) == second.pid:
                            first, second = second, first
                        first.send_signal(signal.SIGKILL)  # mid fan-out, nothing cleaned up
                        await first.wait()
                        killed_at = time.monotonic() - started
                        await asyncio.sleep(2)
                        restarted = await _bot(env, tmp / "bot-a2.log")
                    if count == people_count and everyone_recorded is None:
                        everyone_received = time.monotonic() - started
                        everyone_recorded = -1.0
                    if everyone_recorded == -1.0 and not await unfinished(db):
                        everyone_recorded = time.monotonic() - started
                        break
                    await asyncio.sleep(0.2)
                seconds = time.monotonic() - started
            finally:
                noise.cancel()
                slack.release()
                for process in (second, restarted):
                    if process is not None and process.returncode is None:
                        process.send_signal(signal.SIGTERM)
                for process in (second, restarted, first):
                    if process is None:
                        continue
                    try:
                        await asyncio.wait_for(process.wait(), timeout=60)
                    except TimeoutError:
                        print(f"pid {process.pid} still running 60 s after SIGTERM: killed")
                        process.kill()
                        await process.wait()
            result = tally(slack, people)
            result.seconds = seconds
            result.settled = everyone_recorded is not None and everyone_recorded >= 0
        async with db.transaction() as conn:
            rows = (
                await conn.execute(
                    text("SELECT status, COUNT(*) FROM sends WHERE kind = 'prompt' GROUP BY status")
                )
            ).all()
        await db.close()
        if schema is not None and keep is None and database_url is not None:
            await execute(database_url, f'DROP SCHEMA "{schema}" CASCADE')
        logs = "".join(p.read_text() for p in tmp.glob("bot-*.log"))
    print(f"database={'PostgreSQL' if schema else 'SQLite'}")
    print(
        f"people={people_count} seed={seed} rate_scale={rate_scale}"
        f" Slack misbehaving for the first {chaos_seconds:.0f}s"
    )
    print(f"killed the leading process at {killed_at or 0:.1f}s (SIGKILL), restarted it 2 s later")
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
    return result


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--people", type=int, default=500)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--rate-scale", type=float, default=10.0)
    parser.add_argument("--deadline", type=float, default=300.0)
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
        )
    )
    return 0 if result.duplicates == 0 and result.missing == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
