"""The connection pool's size against two replicas, run by hand (results in docs/benchmarks.md):

`.venv/bin/python -m bench.pool [--postgres URL] [--sizes 2,5,10,20] [--replies 1000] [--people 1000]`

For each pool size, two bots in one process share one fresh PostgreSQL schema, each with its
own engine of `DATABASE_POOL_SIZE` connections (no overflow), the emulator's rate limits off:
1. ingest: thread replies to a channel prompt, 50 signed requests at a time, sent to the two
   replicas in turn, from the first request until every reply is stored;
2. fan-out: a DM ritual for `--people`, sent by one replica (the leader) while the other keeps
   taking replies, 10 at a time.
Each phase reports its time and the most connections either replica had checked out at once
(sampled every 10 ms). `--sqlite` runs the same on one SQLite file, for comparison.
"""

from __future__ import annotations

import argparse
import asyncio
import tempfile
import time
from collections.abc import Awaitable
from contextlib import AsyncExitStack
from dataclasses import dataclass
from datetime import time as clock_time
from datetime import timedelta
from pathlib import Path
from typing import TypeVar

from sqlalchemy import text

from bench.databases import bench_database
from bench.intake_drill import MONDAY, SECRET, Clock
from bot.config import Config
from bot.runtime import Runtime, start_runtime
from core.rituals import AudienceKind, Ritual
from core.schedule import Weekday
from fakeslack.driver import SlackDriver
from fakeslack.server import FakeSlack
from services.ritual_runs import run_due
from storage import rituals as ritual_repo

T = TypeVar("T")
REPLIERS = 50


@dataclass
class Phase:
    seconds: float
    peak: int  # connections checked out at once, the higher of the two replicas
    done: int  # replies stored, or prompts sent


@dataclass
class Outcome:
    size: int
    ingest: Phase
    fan_out: Phase

    def row(self, replies: int, people: int) -> str:
        return (
            f"| {self.size} | {self.ingest.done / self.ingest.seconds:,.0f} /s"
            f" ({self.ingest.done:,}/{replies:,} stored) | {self.ingest.peak}"
            f" | {self.fan_out.seconds:.1f} s ({self.fan_out.done:,}/{people:,} sent)"
            f" | {self.fan_out.peak} |"
        )


def _ritual(rid: str, name: str, audience: tuple[str, ...], **extra: object) -> Ritual:
    return Ritual(
        id=rid,
        team_id="T0LOL",
        name=name,
        audience_kind=AudienceKind.USERS,
        audience=audience,
        weekday=Weekday.MON,
        at=clock_time(9),
        tz="Europe/Berlin",
        created_at=MONDAY - timedelta(days=1),
        **extra,  # type: ignore[arg-type]
    )


async def _peak(replicas: list[Runtime], work: Awaitable[T]) -> tuple[T, int]:
    """Run `work`, sampling how many connections each replica has checked out."""
    peak = 0
    task = asyncio.ensure_future(work)
    while not task.done():
        for runtime in replicas:
            peak = max(peak, runtime.db.engine.pool.checkedout())  # type: ignore[attr-defined]
        await asyncio.sleep(0.01)
    return await task, peak


async def _stored(runtime: Runtime) -> int:
    async with runtime.db.read() as conn:
        found = await conn.execute(text("SELECT COUNT(*) FROM experiments"))
        return int(found.scalar_one())


async def _settled(replicas: list[Runtime], expected: int, within: float = 600.0) -> int:
    ends = time.monotonic() + within
    stored = 0
    while time.monotonic() < ends:
        stored = await _stored(replicas[0])
        if stored >= expected:
            break
        await asyncio.sleep(0.1)
    return stored


async def _reply(slack: FakeSlack, driver: SlackDriver, channel: str, thread: str, n: int) -> None:
    message = slack.user_posts(
        f"UR{n % REPLIERS:05d}", channel, f"Claude: pool reply {n}, it worked", thread_ts=thread
    )
    for retry in (None, 1, 2, 3):  # Slack redelivers a non-2xx up to three times
        try:
            answer, _ = await driver.event(driver.message_event(channel, message), retry_num=retry)
        except Exception:
            continue
        if answer.status == 200:
            return


async def one_size(server: str | None, size: int, replies: int, people: int) -> Outcome:
    clock = Clock(MONDAY)
    slack = FakeSlack(clock=clock.epoch, rate_limits=False)
    for n in range(REPLIERS):
        slack.add_user(f"UR{n:05d}", f"replier{n}", tz="Europe/Berlin")
    for n in range(people):
        slack.add_user(f"U{n:06d}", f"user{n}", tz="Europe/Berlin")
    channel = slack.add_channel("leaders", members=[f"UR{n:05d}" for n in range(REPLIERS)]).id
    with tempfile.TemporaryDirectory() as tmp:
        async with slack, bench_database(server, Path(tmp)) as url, AsyncExitStack() as stack:
            env = {
                "SLACK_BOT_TOKEN": slack.token,
                "SLACK_SIGNING_SECRET": SECRET,
                "SLACK_API_URL": slack.api_url,
                "DATABASE_URL": url,
                "DATABASE_POOL_SIZE": str(size),
                "HOST": "127.0.0.1",
                "PORT": "0",
                "LOG_LEVEL": "ERROR",
            }
            replicas: list[Runtime] = []
            for _ in range(2):
                runtime = await start_runtime(Config.from_env(env), clock=clock, scheduling=False)
                stack.push_async_callback(runtime.stop)
                replicas.append(runtime)
            leader, other = replicas
            drivers = [
                await stack.enter_async_context(
                    SlackDriver(f"http://127.0.0.1:{r.port}/slack/events", SECRET, slack)
                )
                for r in replicas
            ]
            replying = _ritual(
                "pool-replies",
                "Replies",
                tuple(f"UR{n:05d}" for n in range(REPLIERS)),
                prompt_channel_id=channel,
            )
            async with leader.db.transaction() as conn:
                await ritual_repo.insert_ritual(conn, replying, now=MONDAY - timedelta(days=1))
            await run_due(leader.deps, leader.client, now=clock(), grace=timedelta(hours=6))
            thread = slack.messages(channel)[0].ts

            gate = asyncio.Semaphore(50)

            async def gated(n: int) -> None:
                async with gate:
                    await _reply(slack, drivers[n % 2], channel, thread, n)

            async def ingest() -> int:
                await asyncio.gather(*(gated(n) for n in range(replies)))
                return await _settled(replicas, replies)

            started = time.perf_counter()
            stored, peak = await _peak(replicas, ingest())
            ingest_phase = Phase(time.perf_counter() - started, peak, stored)

            dms = _ritual("pool-dms", "DMs", tuple(f"U{n:06d}" for n in range(people)), dm=True)
            async with leader.db.transaction() as conn:
                await ritual_repo.insert_ritual(conn, dms, now=MONDAY - timedelta(days=1))
            background = 0
            fanning = True

            async def trickle() -> None:
                nonlocal background
                while fanning:
                    await asyncio.gather(
                        *(
                            _reply(slack, drivers[1], channel, thread, replies + background + k)
                            for k in range(10)
                        )
                    )
                    background += 10

            async def fan_out() -> int:
                report = await run_due(
                    leader.deps, leader.client, now=clock(), grace=timedelta(hours=6)
                )
                return sum(report.sent.values())

            stream = asyncio.ensure_future(trickle())
            started = time.perf_counter()
            sent, peak = await _peak(replicas, fan_out())
            fan_phase = Phase(time.perf_counter() - started, peak, sent)
            fanning = False
            await stream
            await _settled(replicas, replies + background)
            await other.deps.inflight.wait(30)
    return Outcome(size, ingest_phase, fan_phase)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--postgres", default="postgresql://postgres@127.0.0.1:5432/test")
    parser.add_argument("--sqlite", action="store_true", help="one SQLite file instead")
    parser.add_argument("--sizes", default="2,5,10,20")
    parser.add_argument("--replies", type=int, default=1000)
    parser.add_argument("--people", type=int, default=1000)
    args = parser.parse_args()
    server = None if args.sqlite else args.postgres
    print(f"database={'SQLite' if server is None else 'PostgreSQL'}", flush=True)
    print(
        "| pool size (each replica) | thread replies ingested | peak connections in use"
        " | fan-out by DM | peak connections in use |\n| --- | --- | --- | --- | --- |",
        flush=True,
    )
    for size in (int(s) for s in args.sizes.split(",")):
        outcome = asyncio.run(one_size(server, size, args.replies, args.people))
        print(outcome.row(args.replies, args.people), flush=True)


if __name__ == "__main__":
    main()
