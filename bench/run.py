"""Benchmarks, run by hand: `.venv/bin/python -m bench.run` (results go in docs/benchmarks.md).

Shared, noisy machines: every figure is a median of repeated runs, and growth is reported as a
ratio (time at 10x the size / time at 1x), which says more than any absolute number.

1. `/tried` acknowledgement: HTTP round trip of a signed slash command to the real bot.
2. Fan-out: one ritual prompting N people by DM through the emulator (rate limits off, so it
   measures the bot, not Slack's pacing), N = 100 and 1,000.
3. Digest: gathering, building and rendering a week of N experiments, N = 300 and 3,000.
4. Memory: peak traced allocation during the 1,000-person fan-out.
"""

from __future__ import annotations

import asyncio
import statistics
import tempfile
import time
import tracemalloc
from collections.abc import Awaitable, Callable, Coroutine
from datetime import UTC, datetime, timedelta
from datetime import time as clock_time
from pathlib import Path
from typing import Any

from bench.databases import bench_database
from bot.config import Config
from bot.runtime import Runtime, start_runtime
from core.model import Experiment, FailureMode, Outcome, Source
from core.rituals import AudienceKind, Ritual
from core.schedule import Weekday
from core.weeks import WeekId
from fakeslack.driver import SlackDriver
from fakeslack.server import FakeSlack
from services import digests
from services.ritual_runs import run_due
from storage import experiments as repo
from storage import rituals as ritual_repo
from storage.db import new_id

SECRET = "bench-secret"
MONDAY = datetime(2026, 11, 23, 8, 0, tzinfo=UTC)


class Clock:
    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now

    def epoch(self) -> float:
        return self.now.timestamp()


async def with_bot(
    people: int,
    body: Callable[[Runtime, FakeSlack, Clock], Awaitable[float]],
    server: str | None = None,
) -> float:
    """Run `body` against a started bot on SQLite, or on PostgreSQL at `server`."""
    clock = Clock(MONDAY - timedelta(days=1))
    slack = FakeSlack(clock=clock.epoch, rate_limits=False)
    for n in range(people):
        slack.add_user(f"U{n:06d}", f"user{n}", tz="Europe/Berlin")
    with tempfile.TemporaryDirectory() as tmp:
        async with slack, bench_database(server, Path(tmp)) as url:
            config = Config.from_env(
                {
                    "SLACK_BOT_TOKEN": slack.token,
                    "SLACK_SIGNING_SECRET": SECRET,
                    "SLACK_API_URL": slack.api_url,
                    "DATABASE_URL": url,
                    "HOST": "127.0.0.1",
                    "PORT": "0",
                    "LOG_LEVEL": "ERROR",
                    "SLACK_RATE_SCALE": "1000",  # the emulator's limits are off
                }
            )
            runtime = await start_runtime(config, clock=clock, scheduling=False)
            try:
                return await body(runtime, slack, clock)
            finally:
                await runtime.stop()


def ritual(people: int) -> Ritual:
    return Ritual(
        id="bench",
        team_id="T0LOL",
        name="Bench",
        audience_kind=AudienceKind.USERS,
        audience=tuple(f"U{n:06d}" for n in range(people)),
        weekday=Weekday.MON,
        at=clock_time(9),
        tz="Europe/Berlin",
        dm=True,
        created_at=MONDAY - timedelta(days=1),
    )


async def ack_latency(samples: int = 200) -> list[float]:
    async def body(runtime: Runtime, slack: FakeSlack, _clock: Clock) -> float:
        times: list[float] = []
        async with SlackDriver(
            f"http://127.0.0.1:{runtime.port}/slack/events", SECRET, slack
        ) as driver:
            for n in range(samples):
                started = time.perf_counter()
                reply = await driver.slash_command(
                    "U000000", f"Claude: benchmark entry {n}, it worked"
                )
                times.append(time.perf_counter() - started)
                assert reply.status == 200
        await runtime.deps.inflight.wait(30)
        return statistics.median(times)

    return [await with_bot(1, body)]


async def fan_out(people: int, server: str | None = None) -> float:
    async def body(runtime: Runtime, _slack: FakeSlack, clock: Clock) -> float:
        async with runtime.deps.db.transaction() as conn:
            await ritual_repo.insert_ritual(conn, ritual(people), now=clock())
        clock.now = MONDAY
        started = time.perf_counter()
        report = await run_due(runtime.deps, runtime.client, now=clock(), grace=timedelta(hours=6))
        assert sum(report.sent.values()) == people, report
        return time.perf_counter() - started

    return await with_bot(people, body, server)


async def digest_time(size: int) -> float:
    async def body(runtime: Runtime, _slack: FakeSlack, clock: Clock) -> float:
        r = ritual(10)
        async with runtime.deps.db.transaction() as conn:
            await ritual_repo.insert_ritual(conn, r, now=clock())
            for n in range(size):
                exp = Experiment(
                    id=new_id(),
                    team_id="T0LOL",
                    user_id=f"U{n % 10:06d}",
                    source=Source.COMMAND,
                    summary=f"experiment {n}",
                    created_at=MONDAY,
                    updated_at=MONDAY,
                    week="2026-W48",
                    tool=("Claude", "Copilot", "Cursor")[n % 3],
                    outcome=Outcome.FAILED if n % 2 else Outcome.WORKED,
                    failure=f"failure {n}" if n % 2 else "",
                    failure_mode=FailureMode.CONFIDENT_WRONG if n % 2 else None,
                    surprise=f"surprise {n}" if n % 5 == 0 else "",
                    ritual_id=r.id,
                )
                await repo.insert_experiment(conn, exp, source_key=f"b{n}")
        started = time.perf_counter()
        messages = await digests.render(runtime.deps, runtime.client, r, WeekId.parse("2026-W48"))
        assert messages
        return time.perf_counter() - started

    return await with_bot(10, body)


def median_of(runs: int, make: Callable[[], Coroutine[Any, Any, float]]) -> float:
    return statistics.median(asyncio.run(make()) for _ in range(runs))


def main() -> None:
    ack = median_of(3, lambda: _first(ack_latency()))
    print(f"/tried ack round trip, median of 200 requests (median of 3 runs): {ack * 1000:.1f} ms")
    small, large = median_of(3, lambda: fan_out(100)), median_of(3, lambda: fan_out(1000))
    print(
        f"fan-out 100 people: {small:.2f} s; 1,000 people: {large:.2f} s; ratio {large / small:.1f}x for 10x people"
    )
    print(f"  per person at 1,000: {large / 1000 * 1000:.1f} ms")
    d_small, d_large = (
        median_of(3, lambda: digest_time(300)),
        median_of(3, lambda: digest_time(3000)),
    )
    print(
        f"digest 300 entries: {d_small * 1000:.0f} ms; 3,000 entries: {d_large * 1000:.0f} ms; ratio {d_large / d_small:.1f}x"
    )
    tracemalloc.start()
    asyncio.run(fan_out(1000))
    _current, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    print(
        f"peak traced memory during the 1,000-person fan-out (bot and emulator together): {peak / 2**20:.1f} MiB"
    )


async def _first(values: Awaitable[list[float]]) -> float:
    return (await values)[0]


if __name__ == "__main__":
    main()
