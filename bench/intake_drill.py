"""Intake drill, run by hand: does anything acknowledged get lost under a burst?

`.venv/bin/python -m bench.intake_drill [--replies 5000] [--concurrency 50] [--tried 20000]`

Against the real bot over HTTP (SQLite, the emulator with rate limits off, so it measures the
bot and not Slack's pacing), it sends
1. thread replies to a prompt, `--concurrency` at a time, and
2. `/tried <text>` quick entries all at once (the client keeps at most 100 connections open),
then waits until the bot is idle and counts what was stored. `lost` is acknowledged (HTTP 200)
minus stored: an acknowledged request Slack never sends again. Like Slack, the drill delivers an
event again (up to 3 times) when the answer is not 2xx; a `/tried` answered with text (the bot
saying it could not take it) counts as not acknowledged, since the person was told.
The clock moves with real time from a fixed Monday, so retries after a back-off come due.
"""

from __future__ import annotations

import argparse
import asyncio
import tempfile
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from datetime import time as clock_time
from pathlib import Path

from sqlalchemy import text

from bot.config import Config
from bot.runtime import Runtime, start_runtime
from core.rituals import AudienceKind, Ritual
from core.schedule import Weekday
from fakeslack.driver import SlackDriver
from fakeslack.server import FakeSlack
from services.ritual_runs import run_due
from storage import rituals as ritual_repo

SECRET = "drill-secret"
MONDAY = datetime(2026, 11, 23, 8, 0, tzinfo=UTC)
REPLIERS = 50
TRIERS = 500
# How long the bot may stay busy after the last request before the drill gives up waiting.
SETTLE_LIMIT_SECONDS = 600.0


@dataclass
class Result:
    what: str
    sent: int
    acked: int
    stored: int
    seconds: float

    @property
    def lost(self) -> int:
        return max(self.acked - self.stored, 0)

    def line(self) -> str:
        return (
            f"{self.what}: sent {self.sent:,}, acked {self.acked:,}, stored {self.stored:,}, "
            f"lost {self.lost:,}, time {self.seconds:.1f} s"
        )


class Clock:
    """Real time, shifted to start at `start`."""

    def __init__(self, start: datetime) -> None:
        self.start = start
        self.began = time.monotonic()

    def __call__(self) -> datetime:
        return self.start + timedelta(seconds=time.monotonic() - self.began)

    def epoch(self) -> float:
        return self().timestamp()


def _workspace(clock: Clock) -> tuple[FakeSlack, str]:
    slack = FakeSlack(clock=clock.epoch, rate_limits=False)
    for n in range(REPLIERS):
        slack.add_user(f"UR{n:05d}", f"replier{n}", tz="Europe/Berlin")
    for n in range(TRIERS):
        slack.add_user(f"UT{n:05d}", f"trier{n}", tz="Europe/Berlin")
    channel = slack.add_channel("leaders", members=[f"UR{n:05d}" for n in range(REPLIERS)])
    return slack, channel.id


async def _stored(runtime: Runtime, source: str) -> int:
    async with runtime.db.transaction() as conn:
        found = await conn.execute(
            text("SELECT COUNT(*) FROM experiments WHERE source = :source"), {"source": source}
        )
        return int(found.scalar_one())


async def _pending(runtime: Runtime) -> int:
    """Inbox rows not finished yet (0 for a bot without an inbox)."""
    try:
        async with runtime.db.transaction() as conn:
            found = await conn.execute(text("SELECT COUNT(*) FROM inbox WHERE status = 'pending'"))
            return int(found.scalar_one())
    except Exception:
        return 0


async def _idle(runtime: Runtime) -> None:
    """Wait until the bot's work after the acks is over (every task, every inbox row)."""
    deadline = time.monotonic() + SETTLE_LIMIT_SECONDS
    while time.monotonic() < deadline:
        await runtime.deps.inflight.wait(SETTLE_LIMIT_SECONDS)
        await asyncio.sleep(0.5)
        if not len(runtime.deps.inflight) and not await _pending(runtime):
            return
        await asyncio.sleep(1.0)  # rows waiting out a back-off: the bot's own timer takes them


async def _with_bot(
    body: Callable[[Runtime, SlackDriver, FakeSlack, str], Awaitable[Result]], extra: dict[str, str]
) -> Result:
    clock = Clock(MONDAY)
    slack, channel = _workspace(clock)
    with tempfile.TemporaryDirectory() as tmp:
        async with slack:
            config = Config.from_env(
                {
                    "SLACK_BOT_TOKEN": slack.token,
                    "SLACK_SIGNING_SECRET": SECRET,
                    "SLACK_API_URL": slack.api_url,
                    "DATABASE_URL": f"sqlite+aiosqlite:///{Path(tmp) / 'drill.db'}",
                    "HOST": "127.0.0.1",
                    "PORT": "0",
                    "LOG_LEVEL": "ERROR",
                    "SLACK_RATE_SCALE": "1000",  # the emulator's limits are off
                }
                | extra
            )
            runtime = await start_runtime(config, clock=clock, scheduling=False)
            try:
                url = f"http://127.0.0.1:{runtime.port}/slack/events"
                async with SlackDriver(url, SECRET, slack) as driver:
                    return await body(runtime, driver, slack, channel)
            finally:
                await runtime.stop()


async def _prompt(runtime: Runtime, slack: FakeSlack, channel: str) -> str:
    """Post this week's prompt in the channel and return its ts (the thread to reply in)."""
    ritual = Ritual(
        id="drill",
        team_id=slack.ws.team_id,
        name="Drill",
        audience_kind=AudienceKind.USERS,
        audience=tuple(f"UR{n:05d}" for n in range(REPLIERS)),
        weekday=Weekday.MON,
        at=clock_time(9),
        tz="Europe/Berlin",
        prompt_channel_id=channel,
        dm=False,
        created_at=MONDAY - timedelta(days=1),
    )
    async with runtime.deps.db.transaction() as conn:
        await ritual_repo.insert_ritual(conn, ritual, now=MONDAY - timedelta(days=1))
    await run_due(runtime.deps, runtime.client, now=runtime.deps.clock(), grace=timedelta(hours=6))
    return slack.messages(channel)[0].ts


async def replies_drill(count: int, concurrency: int, extra: dict[str, str]) -> Result:
    async def body(runtime: Runtime, driver: SlackDriver, slack: FakeSlack, channel: str) -> Result:
        thread_ts = await _prompt(runtime, slack, channel)
        gate = asyncio.Semaphore(concurrency)
        acked = 0

        async def reply(n: int) -> None:
            nonlocal acked
            async with gate:
                user = f"UR{n % REPLIERS:05d}"
                message = slack.user_posts(
                    user, channel, f"Claude: drill reply {n}, it worked", thread_ts=thread_ts
                )
                event = driver.message_event(channel, message)
                event_id = None
                for retry in (None, 1, 2, 3):  # Slack redelivers a non-2xx up to three times
                    try:
                        answer, event_id = await driver.event(
                            event, event_id=event_id, retry_num=retry
                        )
                    except Exception:
                        continue
                    if answer.status == 200:
                        acked += 1
                        return

        started = time.perf_counter()
        await asyncio.gather(*(reply(n) for n in range(count)))
        await _idle(runtime)
        seconds = time.perf_counter() - started
        return Result("thread replies", count, acked, await _stored(runtime, "thread"), seconds)

    return await _with_bot(body, extra)


async def tried_drill(count: int, extra: dict[str, str]) -> Result:
    async def body(runtime: Runtime, driver: SlackDriver, slack: FakeSlack, channel: str) -> Result:
        acked = 0

        async def tried(n: int) -> None:
            nonlocal acked
            try:
                answer = await driver.slash_command(
                    f"UT{n % TRIERS:05d}", f"Claude: drill entry {n}, it worked"
                )
            except Exception:
                return
            # An acknowledgement that carries text is the bot saying it could not take it.
            acked += answer.status == 200 and not answer.body

        started = time.perf_counter()
        await asyncio.gather(*(tried(n) for n in range(count)))
        await _idle(runtime)
        seconds = time.perf_counter() - started
        return Result("/tried unpaced", count, acked, await _stored(runtime, "command"), seconds)

    return await _with_bot(body, extra)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--replies", type=int, default=5000)
    parser.add_argument("--concurrency", type=int, default=50)
    parser.add_argument("--tried", type=int, default=20000)
    parser.add_argument("--runs", type=int, default=1)
    parser.add_argument("--workers", type=int, help="INTAKE_WORKERS (default: the bot's)")
    args = parser.parse_args()
    extra = {} if args.workers is None else {"INTAKE_WORKERS": str(args.workers)}
    for _ in range(args.runs):
        if args.replies:
            result = asyncio.run(replies_drill(args.replies, args.concurrency, extra))
            print(result.line(), flush=True)
        if args.tried:
            print(asyncio.run(tried_drill(args.tried, extra)).line(), flush=True)


if __name__ == "__main__":
    main()
